#include "net/interfaces.hpp"

#include <ifaddrs.h>
#include <net/if.h>

#include <algorithm>
#include <memory>

namespace clipshare {

std::vector<NetworkInterface> list_network_interfaces() {
    ifaddrs* raw = nullptr;
    if (getifaddrs(&raw) != 0) return {};
    std::unique_ptr<ifaddrs, void (*)(ifaddrs*)> rows{raw, freeifaddrs};

    std::vector<NetworkInterface> out;
    for (const ifaddrs* row = rows.get(); row != nullptr; row = row->ifa_next) {
        if (row->ifa_name == nullptr) continue;
        auto found = std::find_if(out.begin(), out.end(), [&](const NetworkInterface& known) {
            return known.name == row->ifa_name;
        });
        if (found == out.end()) {
            NetworkInterface added;
            added.name = row->ifa_name;
            added.index = if_nametoindex(row->ifa_name);
            out.push_back(std::move(added));
            found = out.end() - 1;
        }
        found->up |= (row->ifa_flags & IFF_UP) != 0;
        found->loopback |= (row->ifa_flags & IFF_LOOPBACK) != 0;
        found->multicast |= (row->ifa_flags & IFF_MULTICAST) != 0;
        if (row->ifa_addr == nullptr) continue;
        if (row->ifa_addr->sa_family == AF_INET6) {
            found->ipv6_addresses.push_back(
                reinterpret_cast<const sockaddr_in6*>(row->ifa_addr)->sin6_addr);
        } else if (row->ifa_addr->sa_family == AF_INET && (row->ifa_flags & IFF_BROADCAST) &&
                   row->ifa_broadaddr != nullptr && row->ifa_broadaddr->sa_family == AF_INET) {
            found->ipv4_broadcasts.push_back(
                reinterpret_cast<const sockaddr_in*>(row->ifa_broadaddr)->sin_addr);
        }
    }
    return out;
}

std::vector<NetworkInterface> ipv6_multicast_interfaces() {
    auto all = list_network_interfaces();
    std::erase_if(all, [](const NetworkInterface& candidate) {
        return !candidate.up || !candidate.multicast || candidate.ipv6_addresses.empty() ||
               candidate.index == 0;
    });
    return all;
}

}  // namespace clipshare
