#include "server/discovery.hpp"

#include <algorithm>
#include <array>
#include <cstring>

#include "net/interfaces.hpp"
#include "net/tcp_stream.hpp"
#include "proto/discovery.hpp"
#include "util/log.hpp"

namespace clipshare {
namespace {

// Only the first bytes of a datagram matter; longer ones arrive truncated, which is fine.
// One buffer serves every socket: a receive callback is done with it before returning.
std::array<char, 64> receive_buffer;

bool is_unspecified(const std::string& address) {
    auto parsed = parse_ip_address(address);
    return parsed && parsed->is_unspecified();
}

}  // namespace

std::string Discovery::open(uv_loop_t* loop, const std::vector<std::string>& addresses,
                            std::uint16_t port) {
    bool has_ipv4 = false;
    for (const auto& address : addresses) has_ipv4 |= address.find(':') == std::string::npos;
    std::vector<std::string> specific[2];  // IPv4, IPv6
    for (const auto& address : addresses) {
        bool is_ipv6 = address.find(':') != std::string::npos;
        if (!is_unspecified(address)) {
            specific[is_ipv6 ? 1 : 0].push_back(address);
            continue;
        }
        // As for the TCP listeners: with an IPv4 address in the list, "::" leaves IPv4 to it.
        if (auto error = open_one(loop, address, port, has_ipv4); !error.empty()) {
            close();
            return error;
        }
    }
    for (int family : {AF_INET, AF_INET6}) {
        auto& listed = specific[family == AF_INET6 ? 1 : 0];
        if (listed.empty()) continue;
        // The family's wildcard already answers every request, so the specific addresses
        // have nothing to add (and their socket would collide with it on the port).
        bool covered = std::any_of(addresses.begin(), addresses.end(), [&](const auto& each) {
            bool each_ipv6 = each.find(':') != std::string::npos;
            return is_unspecified(each) && each_ipv6 == (family == AF_INET6);
        });
        if (covered) {
            for (const auto& address : listed) {
                LOG_INFO("discovery: %s is already served by the wildcard address",
                         address.c_str());
            }
            continue;
        }
        std::unique_ptr<BoundDiscovery> bound;
        if (auto error = BoundDiscovery::open(loop, family, listed, port, bound); !error.empty()) {
            close();
            return error;
        }
        bound_.push_back(std::move(bound));
    }
    return {};
}

std::string Discovery::open_one(uv_loop_t* loop, const std::string& address, std::uint16_t port,
                                bool ipv6_only) {
    auto socket = std::make_unique<Socket>();
    sockaddr_storage storage{};
    auto* sa = reinterpret_cast<sockaddr*>(&storage);
    bool is_ipv6 = address.find(':') != std::string::npos;
    int rc = is_ipv6 ? uv_ip6_addr(address.c_str(), port, reinterpret_cast<sockaddr_in6*>(sa))
                     : uv_ip4_addr(address.c_str(), port, reinterpret_cast<sockaddr_in*>(sa));
    socket->address = format_address(sa);
    auto fail = [&](int code) {
        return "cannot listen on " + socket->address + " (discovery): " + uv_strerror(code);
    };
    if (rc != 0) return fail(rc);
    if ((rc = uv_udp_init_ex(loop, socket->udp.get(), is_ipv6 ? AF_INET6 : AF_INET)) != 0) {
        return fail(rc);
    }
    socket->udp.mark_initialized();
    socket->udp.get()->data = socket.get();
    // No UV_UDP_REUSEADDR: a second daemon on the same port must fail at start-up, not
    // silently share (and split) the requests.
    unsigned flags = (is_ipv6 && ipv6_only) ? UV_UDP_IPV6ONLY : 0;
    if ((rc = uv_udp_bind(socket->udp.get(), sa, flags)) != 0) return fail(rc);
    socket->ipv6_wildcard = is_ipv6;
    sockets_.push_back(std::move(socket));
    return {};
}

std::string Discovery::start() {
    for (auto& socket : sockets_) {
        int rc = uv_udp_recv_start(
            socket->udp.get(),
            [](uv_handle_t*, size_t, uv_buf_t* buf) {
                *buf = uv_buf_init(receive_buffer.data(), receive_buffer.size());
            },
            &Discovery::on_receive);
        if (rc != 0) {
            return "cannot listen on " + socket->address + " (discovery): " + uv_strerror(rc);
        }
        if (socket->ipv6_wildcard) join_group(*socket);
        LOG_INFO("answering discovery on %s", socket->address.c_str());
    }
    for (auto& bound : bound_) {
        if (auto error = bound->start(); !error.empty()) return error;
    }
    return {};
}

void Discovery::join_group(Socket& socket) {
    // A membership belongs to one interface; joining "the default one" alone would miss
    // phones on every other LAN the machine is on. Failing to join is not fatal: unicast
    // discovery still works.
    auto interfaces = ipv6_multicast_interfaces();
    for (const auto& interface : interfaces) {
        std::string scoped = "::%" + interface.name;
        int rc = uv_udp_set_membership(socket.udp.get(), discovery_ipv6_group, scoped.c_str(),
                                       UV_JOIN_GROUP);
        if (rc == 0) {
            LOG_DEBUG("discovery: joined %s on %s", discovery_ipv6_group, interface.name.c_str());
        } else {
            LOG_WARN("discovery: cannot join %s on %s: %s", discovery_ipv6_group,
                     interface.name.c_str(), uv_strerror(rc));
        }
    }
    if (!interfaces.empty()) return;
    int rc = uv_udp_set_membership(socket.udp.get(), discovery_ipv6_group, nullptr, UV_JOIN_GROUP);
    if (rc != 0) {
        LOG_WARN("discovery: cannot join %s on the default interface: %s", discovery_ipv6_group,
                 uv_strerror(rc));
    }
}

void Discovery::on_receive(uv_udp_t* handle, ssize_t nread, const uv_buf_t* buf,
                           const sockaddr* sender, unsigned) {
    auto* socket = static_cast<Socket*>(handle->data);
    if (socket == nullptr || sender == nullptr) return;  // closing, or "nothing more to read"
    if (nread < 0) {
        LOG_DEBUG("discovery on %s: receive failed: %s", socket->address.c_str(),
                  uv_strerror(static_cast<int>(nread)));
        return;
    }
    std::string peer = format_address(sender);
    std::span datagram{reinterpret_cast<const std::uint8_t*>(buf->base),
                       static_cast<std::size_t>(nread)};
    // A LAN is noisy: anything that is not a request is dropped, and only logged at debug.
    if (!is_discovery_request(datagram)) {
        LOG_DEBUG("discovery: ignored %zd bytes from %s", nread, peer.c_str());
        return;
    }
    // try_send never queues, so no request outlives this callback; a full socket buffer
    // loses one reply, and the client simply asks again.
    uv_buf_t reply = uv_buf_init(const_cast<char*>(discovery_reply.data()),
                                 static_cast<unsigned>(discovery_reply.size()));
    int rc = uv_udp_try_send(handle, &reply, 1, sender);
    if (rc < 0) {
        LOG_DEBUG("discovery: cannot answer %s: %s", peer.c_str(), uv_strerror(rc));
    } else {
        LOG_DEBUG("discovery: answered %s", peer.c_str());
    }
}

void Discovery::close() {
    for (auto& socket : sockets_) socket->udp.close();
    sockets_.clear();
    bound_.clear();
}

}  // namespace clipshare
