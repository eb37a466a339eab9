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

# ucs_cached_build(<name> <out-var>): the directory a toolchain script built or unpacked <name> into,
# from the `current` pointer in the cache outside the clone (toolchain/env.sh's UCS_CACHE_DIR).
function(ucs_cached_build name out_var)
  if(DEFINED ENV{UCS_CACHE_DIR})
    set(cache "$ENV{UCS_CACHE_DIR}")
  elseif(DEFINED ENV{XDG_CACHE_HOME})
    set(cache "$ENV{XDG_CACHE_HOME}/ucs-operator")
  else()
    set(cache "$ENV{HOME}/.cache/ucs-operator")
  endif()
  set(dir "")
  if(EXISTS "${cache}/${name}/current")
    file(STRINGS "${cache}/${name}/current" dir LIMIT_COUNT 1)
  endif()
  set(${out_var} "${dir}" PARENT_SCOPE)
endfunction()

add_library(ucs_boost_headers INTERFACE)
target_include_directories(ucs_boost_headers SYSTEM INTERFACE "${UCS_THIRD_PARTY_INCLUDE}")
# Boost.JSON is compiled header-only in src/core/json_impl.cpp, the same way in both builds.
target_compile_definitions(ucs_boost_headers INTERFACE BOOST_JSON_NO_LIB BOOST_ALL_NO_LIB)

if(EMSCRIPTEN)
  if(NOT UCS_OPENSSL_WASM_DIR)
    ucs_cached_build(openssl-wasm UCS_OPENSSL_WASM_DIR)
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

# libphonenumber (ucsd's E.164 normalisation). Debian's libphonenumber-dev cannot be installed beside
# libboost1.81-dev, so toolchain/phonenumber-dev.sh unpacks its headers into the cache and points
# lib/libphonenumber.so at the installed runtime (libphonenumber8). The headers are used without
# I18N_PHONENUMBERS_USE_BOOST: they then lock with pthreads and need only boost/scoped_ptr.hpp from Boost.
if(NOT EMSCRIPTEN)
  # Read the pointer on every configure (not cached), so a re-fetched version is picked up; an explicit
  # -DUCS_PHONENUMBER_DEV_DIR=... still wins.
  set(_ucs_phonenumber_dir "${UCS_PHONENUMBER_DEV_DIR}")
  if(NOT _ucs_phonenumber_dir)
    ucs_cached_build(libphonenumber-dev _ucs_phonenumber_dir)
  endif()
  if(NOT _ucs_phonenumber_dir OR NOT EXISTS "${_ucs_phonenumber_dir}/include/phonenumbers/phonenumberutil.h"
     OR NOT EXISTS "${_ucs_phonenumber_dir}/lib/libphonenumber.so")
    message(FATAL_ERROR "libphonenumber headers not found: run toolchain/phonenumber-dev.sh "
                        "(or set UCS_PHONENUMBER_DEV_DIR)")
  endif()
  add_library(ucs_phonenumber SHARED IMPORTED GLOBAL)
  set_target_properties(ucs_phonenumber PROPERTIES
    IMPORTED_LOCATION "${_ucs_phonenumber_dir}/lib/libphonenumber.so"
    INTERFACE_INCLUDE_DIRECTORIES "${_ucs_phonenumber_dir}/include")
  message(STATUS "libphonenumber headers: ${_ucs_phonenumber_dir}")
endif()

# Opus (RFC 6716), the softphone's codec, as one target `ucs_opus` for both builds (`#include <opus.h>`).
# Native: Debian's libopus-dev. wasm32: the float build toolchain/opus-wasm.sh makes from Debian's
# source package, found through its `current` pointer on every configure (a rebuilt version is picked
# up; an explicit -DUCS_OPUS_WASM_DIR=... still wins).
if(EMSCRIPTEN)
  set(_ucs_opus_dir "${UCS_OPUS_WASM_DIR}")
  if(NOT _ucs_opus_dir)
    ucs_cached_build(opus-wasm _ucs_opus_dir)
  endif()
  if(NOT _ucs_opus_dir OR NOT EXISTS "${_ucs_opus_dir}/lib/libopus.a" OR NOT EXISTS "${_ucs_opus_dir}/include/opus/opus.h")
    message(FATAL_ERROR "Opus for wasm32 not found: run toolchain/opus-wasm.sh (or set UCS_OPUS_WASM_DIR)")
  endif()
  add_library(ucs_opus STATIC IMPORTED GLOBAL)
  set_target_properties(ucs_opus PROPERTIES
    IMPORTED_LOCATION "${_ucs_opus_dir}/lib/libopus.a"
    INTERFACE_INCLUDE_DIRECTORIES "${_ucs_opus_dir}/include/opus")
  message(STATUS "Opus for wasm32: ${_ucs_opus_dir}")
else()
  find_path(UCS_OPUS_INCLUDE_DIR opus.h PATH_SUFFIXES opus)
  find_library(UCS_OPUS_LIBRARY opus)
  if(NOT UCS_OPUS_INCLUDE_DIR OR NOT UCS_OPUS_LIBRARY)
    message(FATAL_ERROR "libopus not found: run toolchain/setup.sh (libopus-dev)")
  endif()
  add_library(ucs_opus UNKNOWN IMPORTED GLOBAL)
  set_target_properties(ucs_opus PROPERTIES
    IMPORTED_LOCATION "${UCS_OPUS_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${UCS_OPUS_INCLUDE_DIR}")
endif()
