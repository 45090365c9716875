#include "server/bound_discovery.hpp"

#include <arpa/inet.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>

#include "net/tcp_stream.hpp"
#include "proto/discovery.hpp"
#include "server/discovery_scope.hpp"
#include "util/log.hpp"

namespace clipshare {
namespace {

// Only the first bytes of a datagram matter; longer ones arrive cut, which is fine.
std::array<std::uint8_t, 64> receive_buffer;

// A readable event answers at most this many requests before the loop serves others.
constexpr int kDatagramsPerTurn = 64;

constexpr std::uint64_t kInterfacesMaxAgeMs = 1000;

const in6_addr& ipv6_group() {
    static const in6_addr group = [] {
        in6_addr parsed{};
        inet_pton(AF_INET6, discovery_ipv6_group, &parsed);
        return parsed;
    }();
    return group;
}

std::string format_ip(const IpAddress& address) {
    char text[INET6_ADDRSTRLEN] = "?";
    if (address.family == AF_INET) {
        inet_ntop(AF_INET, &address.v4, text, sizeof text);
    } else {
        inet_ntop(AF_INET6, &address.v6, text, sizeof text);
    }
    return text;
}

void set_port(sockaddr_storage& address, std::uint16_t port) {
    if (address.ss_family == AF_INET6) {
        reinterpret_cast<sockaddr_in6*>(&address)->sin6_port = htons(port);
    } else {
        reinterpret_cast<sockaddr_in*>(&address)->sin_port = htons(port);
    }
}

// Binding a throw-away socket to the address tells whether it is this machine's, with the
// same verdict (and the same error) a socket bound to it would have had. 0 or a libuv error.
int check_local(const sockaddr_storage& address) {
    int fd = ::socket(address.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return uv_translate_sys_error(errno);
    socklen_t length = address.ss_family == AF_INET6 ? sizeof(sockaddr_in6) : sizeof(sockaddr_in);
    int rc = ::bind(fd, reinterpret_cast<const sockaddr*>(&address), length) == 0
                 ? 0
                 : uv_translate_sys_error(errno);
    ::close(fd);
    return rc;
}

}  // namespace

std::string BoundDiscovery::open(uv_loop_t* loop, int family,
                                 const std::vector<std::string>& addresses, std::uint16_t port,
                                 std::unique_ptr<BoundDiscovery>& out) {
    std::unique_ptr<BoundDiscovery> made{new BoundDiscovery()};
    made->loop_ = loop;
    made->family_ = family;
    made->port_ = port;
    for (const auto& text : addresses) {
        sockaddr_storage storage{};
        auto* sa = reinterpret_cast<sockaddr*>(&storage);
        int rc = family == AF_INET6
                     ? uv_ip6_addr(text.c_str(), 0, reinterpret_cast<sockaddr_in6*>(sa))
                     : uv_ip4_addr(text.c_str(), 0, reinterpret_cast<sockaddr_in*>(sa));
        auto parsed = parse_ip_address(text);
        std::string name = text + ":" + std::to_string(port);
        if (rc == 0 && parsed) {
            set_port(storage, port);
            name = format_address(sa);
            set_port(storage, 0);
            rc = check_local(storage);
        } else if (rc == 0) {
            rc = UV_EINVAL;
        }
        if (rc != 0) return "cannot listen on " + name + " (discovery): " + uv_strerror(rc);
        made->addresses_.push_back(*parsed);
        made->names_.push_back(std::move(name));
    }
    if (int rc = made->socket_.open(family, port); rc != 0) {
        const char* wildcard = family == AF_INET6 ? "[::]" : "0.0.0.0";
        return "cannot listen on " + made->names_.front() +
               " (discovery): " + uv_strerror(uv_translate_sys_error(-rc)) +
               " (bound discovery listens on " + wildcard + ":" + std::to_string(port) +
               " to hear broadcasts)";
    }
    out = std::move(made);
    return {};
}

std::string BoundDiscovery::start() {
    int rc = uv_poll_init(loop_, poll_.get(), socket_.fd());
    if (rc == 0) {
        poll_.mark_initialized();
        poll_.get()->data = this;
        rc = uv_poll_start(poll_.get(), UV_READABLE, [](uv_poll_t* handle, int, int) {
            if (auto* self = static_cast<BoundDiscovery*>(handle->data)) self->on_readable();
        });
    }
    if (rc != 0) {
        return "cannot listen on " + names_.front() + " (discovery): " + uv_strerror(rc);
    }
    if (family_ == AF_INET6) join_group();
    for (const auto& name : names_) {
        LOG_INFO("answering discovery on %s (and %s sent on its interface)", name.c_str(),
                 family_ == AF_INET6 ? "multicast" : "broadcasts");
    }
    return {};
}

void BoundDiscovery::join_group() {
    const in6_addr& group = ipv6_group();
    const auto& known = interfaces();
    std::vector<unsigned> joined;
    for (std::size_t i = 0; i < addresses_.size(); ++i) {
        const NetworkInterface* interface = interface_holding(known, addresses_[i]);
        if (interface == nullptr || !interface->up || !interface->multicast) {
            LOG_INFO("discovery on %s answers unicast only (its interface has no multicast)",
                     names_[i].c_str());
            continue;
        }
        if (std::find(joined.begin(), joined.end(), interface->index) != joined.end()) continue;
        if (int rc = socket_.join_ipv6_group(group, interface->index); rc != 0) {
            LOG_WARN("discovery: cannot join %s on %s: %s", discovery_ipv6_group,
                     interface->name.c_str(), uv_strerror(uv_translate_sys_error(-rc)));
            continue;
        }
        joined.push_back(interface->index);
        LOG_DEBUG("discovery: joined %s on %s", discovery_ipv6_group, interface->name.c_str());
    }
}

const std::vector<NetworkInterface>& BoundDiscovery::interfaces() {
    std::uint64_t now = uv_now(loop_);
    if (!interfaces_read_ || now - interfaces_read_at_ >= kInterfacesMaxAgeMs) {
        interfaces_ = list_network_interfaces();
        interfaces_read_at_ = now;
        interfaces_read_ = true;
    }
    return interfaces_;
}

void BoundDiscovery::on_readable() {
    for (int i = 0; i < kDatagramsPerTurn; ++i) {
        ReceivedDatagram datagram;
        auto outcome = socket_.receive(receive_buffer, datagram);
        if (outcome == PktinfoUdpSocket::Receive::empty) return;
        if (outcome == PktinfoUdpSocket::Receive::failed) {
            // The poll is level-triggered: whatever is still queued comes on the next turn,
            // and an error that repeats cannot keep this loop spinning.
            LOG_DEBUG("discovery on %s: receive failed: %s", names_.front().c_str(),
                      uv_strerror(uv_translate_sys_error(errno)));
            return;
        }
        handle(datagram, std::span{receive_buffer}.first(datagram.size));
    }
}

void BoundDiscovery::handle(const ReceivedDatagram& datagram, std::span<const std::uint8_t> bytes) {
    std::string peer = format_address(reinterpret_cast<const sockaddr*>(&datagram.sender));
    // A LAN is noisy: anything that is not a request is dropped, and only logged at debug.
    if (!is_discovery_request(bytes)) {
        LOG_DEBUG("discovery: ignored %zu bytes from %s", bytes.size(), peer.c_str());
        return;
    }
    const IpAddress* answerer = discovery_answerer(
        addresses_, interfaces(), {datagram.interface_index, datagram.destination}, ipv6_group());
    if (answerer == nullptr) {
        // Normal on a router: the WAN side's broadcasts reach the wildcard socket too.
        LOG_DEBUG(
            "discovery: not answering %s: sent to %s on interface %u, not to a bound "
            "address's network",
            peer.c_str(), format_ip(datagram.destination).c_str(), datagram.interface_index);
        return;
    }
    std::span reply{reinterpret_cast<const std::uint8_t*>(discovery_reply.data()),
                    discovery_reply.size()};
    // Never queued: a full socket buffer loses one reply, and the client simply asks again.
    int rc = socket_.send_from(reply, datagram.sender, *answerer, datagram.interface_index);
    if (rc != 0) {
        LOG_DEBUG("discovery: cannot answer %s: %s", peer.c_str(),
                  uv_strerror(uv_translate_sys_error(-rc)));
    } else {
        LOG_DEBUG("discovery: answered %s from %s", peer.c_str(), format_ip(*answerer).c_str());
    }
}

void BoundDiscovery::close() {
    // The poll handle first: libuv must stop watching the descriptor before it is closed.
    poll_.close();
    socket_.close();
}

}  // namespace clipshare
