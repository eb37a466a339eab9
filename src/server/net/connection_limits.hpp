#pragma once
// The cap on open TCP connections per client address. A connection holds a ConnectionSlot for as long
// as it lives (HTTP, then WebSocket after an upgrade); the slot gives its place back when destroyed.
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
    // `max_per_address` 0: no cap.
    explicit ConnectionLimits(std::size_t max_per_address);

    // A slot for one more connection from `address`, or nullopt when it already has the maximum.
    std::optional<ConnectionSlot> acquire(const std::string& address);

    std::size_t open_from(const std::string& address) const;
    std::size_t max_per_address() const { return max_per_address_; }

private:
    friend class ConnectionSlot;
    using Counts = std::map<std::string, std::size_t>;  // only addresses with open connections
    std::size_t max_per_address_;
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
