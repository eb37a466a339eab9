#include "agent/effects.hpp"

namespace ucs::agent {

namespace json = boost::json;

void Outputs::fire(std::string_view callback, json::array args) { emit(FireCallback{std::string(callback), std::move(args)}); }

void Outputs::warn(const std::string& message) { fire("onWarning", {json::value(message)}); }

void Outputs::resolve(std::optional<PromiseId> promise, json::value value) { settle(promise, true, std::move(value)); }

void Outputs::reject(std::optional<PromiseId> promise, std::string_view code, const std::string& message) {
    settle(promise, false, json::object{{"code", code}, {"message", message}});
}

void Outputs::settle(std::optional<PromiseId> promise, bool ok, json::value value) {
    if (!promise || open_.erase(*promise) == 0) return;  // settled already, or never a page's promise
    emit(SettlePromise{*promise, ok, std::move(value)});
}

}  // namespace ucs::agent
