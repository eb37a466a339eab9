// The Catch2 runner shared by every suite, natively and under node.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
