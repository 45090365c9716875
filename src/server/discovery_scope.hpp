// Which discovery requests a daemon bound to specific addresses answers (clipshared.toml(5),
// discovery.bind). A socket bound to one address never hears broadcasts, so such a daemon
// listens on the wildcard address and decides here, from where each request arrived, whether
// it was meant for one of its addresses: the phones on the LAN get answers, the WAN side of a
// router stays silent.
#pragma once

#include <netinet/in.h>

#include <span>
#include <vector>

#include "net/interfaces.hpp"

namespace clipshare {

// Where a request arrived: the interface and the destination address of its IP header.
struct DiscoveryArrival {
    unsigned interface_index = 0;
    IpAddress destination;
};

// The bound address that answers this request, or nullptr when it is not for any of them.
// An address A answers when the request arrived on the interface holding A (or on a
// loopback interface, where only this machine's own programs send from) and was sent to A,
// to the broadcast address of A's subnet or 255.255.255.255 (IPv4), or to `ipv6_group`
// (IPv6).
const IpAddress* discovery_answerer(std::span<const IpAddress> bound,
                                    const std::vector<NetworkInterface>& interfaces,
                                    const DiscoveryArrival& arrival, const in6_addr& ipv6_group);

}  // namespace clipshare
