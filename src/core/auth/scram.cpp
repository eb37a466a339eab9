#include "core/auth/scram.hpp"
