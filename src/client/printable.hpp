// Text from a server shown on a terminal: control bytes are escaped so that a hostile server
// cannot move the cursor or retitle the window through an error message.
#pragma once

#include <string>
#include <string_view>

#include "util/printable.hpp"

namespace clipshare::client {

inline std::string printable(std::string_view text) {
    return escape_control_bytes(text);
}

}  // namespace clipshare::client
