// Text as ClipShare stores and serves it: CRLF becomes LF (SPEC.md 4.1, 4.2). Shared by the
// receiving side (Send Text) and the desktop backend (text read from the clipboard).
#pragma once

#include <string>

namespace clipshare {

inline std::string normalize_line_ends(std::string text) {
    std::size_t out = 0;
    for (std::size_t in = 0; in < text.size(); ++in) {
        if (text[in] == '\r' && in + 1 < text.size() && text[in + 1] == '\n') continue;
        text[out++] = text[in];
    }
    text.resize(out);
    return text;
}

}  // namespace clipshare
