#include "client/scan.hpp"

#include <arpa/inet.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "client/address.hpp"
#include "client/errors.hpp"
#include "client/interrupt.hpp"
#include "client/socket_channel.hpp"
#include "net/interfaces.hpp"
#include "proto/discovery.hpp"

namespace clipshare::client {
namespace {

class UdpSocket {
public:
    explicit UdpSocket(int family) : fd_(::socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0)) {}
    ~UdpSocket() {
        if (fd_ >= 0) ::close(fd_);
    }
    UdpSocket(const UdpSocket&) = delete;
    UdpSocket& operator=(const UdpSocket&) = delete;
    int fd() const { return fd_; }

private:
    int fd_;
};

struct Target {
    sockaddr_storage address{};
    socklen_t length = 0;
    unsigned interface_index = 0;  // IPv6 multicast: the interface to send it out of
    std::string label;             // for warnings
};

Target ipv4_target(in_addr address, std::uint16_t port, std::string label) {
    Target target;
    auto* in = reinterpret_cast<sockaddr_in*>(&target.address);
    in->sin_family = AF_INET;
    in->sin_port = htons(port);
    in->sin_addr = address;
    target.length = sizeof *in;
    target.label = std::move(label);
    return target;
}

Target ipv6_group_target(std::uint16_t port, unsigned interface_index, std::string label) {
    Target target;
    auto* in6 = reinterpret_cast<sockaddr_in6*>(&target.address);
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons(port);
    inet_pton(AF_INET6, discovery_ipv6_group, &in6->sin6_addr);
    target.length = sizeof *in6;
    target.interface_index = interface_index;
    target.label = std::move(label);
    return target;
}

std::vector<Target> lan_targets(std::uint16_t port) {
    std::vector<Target> targets;
    in_addr everyone{htonl(INADDR_BROADCAST)};
    targets.push_back(ipv4_target(everyone, port, "255.255.255.255"));
    // The limited broadcast leaves by one interface only; each subnet's own broadcast
    // address reaches the others.
    std::vector<in_addr_t> seen{everyone.s_addr};
    auto interfaces = list_network_interfaces();
    for (const auto& interface : interfaces) {
        if (!interface.up || interface.loopback) continue;
        for (in_addr broadcast : interface.ipv4_broadcasts) {
            if (std::find(seen.begin(), seen.end(), broadcast.s_addr) != seen.end()) continue;
            seen.push_back(broadcast.s_addr);
            char text[INET_ADDRSTRLEN];
            inet_ntop(AF_INET, &broadcast, text, sizeof text);
            targets.push_back(ipv4_target(broadcast, port, text));
        }
    }
    bool any_ipv6 = false;
    for (const auto& interface : ipv6_multicast_interfaces()) {
        if (interface.loopback) continue;
        any_ipv6 = true;
        targets.push_back(ipv6_group_target(
            port, interface.index, std::string{discovery_ipv6_group} + "%" + interface.name));
    }
    if (!any_ipv6) targets.push_back(ipv6_group_target(port, 0, discovery_ipv6_group));
    return targets;
}

Target address_target(const std::string& text, std::uint16_t port) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_DGRAM;
    hints.ai_flags = AI_NUMERICHOST;
    addrinfo* found = nullptr;
    auto split = split_host_port(text);
    if (!split.address) fail(Exit::usage, "scan --to: " + split.error);
    std::string host = split.address->host;
    std::string service = std::to_string(split.address->port.value_or(port));
    if (getaddrinfo(host.c_str(), service.c_str(), &hints, &found) != 0 || found == nullptr) {
        fail(Exit::usage, "scan --to needs an IPv4 or IPv6 address, not '" + text + "'");
    }
    Target target;
    std::memcpy(&target.address, found->ai_addr, found->ai_addrlen);
    target.length = found->ai_addrlen;
    target.label = text;
    freeaddrinfo(found);
    return target;
}

FoundServer sender(const sockaddr_storage& address, socklen_t length) {
    char host[NI_MAXHOST] = "?";
    char service[NI_MAXSERV] = "0";
    getnameinfo(reinterpret_cast<const sockaddr*>(&address), length, host, sizeof host, service,
                sizeof service, NI_NUMERICHOST | NI_NUMERICSERV);
    std::string text = host;
    // An IPv4 answer that came in on the IPv6 socket: show it as IPv4.
    if (text.rfind("::ffff:", 0) == 0 && text.find('.') != std::string::npos) {
        text = text.substr(7);
    }
    return {text, static_cast<std::uint16_t>(std::strtoul(service, nullptr, 10))};
}

// A JSON string in plain ASCII: quotes, backslashes, control bytes and bytes above 0x7e
// escaped, so the output stays valid JSON whatever bytes an interface name (in a scope id,
// the only text here not made by getnameinfo's digits) holds.
std::string json_string(std::string_view text) {
    std::string out = "\"";
    for (char c : text) {
        auto byte = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (byte < 0x20 || byte > 0x7e) {
            char escaped[8];
            std::snprintf(escaped, sizeof escaped, "\\u%04x", byte);
            out += escaped;
        } else {
            out += c;
        }
    }
    return out + "\"";
}

}  // namespace

ScanResult scan(const ScanOptions& options) {
    std::vector<Target> targets;
    if (options.targets.empty()) {
        targets = lan_targets(options.port);
    } else {
        for (const auto& text : options.targets) {
            targets.push_back(address_target(text, options.port));
        }
    }

    UdpSocket v4{AF_INET};
    UdpSocket v6{AF_INET6};
    int on = 1;
    if (v4.fd() >= 0) setsockopt(v4.fd(), SOL_SOCKET, SO_BROADCAST, &on, sizeof on);

    ScanResult result;
    int sent = 0;
    for (const auto& target : targets) {
        bool ipv6 = target.address.ss_family == AF_INET6;
        int fd = ipv6 ? v6.fd() : v4.fd();
        if (fd < 0) {
            result.warnings.push_back("cannot ask " + target.label + ": no " +
                                      (ipv6 ? "IPv6" : "IPv4") + " on this machine");
            continue;
        }
        if (ipv6) {
            unsigned index = target.interface_index;
            setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, &index, sizeof index);
        }
        if (::sendto(fd, discovery_request.data(), discovery_request.size(), 0,
                     reinterpret_cast<const sockaddr*>(&target.address), target.length) < 0) {
            result.warnings.push_back("cannot ask " + target.label + ": " + std::strerror(errno));
            continue;
        }
        ++sent;
    }
    if (sent == 0) {
        std::string why = result.warnings.empty() ? "" : " (" + result.warnings.back() + ")";
        fail(Exit::connection, "could not send any discovery request" + why);
    }

    auto deadline = std::chrono::steady_clock::now() + options.wait;
    pollfd sockets[2] = {{v4.fd(), POLLIN, 0}, {v6.fd(), POLLIN, 0}};
    while (options.max_servers == 0 || result.servers.size() < options.max_servers) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) break;
        int rc = poll(sockets, 2, static_cast<int>(left.count()));
        if (rc < 0 && errno == EINTR) {
            check_interrupted();
            continue;
        }
        if (rc <= 0) break;
        for (auto& socket : sockets) {
            if (!(socket.revents & POLLIN)) continue;
            std::uint8_t buffer[64];
            sockaddr_storage from{};
            socklen_t length = sizeof from;
            ssize_t got = recvfrom(socket.fd, buffer, sizeof buffer, MSG_DONTWAIT,
                                   reinterpret_cast<sockaddr*>(&from), &length);
            if (got < 0) continue;
            if (!is_discovery_reply({buffer, static_cast<std::size_t>(got)})) continue;
            FoundServer server = sender(from, length);
            auto same = [&](const FoundServer& seen) { return seen.address == server.address; };
            if (std::none_of(result.servers.begin(), result.servers.end(), same)) {
                result.servers.push_back(std::move(server));
            }
        }
    }
    return result;
}

std::string scan_json(const std::vector<FoundServer>& servers) {
    if (servers.empty()) return "[]\n";
    std::string out = "[\n";
    for (std::size_t i = 0; i < servers.size(); ++i) {
        out += "  {\"address\": " + json_string(servers[i].address) +
               ", \"port\": " + std::to_string(servers[i].port) + "}";
        out += i + 1 < servers.size() ? ",\n" : "\n";
    }
    return out + "]\n";
}

}  // namespace clipshare::client
