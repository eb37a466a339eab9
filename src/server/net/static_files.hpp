#pragma once
// Static files for ucsd (the agent bar bundle, the example CRM page, the sandbox console): MIME
// types, content codings (brotli and gzip), validators and cache policy. No Beast here; the router turns
// a StaticFile into a response.

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace ucs::server::net {

// The Content-Type for a file name, by extension; application/octet-stream when unknown.
std::string_view mime_type(std::string_view filename);

// Whether compressing is worth it for this type (text, scripts, wasm; not already-compressed media).
bool compressible(std::string_view content_type);

// Whether an Accept-Encoding header value admits gzip (a "gzip;q=0" refuses it).
bool accepts_gzip(std::string_view accept_encoding);

// Whether an Accept-Encoding header value admits brotli ("br"; a "br;q=0" refuses it).
bool accepts_brotli(std::string_view accept_encoding);

// Whether an If-None-Match header value matches this entity tag (weak comparison, "*" matches).
bool etag_matches(std::string_view if_none_match, std::string_view etag);

// A relative path of plain names: no "..", ".", hidden files, empty segments, backslashes or
// control characters. Everything a request may name under a static root must pass this.
bool safe_relative_path(std::string_view path);

// Versioned file names (operator-v4.0.0.js) never change content, so they may be cached forever.
bool versioned_name(std::string_view filename);

// gzip (RFC 1952) of the whole input at the best compression level.
std::string gzip(std::string_view data);

struct StaticFile {
    std::shared_ptr<const std::string> body;
    std::string content_type;
    std::string content_encoding;  // "br", "gzip" or empty (identity)
    std::string etag;              // quoted; differs between the identity, gzip and brotli representations
    bool compressible = false;     // responses vary by Accept-Encoding
    bool versioned = false;
};

// Reads files on demand and keeps their bytes in memory, keyed by path and checked against size and
// mtime on every request, so a rebuilt bundle is picked up at once. A compressible file is answered in
// the best coding the client accepts: brotli from a precompressed FILE.br beside it, else gzip from
// FILE.gz beside it or compressed here once, else identity. A precompressed file older than FILE is
// stale and ignored.
class StaticFiles {
public:
    // nullopt when `relative` is not a regular file under `root` (or is not a safe path).
    // `accept_encoding` is the request's Accept-Encoding header value.
    std::optional<StaticFile> get(const std::filesystem::path& root, std::string_view relative,
                                  std::string_view accept_encoding);

private:
    // A file's bytes as last read, and the size and mtime they were read at.
    struct Snapshot {
        std::uintmax_t size = 0;
        std::filesystem::file_time_type mtime;
        std::shared_ptr<const std::string> bytes;
    };
    struct Entry {
        Snapshot identity;
        std::string etag_base;
        std::shared_ptr<const std::string> gzipped;    // made on the first gzip request without FILE.gz
        std::optional<Snapshot> precompressed_gzip;    // FILE.gz
        std::optional<Snapshot> precompressed_brotli;  // FILE.br
    };
    // The precompressed sibling `path` of a file last modified at `mtime`, re-read when it changed;
    // null when it is missing or stale.
    static std::shared_ptr<const std::string> sibling(const std::filesystem::path& path,
                                                      std::filesystem::file_time_type mtime,
                                                      std::optional<Snapshot>& cached);
    std::map<std::filesystem::path, Entry> cache_;
};

}  // namespace ucs::server::net
