// UDP discovery against the real clipshared: IPv4 and IPv6 unicast on loopback, multicast on
// a private network namespace's loopback, and silence towards everything that is not a
// request. Nothing here sends to a real network.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <fstream>
#include <functional>
#include <optional>
#include <string>

#include "daemon_fixture.hpp"
#include "proto/discovery.hpp"
#include "support/private_network.hpp"

namespace clipshare::test {
namespace {

using namespace std::chrono_literals;

const Bytes reply(discovery_reply.begin(), discovery_reply.end());

// One UDP socket of either family, for sending requests and reading answers.
class UdpProbe {
public:
    explicit UdpProbe(int family) : family_(family) {
        fd_ = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    }
    ~UdpProbe() {
        if (fd_ >= 0) ::close(fd_);
    }
    UdpProbe(const UdpProbe&) = delete;

    int fd() const { return fd_; }

    // False when the kernel refused to send (no such address family, no route).
    bool send_to(const char* address, std::uint16_t port, const Bytes& bytes,
                 unsigned scope_id = 0) {
        sockaddr_storage storage{};
        socklen_t length = to_sockaddr(address, port, scope_id, storage);
        return ::sendto(fd_, bytes.data(), bytes.size(), 0, reinterpret_cast<sockaddr*>(&storage),
                        length) == static_cast<ssize_t>(bytes.size());
    }

    // The next datagram, waiting up to a generous safety limit (an answer on loopback comes
    // at once; the limit only keeps a broken daemon from hanging the test).
    std::optional<Bytes> receive(std::chrono::milliseconds limit = 20s) {
        pollfd ready{fd_, POLLIN, 0};
        if (poll(&ready, 1, static_cast<int>(limit.count())) != 1) return std::nullopt;
        return receive_now();
    }

    // Sends from this local address (port chosen by the kernel); for 255.255.255.255 this
    // also picks the interface.
    bool bind_to(const char* address) {
        sockaddr_storage storage{};
        socklen_t length = to_sockaddr(address, 0, 0, storage);
        return ::bind(fd_, reinterpret_cast<sockaddr*>(&storage), length) == 0;
    }

    void allow_broadcast() {
        int on = 1;
        setsockopt(fd_, SOL_SOCKET, SO_BROADCAST, &on, sizeof on);
    }

    // The next datagram and the address it came from ("ADDRESS", no port).
    std::optional<std::pair<Bytes, std::string>> receive_with_sender(
        std::chrono::milliseconds limit = 20s) {
        pollfd ready{fd_, POLLIN, 0};
        if (poll(&ready, 1, static_cast<int>(limit.count())) != 1) return std::nullopt;
        Bytes buffer(2048);
        sockaddr_storage from{};
        socklen_t length = sizeof from;
        ssize_t got = ::recvfrom(fd_, buffer.data(), buffer.size(), MSG_DONTWAIT,
                                 reinterpret_cast<sockaddr*>(&from), &length);
        if (got < 0) return std::nullopt;
        buffer.resize(static_cast<std::size_t>(got));
        char text[INET6_ADDRSTRLEN] = "?";
        if (from.ss_family == AF_INET6) {
            inet_ntop(AF_INET6, &reinterpret_cast<sockaddr_in6*>(&from)->sin6_addr, text,
                      sizeof text);
        } else {
            inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(&from)->sin_addr, text, sizeof text);
        }
        return std::pair{buffer, std::string{text}};
    }

    // A datagram already queued, or nothing.
    std::optional<Bytes> receive_now() {
        Bytes buffer(2048);
        ssize_t got = ::recv(fd_, buffer.data(), buffer.size(), MSG_DONTWAIT);
        if (got < 0) return std::nullopt;
        buffer.resize(static_cast<std::size_t>(got));
        return buffer;
    }

private:
    socklen_t to_sockaddr(const char* address, std::uint16_t port, unsigned scope_id,
                          sockaddr_storage& storage) const {
        if (family_ == AF_INET6) {
            auto* in6 = reinterpret_cast<sockaddr_in6*>(&storage);
            in6->sin6_family = AF_INET6;
            in6->sin6_port = htons(port);
            in6->sin6_scope_id = scope_id;
            inet_pton(AF_INET6, address, &in6->sin6_addr);
            return sizeof *in6;
        }
        auto* in = reinterpret_cast<sockaddr_in*>(&storage);
        in->sin_family = AF_INET;
        in->sin_port = htons(port);
        inet_pton(AF_INET, address, &in->sin_addr);
        return sizeof *in;
    }

    int family_;
    int fd_ = -1;
};

Bytes bytes(std::string_view text) {
    return Bytes(text.begin(), text.end());
}

std::string discovery_config(std::string_view bind) {
    return "[discovery]\nport = @DISCOVERY_PORT@\nbind = " + std::string{bind} + "\n";
}

TEST(Discovery, AnswersIpv4Unicast) {
    auto daemon = Daemon::start(discovery_config("\"127.0.0.1\""));
    UdpProbe probe{AF_INET};
    ASSERT_TRUE(probe.send_to("127.0.0.1", daemon->discovery_port(), bytes("in")));
    EXPECT_EQ(probe.receive(), reply);
    // Anything that merely starts with "in" is a request too.
    ASSERT_TRUE(probe.send_to("127.0.0.1", daemon->discovery_port(), bytes("info please")));
    EXPECT_EQ(probe.receive(), reply);
    EXPECT_TRUE(daemon->wait_for_log("answering discovery on 127.0.0.1:"));
}

TEST(Discovery, AnswersBothFamiliesAtOnce) {
    auto daemon = Daemon::start(discovery_config("[\"127.0.0.1\", \"::1\"]"));
    UdpProbe v6{AF_INET6};
    if (!v6.send_to("::1", daemon->discovery_port(), bytes("in"))) {
        GTEST_SKIP() << "no IPv6 loopback on this machine";
    }
    EXPECT_EQ(v6.receive(), reply);
    UdpProbe v4{AF_INET};
    ASSERT_TRUE(v4.send_to("127.0.0.1", daemon->discovery_port(), bytes("in")));
    EXPECT_EQ(v4.receive(), reply);
}

TEST(Discovery, DualStackWildcardAnswersIpv4Too) {
    // "::" alone takes both families; replies go back to the v4-mapped sender.
    auto daemon = Daemon::start(discovery_config("\"::\""));
    UdpProbe v4{AF_INET};
    ASSERT_TRUE(v4.send_to("127.0.0.1", daemon->discovery_port(), bytes("in")));
    EXPECT_EQ(v4.receive(), reply);
}

std::string debug_discovery_config(std::string_view bind) {
    return discovery_config(bind) + "[log]\nlevel = \"debug\"\n";
}

TEST(Discovery, BoundToOneAddressAnswersItsSubnetsBroadcast) {
    // A socket bound to 127.0.0.1 never hears 127.255.255.255; the daemon must, and must
    // answer from the address it is bound to.
    auto daemon = Daemon::start(discovery_config("\"127.0.0.1\""));
    UdpProbe probe{AF_INET};
    probe.allow_broadcast();
    ASSERT_TRUE(probe.send_to("127.255.255.255", daemon->discovery_port(), bytes("in")))
        << std::strerror(errno);
    auto answer = probe.receive_with_sender();
    ASSERT_TRUE(answer.has_value()) << daemon->log();
    EXPECT_EQ(answer->first, reply);
    EXPECT_EQ(answer->second, "127.0.0.1");
}

TEST(Discovery, BoundToOneAddressIgnoresRequestsForOtherAddresses) {
    // 127.0.0.2 is this machine's too (all of 127/8 is), and the daemon's wildcard socket
    // receives what is sent to it; but it is not the bound address.
    auto daemon = Daemon::start(debug_discovery_config("\"127.0.0.1\""));
    UdpProbe stranger{AF_INET};
    ASSERT_TRUE(stranger.bind_to("127.0.0.3"));
    ASSERT_TRUE(stranger.send_to("127.0.0.2", daemon->discovery_port(), bytes("in")));
    ASSERT_TRUE(daemon->wait_for_log("discovery: not answering 127.0.0.3:")) << daemon->log();
    EXPECT_EQ(stranger.receive_now(), std::nullopt);

    UdpProbe friendly{AF_INET};
    ASSERT_TRUE(friendly.send_to("127.0.0.1", daemon->discovery_port(), bytes("in")));
    EXPECT_EQ(friendly.receive(), reply);
}

TEST(Discovery, RefusalsAreNotInTheDefaultLog) {
    auto daemon = Daemon::start(discovery_config("\"127.0.0.1\""));
    UdpProbe stranger{AF_INET};
    ASSERT_TRUE(stranger.send_to("127.0.0.2", daemon->discovery_port(), bytes("in")));
    // Requests are read in order: once a later one is answered, the first was dealt with.
    UdpProbe friendly{AF_INET};
    ASSERT_TRUE(friendly.send_to("127.0.0.1", daemon->discovery_port(), bytes("in")));
    EXPECT_EQ(friendly.receive(), reply);
    EXPECT_EQ(stranger.receive_now(), std::nullopt);
    EXPECT_EQ(daemon->log().find("not answering"), std::string::npos) << daemon->log();
}

TEST(Discovery, BoundAddressThatIsNotOursIsAStartError) {
    TempDir dir;
    std::filesystem::create_directory(dir.path() / "work");
    std::uint16_t port = pick_free_udp_port();
    std::ofstream{dir.path() / "c.toml"}
        << "[server]\nbind = \"127.0.0.1\"\nworking_dir = \"work\"\n[plain]\nport = "
        << pick_free_port() << "\n[discovery]\nbind = \"192.0.2.77\"\nport = " << port << "\n";
    auto result =
        run_command({daemon_binary().string(), "-D", "-c", (dir.path() / "c.toml").string()});
    EXPECT_EQ(result.exit_status, 1);
    EXPECT_NE(result.err.find("cannot listen on 192.0.2.77:" + std::to_string(port) +
                              " (discovery): address not available"),
              std::string::npos)
        << result.err;
}

TEST(Discovery, JunkGetsNoReplyAndTheDaemonKeepsServing) {
    auto daemon = Daemon::start(discovery_config("\"127.0.0.1\""));
    UdpProbe junk{AF_INET};
    for (const Bytes& datagram :
         {Bytes{}, bytes("i"), bytes("n"), bytes("ni"), bytes("IN"), bytes("iN"),
          Bytes{0, 'i', 'n'}, bytes("clip_share"), Bytes(1400, 'x')}) {
        ASSERT_TRUE(junk.send_to("127.0.0.1", daemon->discovery_port(), datagram));
    }
    // The daemon reads its socket in order, and loopback delivers at once: by the time a
    // request sent after the junk is answered, any answer to the junk would already be queued
    // on the junk socket. So "nothing queued" proves "nothing sent", without waiting.
    UdpProbe request{AF_INET};
    ASSERT_TRUE(request.send_to("127.0.0.1", daemon->discovery_port(), bytes("in")));
    EXPECT_EQ(request.receive(), reply);
    EXPECT_EQ(junk.receive_now(), std::nullopt);
    EXPECT_EQ(request.receive_now(), std::nullopt);

    // Junk is not worth a log line at the default level.
    EXPECT_EQ(daemon->log().find("ignored"), std::string::npos) << daemon->log();
    auto client = Client::connect(daemon->port());
    client.send(Bytes{4, 125, 1});
    EXPECT_EQ(client.recv_all(), Bytes{1} + info_reply("clip_share"));
}

TEST(Discovery, DisabledBindsNothing) {
    auto daemon = Daemon::start("[discovery]\nenabled = false\nport = @DISCOVERY_PORT@\n");
    UdpProbe squatter{AF_INET};
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(daemon->discovery_port());
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(squatter.fd(), reinterpret_cast<sockaddr*>(&address), sizeof address), 0)
        << std::strerror(errno);
    EXPECT_EQ(daemon->log().find("discovery"), std::string::npos) << daemon->log();
}

TEST(Discovery, PortInUseIsAStartError) {
    UdpProbe squatter{AF_INET};
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::bind(squatter.fd(), reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    socklen_t length = sizeof address;
    getsockname(squatter.fd(), reinterpret_cast<sockaddr*>(&address), &length);
    std::uint16_t taken = ntohs(address.sin_port);

    TempDir dir;
    std::filesystem::create_directory(dir.path() / "work");
    std::ofstream{dir.path() / "c.toml"}
        << "[server]\nbind = \"127.0.0.1\"\nworking_dir = \"work\"\n[plain]\nport = "
        << pick_free_port() << "\n[discovery]\nbind = \"127.0.0.1\"\nport = " << taken << "\n";
    auto result =
        run_command({daemon_binary().string(), "-D", "-c", (dir.path() / "c.toml").string()});
    EXPECT_EQ(result.exit_status, 1);
    EXPECT_NE(
        result.err.find("cannot listen on 127.0.0.1:" + std::to_string(taken) + " (discovery)"),
        std::string::npos)
        << result.err;
    EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << result.err;
}

// ---- multicast, in a private network namespace so that nothing reaches a real LAN ----

bool joined_on_lo(std::string_view group_hex) {
    std::ifstream table{"/proc/net/igmp6"};
    std::string line;
    while (std::getline(table, line)) {
        if (line.find(" lo ") != std::string::npos && line.find(group_hex) != std::string::npos) {
            return true;
        }
    }
    return false;
}

TEST(Discovery, JoinsTheIpv6GroupAndAnswersMulticast) {
    std::string outcome = run_in_child([]() -> std::string {
        if (auto error = enter_private_network(); !error.empty()) return "skip: " + error;
        // A fresh namespace's loopback is down and not multicast-capable, and Linux turns
        // ordinary routes via lo into reject routes; a "local" route delivers the group
        // to this host's sockets instead.
        if (!ip({"link", "set", "lo", "up", "multicast", "on"}) ||
            !ip({"-6", "route", "add", "local", "ff00::/8", "dev", "lo", "table", "local"})) {
            return "skip: cannot set up multicast on the namespace's loopback (iproute2 `ip` "
                   "missing or refused)";
        }
        auto daemon = Daemon::start(discovery_config("\"::\""));
        if (!joined_on_lo("ff050000000000000000000000004567")) {
            return "fail: the daemon did not join ff05::4567 on lo:\n" + daemon->log();
        }
        UdpProbe probe{AF_INET6};
        unsigned lo = if_nametoindex("lo");
        setsockopt(probe.fd(), IPPROTO_IPV6, IPV6_MULTICAST_IF, &lo, sizeof lo);
        if (!probe.send_to(discovery_ipv6_group, daemon->discovery_port(), bytes("in"), lo)) {
            return std::string{"skip: cannot send to ff05::4567 on lo: "} + std::strerror(errno);
        }
        auto answer = probe.receive();
        if (answer != reply) return "fail: no answer to the multicast request:\n" + daemon->log();
        return "ok";
    });
    if (outcome.rfind("skip: ", 0) == 0) GTEST_SKIP() << outcome.substr(6);
    EXPECT_EQ(outcome, "ok");
}

// ---- a router with a LAN and a WAN side, in private network namespaces ----
//
//   phone (10.77.0.2, fd77::2) --veth-- router: lan0 10.77.0.1/24 + 10.77.0.9/24, fd77::9
//   wan host (10.88.0.2, fd88::2) --veth-- router: wan0 10.88.0.1/24, fd88::1
// The daemon runs on the router with discovery bound to the LAN's second address.

// Runs `ip` with these arguments, collecting the first failure in `failed`.
void ip_or_note(std::string& failed, const std::vector<std::string>& args) {
    if (!failed.empty() || ip(args)) return;
    failed = "ip";
    for (const auto& arg : args) failed += " " + arg;
}

std::string router_with_lan_and_wan() {
    if (auto error = enter_private_network(); !error.empty()) return "skip: " + error;
    std::string error;
    auto phone = OtherNetwork::create(error);
    if (!phone) return "skip: " + error;
    auto wan_host = OtherNetwork::create(error);
    if (!wan_host) return "skip: " + error;

    std::string failed;
    ip_or_note(failed, {"link", "set", "lo", "up"});
    ip_or_note(failed, {"link", "add", "name", "lan0", "type", "veth", "peer", "name", "lan1",
                        "netns", std::to_string(phone->pid())});
    if (!failed.empty()) return "skip: cannot create a veth pair (" + failed + ")";
    ip_or_note(failed, {"link", "add", "name", "wan0", "type", "veth", "peer", "name", "wan1",
                        "netns", std::to_string(wan_host->pid())});
    ip_or_note(failed, {"addr", "add", "10.77.0.1/24", "dev", "lan0"});
    ip_or_note(failed, {"addr", "add", "10.77.0.9/24", "dev", "lan0"});
    ip_or_note(failed, {"-6", "addr", "add", "fd77::9/64", "dev", "lan0", "nodad"});
    ip_or_note(failed, {"addr", "add", "10.88.0.1/24", "dev", "wan0"});
    ip_or_note(failed, {"-6", "addr", "add", "fd88::1/64", "dev", "wan0", "nodad"});
    ip_or_note(failed, {"link", "set", "lan0", "up"});
    ip_or_note(failed, {"link", "set", "wan0", "up"});
    bool visited = phone->visit([&] {
        ip_or_note(failed, {"addr", "add", "10.77.0.2/24", "dev", "lan1"});
        ip_or_note(failed, {"-6", "addr", "add", "fd77::2/64", "dev", "lan1", "nodad"});
        ip_or_note(failed, {"link", "set", "lan1", "up"});
        // The kernel adds this route only once it has noticed the carrier, a moment later.
        ip_or_note(failed, {"-6", "route", "add", "multicast", "ff00::/8", "dev", "lan1", "table",
                            "local"});
    });
    visited &= wan_host->visit([&] {
        ip_or_note(failed, {"addr", "add", "10.88.0.2/24", "dev", "wan1"});
        ip_or_note(failed, {"link", "set", "wan1", "up"});
        ip_or_note(failed, {"route", "add", "10.77.0.0/24", "via", "10.88.0.1"});
        ip_or_note(failed, {"-6", "addr", "add", "fd88::2/64", "dev", "wan1", "nodad"});
        ip_or_note(failed, {"-6", "route", "add", "fd77::/64", "via", "fd88::1"});
    });
    if (!visited) return "skip: cannot enter the other network namespaces";
    if (!failed.empty()) return "fail: " + failed;

    auto daemon = Daemon::start(debug_discovery_config("[\"10.77.0.9\", \"fd77::9\"]"));
    std::uint16_t port = daemon->discovery_port();
    std::string outcome = "ok";
    auto expect = [&](bool condition, const std::string& what) {
        if (!condition && outcome == "ok") outcome = "fail: " + what + "\n" + daemon->log();
    };

    // The phone: a subnet broadcast, a limited broadcast and IPv6 multicast all get an
    // answer from the bound address, not from lan0's first address.
    std::optional<UdpProbe> to_subnet, to_all, to_group;
    phone->visit([&] {
        to_subnet.emplace(AF_INET);
        to_all.emplace(AF_INET);
        to_group.emplace(AF_INET6);
    });
    to_subnet->allow_broadcast();
    to_all->allow_broadcast();
    expect(to_all->bind_to("10.77.0.2"), "bind to 10.77.0.2");
    expect(to_subnet->send_to("10.77.0.255", port, bytes("in")), "send to 10.77.0.255");
    expect(to_all->send_to("255.255.255.255", port, bytes("in")), "send to 255.255.255.255");
    unsigned lan1 = 0;
    phone->visit([&] { lan1 = if_nametoindex("lan1"); });
    setsockopt(to_group->fd(), IPPROTO_IPV6, IPV6_MULTICAST_IF, &lan1, sizeof lan1);
    bool sent = to_group->send_to(discovery_ipv6_group, port, bytes("in"), lan1);
    expect(sent, std::string{"send to ff05::4567 on lan1: "} + std::strerror(errno));
    for (auto* probe : {&to_subnet, &to_all}) {
        auto answer = (*probe)->receive_with_sender();
        expect(answer.has_value(), "no answer to an IPv4 broadcast from the LAN");
        if (answer) {
            expect(answer->first == reply, "a wrong answer");
            expect(answer->second == "10.77.0.9", "answered from " + answer->second);
        }
    }
    auto multicast = to_group->receive_with_sender();
    expect(multicast.has_value(), "no answer to multicast from the LAN");
    if (multicast) expect(multicast->second == "fd77::9", "answered from " + multicast->second);

    // The WAN host: its broadcasts reach the daemon's wildcard socket, and so does unicast
    // to the LAN address (Linux accepts any local address on any interface); none is
    // answered.
    std::optional<UdpProbe> wan, wan6;
    wan_host->visit([&] {
        wan.emplace(AF_INET);
        wan6.emplace(AF_INET6);
    });
    wan->allow_broadcast();
    expect(wan->bind_to("10.88.0.2"), "bind to 10.88.0.2");
    expect(wan->send_to("10.88.0.255", port, bytes("in")), "send to 10.88.0.255");
    expect(wan->send_to("255.255.255.255", port, bytes("in")), "send to 255.255.255.255");
    expect(wan->send_to("10.77.0.9", port, bytes("in")), "send to 10.77.0.9");
    expect(wan6->send_to("fd77::9", port, bytes("in")), "send to fd77::9");
    expect(daemon->wait_for_log("discovery: not answering 10.88.0.2:", 3),
           "the WAN requests were not all refused");
    expect(daemon->wait_for_log("discovery: not answering [fd88::2]:"),
           "the WAN's IPv6 request was not refused");
    expect(wan->receive_now() == std::nullopt, "the WAN side got an answer");
    expect(wan6->receive_now() == std::nullopt, "the WAN side got an IPv6 answer");
    return outcome;
}

TEST(Discovery, BoundToTheLanAnswersTheLanAndNotTheWan) {
    std::string outcome = run_in_child(router_with_lan_and_wan);
    if (outcome.rfind("skip: ", 0) == 0) GTEST_SKIP() << outcome.substr(6);
    EXPECT_EQ(outcome, "ok");
}

}  // namespace
}  // namespace clipshare::test
