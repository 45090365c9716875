// The machine's network interfaces, as far as discovery cares: which can carry IPv6
// multicast, and where each IPv4 subnet's broadcast address is.
#pragma once

#include <netinet/in.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace clipshare {

// One IPv4 or IPv6 address, without port or scope.
struct IpAddress {
    int family = AF_INET;
    in_addr v4{};
    in6_addr v6{};

    bool is_unspecified() const;
    friend bool operator==(const IpAddress& a, const IpAddress& b);
};

// A literal such as "192.168.1.1" or "fd00::1" ("fe80::1%eth0" drops the scope); nullopt
// when it is neither.
std::optional<IpAddress> parse_ip_address(std::string_view text);

// One IPv4 address of an interface with its subnet mask.
struct Ipv4Subnet {
    in_addr address{};
    in_addr netmask{};
    // The subnet's directed broadcast (the address with every host bit set).
    in_addr broadcast() const {
        in_addr out{};
        out.s_addr = address.s_addr | ~netmask.s_addr;
        return out;
    }
};

struct NetworkInterface {
    std::string name;
    unsigned index = 0;
    bool up = false;
    bool loopback = false;
    bool multicast = false;
    std::vector<in6_addr> ipv6_addresses;
    std::vector<in_addr> ipv4_broadcasts;  // of the interface's broadcast-capable subnets
    // Every IPv4 address, loopback and point-to-point ones too.
    std::vector<Ipv4Subnet> ipv4_subnets;
};

// One entry per interface (getifaddrs lists one row per address; they are merged here).
// Empty when the list cannot be read.
std::vector<NetworkInterface> list_network_interfaces();

// The interface holding `address`, or nullptr.
const NetworkInterface* interface_holding(const std::vector<NetworkInterface>& interfaces,
                                          const IpAddress& address);

// Interfaces that can join or send to an IPv6 multicast group: up, multicast-capable, and
// holding an IPv6 address.
std::vector<NetworkInterface> ipv6_multicast_interfaces();

}  // namespace clipshare
