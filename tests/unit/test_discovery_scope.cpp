// Which requests a daemon with discovery bound to specific addresses answers, on a made-up
// router: lo, a LAN (br-lan) and a WAN (wan) interface.
#include <gtest/gtest.h>

#include <arpa/inet.h>

#include "server/discovery_scope.hpp"

namespace clipshare {
namespace {

IpAddress ip(const char* text) {
    auto parsed = parse_ip_address(text);
    EXPECT_TRUE(parsed.has_value()) << text;
    return parsed.value_or(IpAddress{});
}

Ipv4Subnet subnet(const char* address, const char* netmask) {
    Ipv4Subnet out;
    inet_pton(AF_INET, address, &out.address);
    inet_pton(AF_INET, netmask, &out.netmask);
    return out;
}

constexpr unsigned kLo = 1, kLan = 2, kWan = 3, kGone = 9;

std::vector<NetworkInterface> router() {
    NetworkInterface lo;
    lo.name = "lo";
    lo.index = kLo;
    lo.up = lo.loopback = true;
    lo.ipv4_subnets = {subnet("127.0.0.1", "255.0.0.0")};
    lo.ipv6_addresses = {ip("::1").v6};
    NetworkInterface lan;
    lan.name = "br-lan";
    lan.index = kLan;
    lan.up = lan.multicast = true;
    lan.ipv4_subnets = {subnet("192.168.1.1", "255.255.255.0"),
                        subnet("10.0.0.1", "255.255.255.255")};
    lan.ipv6_addresses = {ip("fd00::1").v6, ip("fe80::1").v6};
    NetworkInterface wan;
    wan.name = "wan";
    wan.index = kWan;
    wan.up = wan.multicast = true;
    wan.ipv4_subnets = {subnet("203.0.113.5", "255.255.255.0")};
    wan.ipv6_addresses = {ip("2001:db8::5").v6};
    return {lo, lan, wan};
}

const in6_addr group = ip("ff05::4567").v6;

const IpAddress* answerer(const std::vector<IpAddress>& bound, unsigned interface,
                          const char* destination) {
    static const auto interfaces = router();
    return discovery_answerer(bound, interfaces, {interface, ip(destination)}, group);
}

TEST(DiscoveryScope, LanRequestsToTheBoundAddressItsBroadcastOrEveryoneAreAnswered) {
    std::vector<IpAddress> bound{ip("192.168.1.1")};
    for (const char* destination : {"192.168.1.1", "192.168.1.255", "255.255.255.255"}) {
        EXPECT_EQ(answerer(bound, kLan, destination), &bound[0]) << destination;
    }
}

TEST(DiscoveryScope, TheWanSideIsNeverAnswered) {
    std::vector<IpAddress> bound{ip("192.168.1.1"), ip("fd00::1")};
    // Its own broadcasts, and unicast to the LAN address (which Linux accepts on any
    // interface).
    for (const char* destination : {"203.0.113.255", "255.255.255.255", "192.168.1.1",
                                    "192.168.1.255", "fd00::1", "ff05::4567"}) {
        EXPECT_EQ(answerer(bound, kWan, destination), nullptr) << destination;
    }
}

TEST(DiscoveryScope, OtherDestinationsOnTheLanAreNotAnswered) {
    std::vector<IpAddress> bound{ip("192.168.1.1")};
    // Another subnet's broadcast, a multicast group, another address of the machine.
    for (const char* destination : {"192.168.2.255", "224.0.0.1", "10.0.0.1", "192.168.1.2"}) {
        EXPECT_EQ(answerer(bound, kLan, destination), nullptr) << destination;
    }
}

TEST(DiscoveryScope, AHostRouteHasNoBroadcastOfItsOwn) {
    std::vector<IpAddress> bound{ip("10.0.0.1")};
    EXPECT_EQ(answerer(bound, kLan, "10.0.0.1"), &bound[0]);
    EXPECT_EQ(answerer(bound, kLan, "255.255.255.255"), &bound[0]);
    EXPECT_EQ(answerer(bound, kLan, "10.255.255.255"), nullptr);
}

TEST(DiscoveryScope, Ipv6AnswersTheGroupAndTheAddressOnItsInterface) {
    std::vector<IpAddress> bound{ip("fd00::1")};
    EXPECT_EQ(answerer(bound, kLan, "ff05::4567"), &bound[0]);
    EXPECT_EQ(answerer(bound, kLan, "fd00::1"), &bound[0]);
    EXPECT_EQ(answerer(bound, kLan, "ff02::1"), nullptr);
    EXPECT_EQ(answerer(bound, kLan, "fe80::1"), nullptr);
}

TEST(DiscoveryScope, TheAnswerComesFromTheAddressTheRequestWasFor) {
    std::vector<IpAddress> bound{ip("203.0.113.5"), ip("192.168.1.1"), ip("fd00::1")};
    EXPECT_EQ(answerer(bound, kLan, "192.168.1.255"), &bound[1]);
    EXPECT_EQ(answerer(bound, kWan, "255.255.255.255"), &bound[0]);
    EXPECT_EQ(answerer(bound, kLan, "ff05::4567"), &bound[2]);
}

TEST(DiscoveryScope, LoopbackCarriesThisMachinesOwnRequests) {
    // Linux delivers a datagram from this machine to its LAN address on lo.
    std::vector<IpAddress> bound{ip("192.168.1.1"), ip("fd00::1")};
    EXPECT_EQ(answerer(bound, kLo, "192.168.1.1"), &bound[0]);
    EXPECT_EQ(answerer(bound, kLo, "fd00::1"), &bound[1]);
    EXPECT_EQ(answerer(bound, kLo, "192.168.1.255"), nullptr);
    EXPECT_EQ(answerer(bound, kLo, "127.0.0.1"), nullptr);
    // Bound to loopback itself: its /8's broadcast is its subnet's.
    std::vector<IpAddress> local{ip("127.0.0.1")};
    EXPECT_EQ(answerer(local, kLo, "127.255.255.255"), &local[0]);
    EXPECT_EQ(answerer(local, kLo, "127.0.0.2"), nullptr);
}

TEST(DiscoveryScope, AnUnknownInterfaceIsNotAnswered) {
    std::vector<IpAddress> bound{ip("192.168.1.1")};
    EXPECT_EQ(answerer(bound, kGone, "192.168.1.1"), nullptr);
}

}  // namespace
}  // namespace clipshare
