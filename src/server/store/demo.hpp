#pragma once
// Kept for src/server/net/main.cpp, which includes this name: what ucsd --demo needs to seed a
// fresh database (the demo directory and the system's CSPRNG).

#include "server/store/demo_data.hpp"
#include "server/store/system_random.hpp"
