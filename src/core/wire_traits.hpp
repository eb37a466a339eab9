#pragma once

namespace ucs {

// Enums the integration document defines by number are sent as numbers; the others by name.
// model.hpp specialises this for its numeric enums; json.hpp reads it.
template <class E>
inline constexpr bool sent_as_number = false;

}  // namespace ucs
