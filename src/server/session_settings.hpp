// Fills the protocol core's settings from the daemon's configuration: proto/ never sees
// Config, so this translation lives with the server that owns both.
#pragma once

#include "config/config.hpp"
#include "proto/session.hpp"

namespace clipshare {

SessionSettings session_settings_from(const Config& config);

}  // namespace clipshare
