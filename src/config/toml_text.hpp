// TOML basic-string quoting, shared by the -t printout and the parser's messages.
#pragma once

#include <string>
#include <string_view>

namespace clipshare {

// Also keeps an echoed user value on one line of a message, whatever the value holds.
std::string toml_quoted(std::string_view text);

}  // namespace clipshare
