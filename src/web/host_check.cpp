#include "web/host_check.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>

namespace clipshare {
namespace {

std::string lower(std::string_view text) {
    std::string out{text};
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

bool all_digits(std::string_view text) {
    return !text.empty() && std::all_of(text.begin(), text.end(),
                                        [](unsigned char c) { return std::isdigit(c) != 0; });
}

}  // namespace

std::string host_name_of(std::string_view host) {
    if (host.empty()) return {};
    if (host.front() == '[') {
        auto close = host.find(']');
        if (close == std::string_view::npos) return {};
        auto rest = host.substr(close + 1);
        if (!rest.empty() && (rest.front() != ':' || !all_digits(rest.substr(1)))) return {};
        return std::string{host.substr(1, close - 1)};
    }
    auto colon = host.find(':');
    if (colon == std::string_view::npos) return lower(host);
    if (!all_digits(host.substr(colon + 1))) return {};
    return lower(host.substr(0, colon));
}

bool host_allowed(std::string_view host, const HostRules& rules) {
    std::string name = host_name_of(host);
    bool bracketed = !host.empty() && host.front() == '[';
    if (name.empty()) return false;
    if (bracketed) {
        in6_addr v6{};
        return inet_pton(AF_INET6, name.c_str(), &v6) == 1;
    }
    in_addr v4{};
    if (inet_pton(AF_INET, name.c_str(), &v4) == 1) return true;
    if (name.back() == '.') name.pop_back();
    if (name == "localhost") return true;
    if (!rules.host_name.empty()) {
        std::string own = lower(rules.host_name);
        if (name == own || name == own + ".local" || name == own + ".lan") return true;
    }
    return std::any_of(rules.allowed.begin(), rules.allowed.end(),
                       [&](const std::string& allowed) { return lower(allowed) == name; });
}

bool origin_matches(std::string_view origin, std::string_view host, bool tls) {
    std::string own = std::string{tls ? "https://" : "http://"} + std::string{host};
    return lower(origin) == lower(own);
}

}  // namespace clipshare
