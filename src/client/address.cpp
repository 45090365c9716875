#include "client/address.hpp"

#include <charconv>

namespace clipshare::client {
namespace {

std::optional<std::uint16_t> parse_port(std::string_view text) {
    unsigned value = 0;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc{} || end != text.data() + text.size() || value < 1 || value > 65535) {
        return std::nullopt;
    }
    return static_cast<std::uint16_t>(value);
}

}  // namespace

SplitAddress split_host_port(std::string_view text) {
    const std::string quoted = "'" + std::string{text} + "'";
    auto refuse = [](std::string why) { return SplitAddress{std::nullopt, std::move(why)}; };
    std::string_view host = text;
    std::string_view port_text;
    bool has_port = false;
    if (!text.empty() && text.front() == '[') {
        auto close = text.find(']');
        if (close == std::string_view::npos) return refuse(quoted + " lacks its closing ']'");
        host = text.substr(1, close - 1);
        std::string_view rest = text.substr(close + 1);
        if (!rest.empty()) {
            if (rest.front() != ':') {
                return refuse(quoted + ": only ':PORT' may follow ']'");
            }
            port_text = rest.substr(1);
            has_port = true;
        }
        if (host.empty()) return refuse(quoted + " has no address between its brackets");
    } else if (auto colon = text.find(':'); colon != std::string_view::npos &&
                                            text.find(':', colon + 1) == std::string_view::npos) {
        host = text.substr(0, colon);
        port_text = text.substr(colon + 1);
        has_port = true;
    }
    if (host.empty()) return refuse("no host in " + quoted);
    HostPort address{std::string{host}, std::nullopt};
    if (has_port) {
        address.port = parse_port(port_text);
        if (!address.port) {
            return refuse("the port in " + quoted + " must be a number from 1 to 65535");
        }
    }
    return {std::move(address), {}};
}

}  // namespace clipshare::client
