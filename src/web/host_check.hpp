// The two checks every request passes before its route: Host (against DNS rebinding: a
// hostile site's name that resolves to this daemon must not reach the API from the
// victim's browser) and Origin (a cross-site form or fetch from another page). Pure
// functions, no I/O: the server passes in the names it knows.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace clipshare {

struct HostRules {
    // The machine's host name (gethostname), accepted plain and with ".local" / ".lan".
    std::string host_name;
    // [web] allowed_hosts: further names accepted as they are (case-insensitive).
    std::vector<std::string> allowed;
};

// The name of a Host header value without its port: "[::1]:80" -> "::1", "a.b:8" -> "a.b".
// Empty when the value is malformed.
std::string host_name_of(std::string_view host);

// Accepted: an IPv4 literal, a bracketed IPv6 literal, "localhost", the rules' host name
// (plain, ".local", ".lan"), or one of the allowed names. A trailing dot is ignored.
bool host_allowed(std::string_view host, const HostRules& rules);

// A request's Origin must be its own: "http(s)://" + its Host value, compared without
// regard to case. "null" and every other origin fail.
bool origin_matches(std::string_view origin, std::string_view host, bool tls);

}  // namespace clipshare
