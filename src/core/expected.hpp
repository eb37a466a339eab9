#pragma once
// A minimal std::expected stand-in: libc++ 14 (Debian's Emscripten) has no <expected>.
// Expected failures cross module boundaries as values of this type; exceptions are for bugs.

#include <cassert>
#include <type_traits>
#include <utility>
#include <variant>

namespace ucs {

template <class E>
class Unexpected {
public:
    explicit Unexpected(E error) : error_(std::move(error)) {}
    E& error() & { return error_; }
    E&& error() && { return std::move(error_); }

private:
    E error_;
};

template <class E>
Unexpected(E) -> Unexpected<E>;

template <class T, class E>
class Expected {
public:
    template <class U = T>
        requires std::is_constructible_v<T, U&&>
    Expected(U&& value) : state_(std::in_place_index<0>, std::forward<U>(value)) {}  // NOLINT: implicit like std::expected
    template <class G>
    Expected(Unexpected<G> failure) : state_(std::in_place_index<1>, std::move(failure).error()) {}  // NOLINT

    [[nodiscard]] bool has_value() const { return state_.index() == 0; }
    explicit operator bool() const { return has_value(); }

    T& value() & { assert(has_value()); return std::get<0>(state_); }
    const T& value() const& { assert(has_value()); return std::get<0>(state_); }
    T&& value() && { assert(has_value()); return std::get<0>(std::move(state_)); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }

    const E& error() const& { assert(!has_value()); return std::get<1>(state_); }
    E&& error() && { assert(!has_value()); return std::get<1>(std::move(state_)); }

private:
    std::variant<T, E> state_;
};

}  // namespace ucs
