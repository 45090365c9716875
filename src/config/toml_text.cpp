#include "config/toml_text.hpp"

namespace clipshare {

std::string toml_quoted(std::string_view text) {
    std::string out = "\"";
    for (char ch : text) {
        const auto byte = static_cast<unsigned char>(ch);
        switch (ch) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\b':
                out += "\\b";
                break;
            case '\t':
                out += "\\t";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\r':
                out += "\\r";
                break;
            case '\f':
                out += "\\f";
                break;
            default:
                if (byte < 0x20 || byte == 0x7f) {
                    static constexpr char kHex[] = "0123456789ABCDEF";
                    out += "\\u00";
                    out += kHex[byte >> 4];
                    out += kHex[byte & 0x0f];
                } else {
                    out += ch;
                }
        }
    }
    out += '"';
    return out;
}

}  // namespace clipshare
