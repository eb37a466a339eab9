#pragma once
// The GUI's view model: everything web/gui renders, with every decision already made by the
// engine (which buttons are enabled, which notifications show in this state, whether the account
// codes are open). A pure function of what the bar knows; it never fails on what it was given.

#include "agent/model.hpp"

#include <boost/json/value.hpp>

namespace ucs::agent {

struct ViewInputs {
    const Model& model;
    const Config& config;
    const Environment& environment;
    bool connected = false;
    Millis now = 0;
};

boost::json::value render_view(const ViewInputs& in);

}  // namespace ucs::agent
