#include "net/interfaces.hpp"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <string>

namespace clipshare {

bool IpAddress::is_unspecified() const {
    return family == AF_INET ? v4.s_addr == INADDR_ANY : IN6_IS_ADDR_UNSPECIFIED(&v6);
}

bool operator==(const IpAddress& a, const IpAddress& b) {
    if (a.family != b.family) return false;
    return a.family == AF_INET ? a.v4.s_addr == b.v4.s_addr
                               : std::memcmp(&a.v6, &b.v6, sizeof a.v6) == 0;
}

std::optional<IpAddress> parse_ip_address(std::string_view text) {
    std::string literal{text.substr(0, text.find('%'))};
    IpAddress out;
    if (inet_pton(AF_INET, literal.c_str(), &out.v4) == 1) return out;
    out.family = AF_INET6;
    if (inet_pton(AF_INET6, literal.c_str(), &out.v6) == 1) return out;
    return std::nullopt;
}

const NetworkInterface* interface_holding(const std::vector<NetworkInterface>& interfaces,
                                          const IpAddress& address) {
    for (const auto& interface : interfaces) {
        if (address.family == AF_INET) {
            for (const auto& subnet : interface.ipv4_subnets) {
                if (subnet.address.s_addr == address.v4.s_addr) return &interface;
            }
        } else {
            for (const auto& held : interface.ipv6_addresses) {
                if (std::memcmp(&held, &address.v6, sizeof held) == 0) return &interface;
            }
        }
    }
    return nullptr;
}

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
        } else if (row->ifa_addr->sa_family == AF_INET) {
            Ipv4Subnet subnet;
            subnet.address = reinterpret_cast<const sockaddr_in*>(row->ifa_addr)->sin_addr;
            // No mask means a host route: the address is its own subnet.
            subnet.netmask.s_addr = INADDR_NONE;
            if (row->ifa_netmask != nullptr && row->ifa_netmask->sa_family == AF_INET) {
                subnet.netmask = reinterpret_cast<const sockaddr_in*>(row->ifa_netmask)->sin_addr;
            }
            found->ipv4_subnets.push_back(subnet);
            if ((row->ifa_flags & IFF_BROADCAST) && row->ifa_broadaddr != nullptr &&
                row->ifa_broadaddr->sa_family == AF_INET) {
                found->ipv4_broadcasts.push_back(
                    reinterpret_cast<const sockaddr_in*>(row->ifa_broadaddr)->sin_addr);
            }
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
