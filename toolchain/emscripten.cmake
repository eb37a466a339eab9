# CMake toolchain for the wasm build with Debian's Emscripten (3.1.6, no emsdk).
# Wraps Debian's Emscripten.cmake and runs wasm executables (tests) under node, so one `ctest`
# covers native and wasm alike.

# Debian's em++ needs node-acorn from /usr/share/nodejs: at configure time through our own
# environment, at build time through a launcher (ninja does not inherit configure's environment).
set(ENV{NODE_PATH} "/usr/share/nodejs")
set(CMAKE_C_COMPILER_LAUNCHER env NODE_PATH=/usr/share/nodejs)
set(CMAKE_CXX_COMPILER_LAUNCHER env NODE_PATH=/usr/share/nodejs)
set(CMAKE_C_LINKER_LAUNCHER env NODE_PATH=/usr/share/nodejs)
set(CMAKE_CXX_LINKER_LAUNCHER env NODE_PATH=/usr/share/nodejs)

# A one-word emulator (a script) survives being passed through Catch2's test discovery intact.
set(CMAKE_CROSSCOMPILING_EMULATOR "${CMAKE_CURRENT_LIST_DIR}/node-wasm" CACHE FILEPATH "Runs wasm executables under node")

include(/usr/share/emscripten/cmake/Modules/Platform/Emscripten.cmake)
