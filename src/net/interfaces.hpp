// The machine's network interfaces, as far as discovery cares: which can carry IPv6
// multicast, and where each IPv4 subnet's broadcast address is.
#pragma once

#include <netinet/in.h>

#include <string>
#include <vector>

namespace clipshare {

struct NetworkInterface {
    std::string name;
    unsigned index = 0;
    bool up = false;
    bool loopback = false;
    bool multicast = false;
    std::vector<in6_addr> ipv6_addresses;
    std::vector<in_addr> ipv4_broadcasts;  // of the interface's broadcast-capable subnets
};

// One entry per interface (getifaddrs lists one row per address; they are merged here).
// Empty when the list cannot be read.
std::vector<NetworkInterface> list_network_interfaces();

// Interfaces that can join or send to an IPv6 multicast group: up, multicast-capable, and
// holding an IPv6 address.
std::vector<NetworkInterface> ipv6_multicast_interfaces();

}  // namespace clipshare
