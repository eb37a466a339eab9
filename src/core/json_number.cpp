#include "core/json_text.hpp"

#include <cstdlib>

namespace ucs {

// glibc's and musl's strtod round correctly. The bar's wasm does not link this file: it has its own
// decimal_to_double (bindings/CMakeLists.txt).
double decimal_to_double(const std::string& text) { return std::strtod(text.c_str(), nullptr); }

}  // namespace ucs
