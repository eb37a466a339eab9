// Boost.JSON's implementation, compiled once here: the same header-only build natively and under
// em++ keeps the serializer identical in both worlds (and needs no libboost_json for wasm32).
#include <boost/json/src.hpp>
