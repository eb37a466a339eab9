#include "server/net/recordings.hpp"

#include "server/net/log.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <system_error>
#include <utility>

namespace ucs::server::net {

namespace {

constexpr std::size_t max_name = 128;

}  // namespace

Recordings::Recordings(std::filesystem::path dir) : dir_(std::move(dir)) {
    if (!dir_.empty()) {
        std::error_code error;
        std::filesystem::create_directories(dir_, error);
        if (error) log_line("recordings: cannot create " + dir_.string() + ": " + error.message() + " (calls go on unrecorded)");
    }
    thread_ = std::thread([this] { run(); });
}

Recordings::~Recordings() {
    {
        const std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_one();
    thread_.join();
}

bool Recordings::valid_name(const std::string& uniqueid) {
    if (uniqueid.empty() || uniqueid.size() > max_name || uniqueid.front() == '.') return false;
    return std::all_of(uniqueid.begin(), uniqueid.end(), [](char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '.' || c == '-' || c == '_';
    });
}

void Recordings::append(std::string uniqueid, std::string bytes) {
    if (dir_.empty() || bytes.empty()) return;
    {
        const std::lock_guard lock(mutex_);
        queue_.push_back(Chunk{std::move(uniqueid), std::move(bytes)});
    }
    wake_.notify_one();
}

void Recordings::run() {
    std::unique_lock lock(mutex_);
    for (;;) {
        wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
        if (queue_.empty()) return;  // stopping, and everything is written
        std::deque<Chunk> batch;
        batch.swap(queue_);
        lock.unlock();
        for (const Chunk& chunk : batch) write(chunk);
        lock.lock();
    }
}

void Recordings::write(const Chunk& chunk) {
    if (failed_.contains(chunk.uniqueid)) return;
    if (!valid_name(chunk.uniqueid)) {
        failed_.insert(chunk.uniqueid);
        log_line("recordings: call id " + chunk.uniqueid + " cannot name a file; not recorded");
        return;
    }
    const bool first = started_.insert(chunk.uniqueid).second;
    const std::filesystem::path path = dir_ / (chunk.uniqueid + ".opus");
    std::ofstream file(path, std::ios::binary | (first ? std::ios::trunc : std::ios::app));
    if (file) file.write(chunk.bytes.data(), static_cast<std::streamsize>(chunk.bytes.size()));
    if (file) file.flush();
    if (!file) {
        failed_.insert(chunk.uniqueid);
        log_line("recordings: cannot write " + path.string() + ": " + std::strerror(errno) +
                 " (the call goes on; its recording stops here)");
    }
}

std::optional<std::string> Recordings::read(const std::string& uniqueid) {
    if (dir_.empty() || !valid_name(uniqueid)) return std::nullopt;
    std::ifstream file(dir_ / (uniqueid + ".opus"), std::ios::binary);
    if (!file) return std::nullopt;
    return std::string(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>());
}

}  // namespace ucs::server::net
