// HOST, HOST:PORT, [IPv6]:PORT as the user types them (clipshare(1), "Hosts and ports"):
// split into the host to resolve and the port it names, if any. Pure text, no lookups.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace clipshare::client {

struct HostPort {
    std::string host;  // without brackets: "::1", "router.lan", "192.168.1.1"
    std::optional<std::uint16_t> port;
};

struct SplitAddress {
    std::optional<HostPort> address;
    std::string error;  // set when address is empty: one line naming `text`
};

// "router.lan", "router.lan:5000", "192.168.1.1:5000", "[::1]", "[::1]:5000"; an address
// with more than one ':' and no brackets ("::1", "fe80::1%eth0") is an IPv6 host without a
// port, since its last group cannot be told from a port.
SplitAddress split_host_port(std::string_view text);

}  // namespace clipshare::client
