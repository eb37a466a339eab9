#include "server/net/static_files.hpp"

#define ZLIB_CONST  // next_in becomes a pointer to const: we compress from a std::string_view
#include <zlib.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <fstream>
#include <initializer_list>
#include <iterator>
#include <memory>
#include <stdexcept>
#include <system_error>
#include <utility>

namespace ucs::server::net {

namespace {

// Larger files are not served: everything under the static roots is a few MiB at most, and the
// cache keeps whole files in memory.
constexpr std::uintmax_t max_file_size = 64U << 20;

bool iequals(std::string_view a, std::string_view b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
        return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
    });
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

// Calls f(item) for each comma-separated, trimmed, non-empty item of a header list.
template <class F>
void for_each_item(std::string_view list, F&& f) {
    while (!list.empty()) {
        const auto comma = list.find(',');
        const std::string_view item = trim(list.substr(0, comma));
        if (!item.empty()) f(item);
        if (comma == std::string_view::npos) break;
        list.remove_prefix(comma + 1);
    }
}

std::string to_hex(std::uint64_t value) {
    std::array<char, 16> buffer{};
    const auto [end, ec] = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value, 16);
    (void)ec;  // 16 hex digits always fit
    return {buffer.data(), end};
}

std::optional<std::string> read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return std::nullopt;
    std::string data{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    if (in.bad()) return std::nullopt;
    return data;
}

}  // namespace

std::string_view mime_type(std::string_view filename) {
    static constexpr std::array<std::pair<std::string_view, std::string_view>, 18> types{{
        {".js", "text/javascript; charset=utf-8"},
        {".mjs", "text/javascript; charset=utf-8"},
        {".wasm", "application/wasm"},
        {".html", "text/html; charset=utf-8"},
        {".css", "text/css; charset=utf-8"},
        {".json", "application/json; charset=utf-8"},
        {".map", "application/json; charset=utf-8"},
        {".txt", "text/plain; charset=utf-8"},
        {".ts", "text/plain; charset=utf-8"},  // .d.ts typings, for reading
        {".png", "image/png"},
        {".svg", "image/svg+xml"},
        {".ico", "image/x-icon"},
        {".webp", "image/webp"},
        {".woff2", "font/woff2"},
        {".mp3", "audio/mpeg"},
        {".ogg", "audio/ogg"},
        {".wav", "audio/wav"},
        {".webm", "audio/webm"},
    }};
    const auto dot = filename.rfind('.');
    if (dot != std::string_view::npos) {
        const std::string_view extension = filename.substr(dot);
        for (const auto& [ext, type] : types)
            if (iequals(ext, extension)) return type;
    }
    return "application/octet-stream";
}

bool compressible(std::string_view content_type) {
    return content_type.starts_with("text/") || content_type.starts_with("application/json") ||
           content_type == "application/wasm" || content_type == "image/svg+xml";
}

namespace {

// Whether an Accept-Encoding header value admits one of `codings` (a ";q=0" weight refuses it).
bool accepts_coding(std::string_view accept_encoding, std::initializer_list<std::string_view> codings) {
    bool ok = false;
    for_each_item(accept_encoding, [&](std::string_view item) {
        const auto semicolon = item.find(';');
        const std::string_view coding = trim(item.substr(0, semicolon));
        if (std::none_of(codings.begin(), codings.end(), [&](std::string_view c) { return iequals(coding, c); }))
            return;
        bool refused = false;
        if (semicolon != std::string_view::npos) {
            // "q=0", "q=0.0", "q=0.000" refuse; any other weight accepts.
            const std::string_view params = trim(item.substr(semicolon + 1));
            if (params.size() >= 3 && (params[0] == 'q' || params[0] == 'Q') && params[1] == '=') {
                const std::string_view weight = trim(params.substr(2));
                refused = !weight.empty() && weight.find_first_not_of("0.") == std::string_view::npos;
            }
        }
        ok = !refused;
    });
    return ok;
}

}  // namespace

bool accepts_gzip(std::string_view accept_encoding) {
    return accepts_coding(accept_encoding, {"gzip", "x-gzip"});
}

bool accepts_brotli(std::string_view accept_encoding) {
    return accepts_coding(accept_encoding, {"br"});
}

bool etag_matches(std::string_view if_none_match, std::string_view etag) {
    const auto strip_weak = [](std::string_view tag) { return tag.starts_with("W/") ? tag.substr(2) : tag; };
    bool match = false;
    for_each_item(if_none_match, [&](std::string_view item) {
        if (item == "*" || strip_weak(item) == strip_weak(etag)) match = true;
    });
    return match;
}

bool safe_relative_path(std::string_view path) {
    if (path.empty() || path.size() > 512) return false;
    while (true) {
        const auto slash = path.find('/');
        const std::string_view segment = path.substr(0, slash);
        // A leading dot covers "..", "." and hidden files (.git, .env) alike.
        if (segment.empty() || segment.front() == '.') return false;
        for (const char c : segment) {
            const auto u = static_cast<unsigned char>(c);
            if (u < 0x20 || u == 0x7f || c == '\\' || c == ':') return false;
        }
        if (slash == std::string_view::npos) return true;
        path.remove_prefix(slash + 1);
    }
}

bool versioned_name(std::string_view filename) {
    for (auto at = filename.find("-v"); at != std::string_view::npos; at = filename.find("-v", at + 1)) {
        if (at + 2 < filename.size() && std::isdigit(static_cast<unsigned char>(filename[at + 2])) != 0) return true;
    }
    return false;
}

std::string gzip(std::string_view data) {
    z_stream stream{};
    // windowBits 15 + 16: a gzip header and trailer instead of zlib's.
    if (deflateInit2(&stream, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        throw std::runtime_error("zlib: deflateInit2 failed");
    const std::unique_ptr<z_stream, int (*)(z_streamp)> end(&stream, deflateEnd);

    std::string out(deflateBound(&stream, static_cast<uLong>(data.size())), '\0');
    stream.next_in = reinterpret_cast<const Bytef*>(data.data());
    stream.avail_in = static_cast<uInt>(data.size());
    stream.next_out = reinterpret_cast<Bytef*>(out.data());
    stream.avail_out = static_cast<uInt>(out.size());
    // deflateBound guarantees one Z_FINISH call completes.
    if (deflate(&stream, Z_FINISH) != Z_STREAM_END) throw std::runtime_error("zlib: deflate did not finish");
    out.resize(stream.total_out);
    return out;
}

std::shared_ptr<const std::string> StaticFiles::sibling(const std::filesystem::path& path,
                                                        std::filesystem::file_time_type mtime,
                                                        std::optional<Snapshot>& cached) {
    std::error_code ec;
    const auto status = std::filesystem::status(path, ec);
    if (ec || !std::filesystem::is_regular_file(status)) {
        cached.reset();
        return nullptr;
    }
    const auto size = std::filesystem::file_size(path, ec);
    if (ec || size > max_file_size) return nullptr;
    const auto sibling_mtime = std::filesystem::last_write_time(path, ec);
    // Older than the file it compresses: left over from a previous build.
    if (ec || sibling_mtime < mtime) return nullptr;
    if (!cached || cached->size != size || cached->mtime != sibling_mtime) {
        auto data = read_file(path);
        if (!data || data->size() != size) return nullptr;
        cached = Snapshot{size, sibling_mtime, std::make_shared<const std::string>(std::move(*data))};
    }
    return cached->bytes;
}

std::optional<StaticFile> StaticFiles::get(const std::filesystem::path& root, std::string_view relative,
                                           std::string_view accept_encoding) {
    if (!safe_relative_path(relative)) return std::nullopt;
    const std::filesystem::path path = root / std::filesystem::path(relative);

    std::error_code ec;
    const auto status = std::filesystem::status(path, ec);
    if (ec || !std::filesystem::is_regular_file(status)) {
        cache_.erase(path);
        return std::nullopt;
    }
    const auto size = std::filesystem::file_size(path, ec);
    if (ec || size > max_file_size) return std::nullopt;
    const auto mtime = std::filesystem::last_write_time(path, ec);
    if (ec) return std::nullopt;

    auto it = cache_.find(path);
    if (it == cache_.end() || it->second.identity.size != size || it->second.identity.mtime != mtime) {
        auto data = read_file(path);
        // A file rewritten between stat and read is picked up (with its real size) next time.
        if (!data || data->size() != size) return std::nullopt;
        Entry entry;
        entry.identity = Snapshot{size, mtime, std::make_shared<const std::string>(std::move(*data))};
        entry.etag_base = to_hex(size) + "-" + to_hex(static_cast<std::uint64_t>(mtime.time_since_epoch().count()));
        it = cache_.insert_or_assign(path, std::move(entry)).first;
    }
    Entry& entry = it->second;

    const std::string filename = path.filename().string();
    StaticFile file;
    file.content_type = std::string(mime_type(filename));
    file.compressible = compressible(file.content_type);
    file.versioned = versioned_name(filename);
    file.body = entry.identity.bytes;
    file.etag = "\"" + entry.etag_base + "\"";
    if (!file.compressible) return file;

    // Tiny files can grow when compressed; then identity is the better answer.
    const auto use = [&](std::shared_ptr<const std::string> body, std::string_view coding, std::string_view tag) {
        if (!body || body->size() >= entry.identity.bytes->size()) return false;
        file.body = std::move(body);
        file.content_encoding = std::string(coding);
        file.etag = "\"" + entry.etag_base + std::string(tag) + "\"";
        return true;
    };
    std::filesystem::path compressed = path;
    if (accepts_brotli(accept_encoding)) {
        compressed.replace_filename(filename + ".br");
        if (use(sibling(compressed, mtime, entry.precompressed_brotli), "br", "-br")) return file;
    }
    if (accepts_gzip(accept_encoding)) {
        compressed.replace_filename(filename + ".gz");
        std::shared_ptr<const std::string> gzipped = sibling(compressed, mtime, entry.precompressed_gzip);
        if (!gzipped) {
            if (!entry.gzipped) entry.gzipped = std::make_shared<const std::string>(gzip(*entry.identity.bytes));
            gzipped = entry.gzipped;
        }
        use(std::move(gzipped), "gzip", "-gz");
    }
    return file;
}

}  // namespace ucs::server::net
