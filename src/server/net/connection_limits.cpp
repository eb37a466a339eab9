#include "server/net/connection_limits.hpp"

#include <utility>

namespace ucs::server::net {

ConnectionLimits::ConnectionLimits(std::size_t max_per_address, std::size_t max_total)
    : max_per_address_(max_per_address), max_total_(max_total), counts_(std::make_shared<Counts>()) {}

bool ConnectionLimits::full() const {
    return max_total_ != 0 && counts_->total >= max_total_;
}

std::optional<ConnectionSlot> ConnectionLimits::acquire(const std::string& address) {
    if (full()) return std::nullopt;
    if (max_per_address_ != 0 && open_from(address) >= max_per_address_) return std::nullopt;
    ++counts_->per_address[address];
    ++counts_->total;
    return ConnectionSlot(counts_, address);
}

std::size_t ConnectionLimits::open_from(const std::string& address) const {
    const auto it = counts_->per_address.find(address);
    return it == counts_->per_address.end() ? 0 : it->second;
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
    const auto it = counts_->per_address.find(address_);
    if (it != counts_->per_address.end() && --it->second == 0) counts_->per_address.erase(it);
    --counts_->total;
    counts_.reset();
}

}  // namespace ucs::server::net
