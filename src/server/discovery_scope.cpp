#include "server/discovery_scope.hpp"

#include <algorithm>
#include <cstring>

namespace clipshare {
namespace {

const NetworkInterface* interface_at(const std::vector<NetworkInterface>& interfaces,
                                     unsigned index) {
    auto found = std::find_if(interfaces.begin(), interfaces.end(),
                              [&](const NetworkInterface& each) { return each.index == index; });
    return found == interfaces.end() ? nullptr : &*found;
}

bool same(const in6_addr& a, const in6_addr& b) {
    return std::memcmp(&a, &b, sizeof a) == 0;
}

bool answers_ipv4(const IpAddress& bound, const NetworkInterface& interface,
                  const in_addr& destination) {
    for (const Ipv4Subnet& subnet : interface.ipv4_subnets) {
        if (subnet.address.s_addr != bound.v4.s_addr) continue;
        if (destination.s_addr == bound.v4.s_addr) return true;
        if (destination.s_addr == INADDR_BROADCAST) return true;
        // A /32 (or a missing mask) has no broadcast address of its own.
        return subnet.netmask.s_addr != INADDR_BROADCAST &&
               destination.s_addr == subnet.broadcast().s_addr;
    }
    return false;
}

bool answers_ipv6(const IpAddress& bound, const NetworkInterface& interface,
                  const in6_addr& destination, const in6_addr& group) {
    bool holds = std::any_of(interface.ipv6_addresses.begin(), interface.ipv6_addresses.end(),
                             [&](const in6_addr& held) { return same(held, bound.v6); });
    return holds && (same(destination, bound.v6) || same(destination, group));
}

}  // namespace

const IpAddress* discovery_answerer(std::span<const IpAddress> bound,
                                    const std::vector<NetworkInterface>& interfaces,
                                    const DiscoveryArrival& arrival, const in6_addr& ipv6_group) {
    const NetworkInterface* interface = interface_at(interfaces, arrival.interface_index);
    if (interface == nullptr) return nullptr;
    for (const IpAddress& address : bound) {
        if (address.family != arrival.destination.family) continue;
        // Linux hands a datagram this machine sent to one of its own addresses over on the
        // loopback interface, whichever interface holds the address; only local programs
        // can send that way, so the address alone decides.
        if (interface->loopback && address == arrival.destination) return &address;
        bool answers = address.family == AF_INET
                           ? answers_ipv4(address, *interface, arrival.destination.v4)
                           : answers_ipv6(address, *interface, arrival.destination.v6, ipv6_group);
        if (answers) return &address;
    }
    return nullptr;
}

}  // namespace clipshare
