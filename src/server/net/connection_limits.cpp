#include "server/net/connection_limits.hpp"

#include <utility>

namespace ucs::server::net {

ConnectionLimits::ConnectionLimits(std::size_t max_per_address)
    : max_per_address_(max_per_address), counts_(std::make_shared<Counts>()) {}

std::optional<ConnectionSlot> ConnectionLimits::acquire(const std::string& address) {
    std::size_t& open = (*counts_)[address];
    if (max_per_address_ != 0 && open >= max_per_address_) {
        if (open == 0) counts_->erase(address);
        return std::nullopt;
    }
    ++open;
    return ConnectionSlot(counts_, address);
}

std::size_t ConnectionLimits::open_from(const std::string& address) const {
    const auto it = counts_->find(address);
    return it == counts_->end() ? 0 : it->second;
}

ConnectionSlot::ConnectionSlot(ConnectionSlot&& other) noexcept
    : counts_(std::exchange(other.counts_, nullptr)), address_(std::move(other.address_)) {}

ConnectionSlot& ConnectionSlot::operator=(ConnectionSlot&& other) noexcept {
    if (this != &other) {
        release();
        counts_ = std::exchange(other.counts_, nullptr);
        address_ = std::move(other.address_);
    }
    return *this;
}

ConnectionSlot::~ConnectionSlot() {
    release();
}

void ConnectionSlot::release() noexcept {
    if (!counts_) return;
    const auto it = counts_->find(address_);
    if (it != counts_->end() && --it->second == 0) counts_->erase(it);
    counts_.reset();
}

}  // namespace ucs::server::net
