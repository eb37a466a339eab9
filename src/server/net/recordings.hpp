#pragma once
// The recordings' files (docs/server.md, "Recordings"): the media bridge's Ogg Opus bytes appended to
// <dir>/<uniqueid>.opus on a thread of their own, so a slow or full disk never stalls the event loop;
// a failed write is logged (once per recording) and the call goes on. The files stay across restarts:
// read() finds a recording by its name alone.

#include "server/api/rest_api.hpp"

#include <condition_variable>
#include <deque>
#include <filesystem>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>

namespace ucs::server::net {

class Recordings final : public RecordingFiles {
public:
    // `dir` empty: nothing is written and read() finds nothing.
    explicit Recordings(std::filesystem::path dir);
    ~Recordings() override;  // writes what is queued, then stops the thread
    Recordings(const Recordings&) = delete;
    Recordings& operator=(const Recordings&) = delete;
    Recordings(Recordings&&) = delete;
    Recordings& operator=(Recordings&&) = delete;

    // Queues bytes to append to the recording of `uniqueid` (the first bytes of a run start the file afresh).
    void append(std::string uniqueid, std::string bytes);
    std::optional<std::string> read(const std::string& uniqueid) override;

    // A uniqueid that can name a file: letters, digits, '.', '-', '_', not starting with '.'.
    static bool valid_name(const std::string& uniqueid);

private:
    struct Chunk {
        std::string uniqueid;
        std::string bytes;
    };
    void run();
    void write(const Chunk& chunk);

    std::filesystem::path dir_;
    std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<Chunk> queue_;
    bool stopping_ = false;
    // The writer thread's own: recordings started this run, and those whose writes failed (logged once).
    std::set<std::string> started_;
    std::set<std::string> failed_;
    std::thread thread_;  // last: starts after everything above exists
};

}  // namespace ucs::server::net
