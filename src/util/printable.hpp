// Text from a peer shown on a terminal: control bytes are escaped so that a hostile peer
// cannot move the cursor or retitle the window through an error message.
#pragma once

#include <cstdio>
#include <string>
#include <string_view>

namespace clipshare {

inline std::string escape_control_bytes(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        auto byte = static_cast<unsigned char>(c);
        if (byte < 0x20 || byte == 0x7f) {
            char escaped[8];
            std::snprintf(escaped, sizeof escaped, "\\x%02x", byte);
            out += escaped;
        } else {
            out += c;
        }
    }
    return out;
}

}  // namespace clipshare
