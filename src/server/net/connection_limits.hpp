#pragma once
// The caps on open TCP connections: in all (what the file-descriptor limit lets ucsd hold) and per
// client address. A connection holds a ConnectionSlot for as long as it lives (HTTP, then WebSocket
// after an upgrade); the slot gives its place back when destroyed.
// Slots may outlive the ConnectionLimits that issued them (handlers still queued when ucsd stops).

#include <cstddef>
#include <map>
#include <memory>
#include <optional>
#include <string>

namespace ucs::server::net {

class ConnectionSlot;

class ConnectionLimits {
public:
    // 0: no cap.
    explicit ConnectionLimits(std::size_t max_per_address, std::size_t max_total = 0);

    // A slot for one more connection from `address`, or nullopt when ucsd is full() or the address
    // already has its maximum.
    std::optional<ConnectionSlot> acquire(const std::string& address);

    [[nodiscard]] bool full() const;  // the total cap is reached
    [[nodiscard]] std::size_t open_total() const { return counts_->total; }
    [[nodiscard]] std::size_t open_from(const std::string& address) const;
    [[nodiscard]] std::size_t max_per_address() const { return max_per_address_; }
    [[nodiscard]] std::size_t max_total() const { return max_total_; }

private:
    friend class ConnectionSlot;
    struct Counts {
        std::map<std::string, std::size_t> per_address;  // only addresses with open connections
        std::size_t total = 0;
    };
    std::size_t max_per_address_;
    std::size_t max_total_;
    std::shared_ptr<Counts> counts_;
};

class ConnectionSlot {
public:
    ConnectionSlot() = default;  // holds nothing
    ConnectionSlot(ConnectionSlot&& other) noexcept;
    ConnectionSlot& operator=(ConnectionSlot&& other) noexcept;
    ConnectionSlot(const ConnectionSlot&) = delete;
    ConnectionSlot& operator=(const ConnectionSlot&) = delete;
    ~ConnectionSlot();

private:
    friend class ConnectionLimits;
    ConnectionSlot(std::shared_ptr<ConnectionLimits::Counts> counts, std::string address)
        : counts_(std::move(counts)), address_(std::move(address)) {}
    void release() noexcept;

    std::shared_ptr<ConnectionLimits::Counts> counts_;
    std::string address_;
};

}  // namespace ucs::server::net
