# Third-party dependencies for both builds.
#
# Native: Debian's packages as installed by toolchain/setup.sh.
# wasm32: Boost and Catch2 are header-only and reached through a private include directory of
# symlinks (never -I/usr/include, which would pull glibc headers into the wasm build); OpenSSL's
# libcrypto comes from the cache that toolchain/openssl-wasm.sh fills.

set(UCS_THIRD_PARTY_INCLUDE "${CMAKE_BINARY_DIR}/third_party/include")
file(MAKE_DIRECTORY "${UCS_THIRD_PARTY_INCLUDE}")

function(ucs_expose_system_headers name)
  if(NOT EXISTS "${UCS_THIRD_PARTY_INCLUDE}/${name}")
    file(CREATE_LINK "/usr/include/${name}" "${UCS_THIRD_PARTY_INCLUDE}/${name}" SYMBOLIC)
  endif()
endfunction()

if(NOT EXISTS /usr/include/boost/json.hpp)
  message(FATAL_ERROR "Boost.JSON headers not found: run toolchain/setup.sh (libboost1.81-dev)")
endif()
ucs_expose_system_headers(boost)
ucs_expose_system_headers(catch2)

add_library(ucs_boost_headers INTERFACE)
target_include_directories(ucs_boost_headers SYSTEM INTERFACE "${UCS_THIRD_PARTY_INCLUDE}")
# Boost.JSON is compiled header-only in src/core/json_impl.cpp, the same way in both builds.
target_compile_definitions(ucs_boost_headers INTERFACE BOOST_JSON_NO_LIB BOOST_ALL_NO_LIB)

if(EMSCRIPTEN)
  if(NOT UCS_OPENSSL_WASM_DIR)
    if(DEFINED ENV{UCS_CACHE_DIR})
      set(_cache "$ENV{UCS_CACHE_DIR}")
    elseif(DEFINED ENV{XDG_CACHE_HOME})
      set(_cache "$ENV{XDG_CACHE_HOME}/ucs-operator")
    else()
      set(_cache "$ENV{HOME}/.cache/ucs-operator")
    endif()
    if(EXISTS "${_cache}/openssl-wasm/current")
      file(STRINGS "${_cache}/openssl-wasm/current" UCS_OPENSSL_WASM_DIR LIMIT_COUNT 1)
    endif()
  endif()
  if(NOT UCS_OPENSSL_WASM_DIR OR NOT EXISTS "${UCS_OPENSSL_WASM_DIR}/lib/libcrypto.a")
    message(FATAL_ERROR "OpenSSL for wasm32 not found: run toolchain/openssl-wasm.sh (or set UCS_OPENSSL_WASM_DIR)")
  endif()
  set(UCS_OPENSSL_WASM_DIR "${UCS_OPENSSL_WASM_DIR}" CACHE PATH "OpenSSL libcrypto built for wasm32")
  add_library(ucs_crypto STATIC IMPORTED GLOBAL)
  set_target_properties(ucs_crypto PROPERTIES
    IMPORTED_LOCATION "${UCS_OPENSSL_WASM_DIR}/lib/libcrypto.a"
    INTERFACE_INCLUDE_DIRECTORIES "${UCS_OPENSSL_WASM_DIR}/include")
  message(STATUS "OpenSSL for wasm32: ${UCS_OPENSSL_WASM_DIR}")

  # Boost.JSON and Catch2 report errors by exception; Emscripten 3.1.6 disables them by default.
  add_compile_options(-fexceptions)
  add_link_options(-fexceptions)
else()
  find_package(OpenSSL 3.0 REQUIRED)
  add_library(ucs_crypto INTERFACE)
  target_link_libraries(ucs_crypto INTERFACE OpenSSL::Crypto)
endif()
