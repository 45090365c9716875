// A non-blocking UDP socket on the wildcard address that reports, for each datagram, the
// interface it arrived on and the destination address it was sent to (IP_PKTINFO /
// IPV6_RECVPKTINFO), and sends from a chosen source address. libuv's uv_udp_t shows neither,
// so the owner polls fd() itself (server/discovery.cpp uses a uv_poll_t).
#pragma once

#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <span>

#include "net/interfaces.hpp"

namespace clipshare {

struct ReceivedDatagram {
    std::size_t size = 0;  // bytes placed in the buffer; longer datagrams are cut
    sockaddr_storage sender{};
    unsigned interface_index = 0;
    IpAddress destination;
};

class PktinfoUdpSocket {
public:
    PktinfoUdpSocket() = default;
    ~PktinfoUdpSocket() { close(); }
    PktinfoUdpSocket(const PktinfoUdpSocket&) = delete;
    PktinfoUdpSocket& operator=(const PktinfoUdpSocket&) = delete;

    // Binds the wildcard address of `family` on `port` (IPv6: IPv6 only). No SO_REUSEADDR,
    // so a port another program holds is an error here, as for any other socket of the
    // daemon. Returns 0 or -errno.
    int open(int family, std::uint16_t port);
    void close();
    int fd() const { return fd_; }

    enum class Receive { datagram, empty, failed };
    // One waiting datagram into `buffer`; `empty` when none waits, `failed` with errno set.
    // A datagram without the arrival information (which the socket always asks for) is
    // reported as failed with EPROTO rather than guessed at.
    Receive receive(std::span<std::uint8_t> buffer, ReceivedDatagram& out) const;

    // Sends `bytes` to `to` with `source` as the IP source address (and, for IPv6, out of
    // `interface_index`, which link-local peers need). Never blocks: 0, or -errno.
    int send_from(std::span<const std::uint8_t> bytes, const sockaddr_storage& to,
                  const IpAddress& source, unsigned interface_index) const;

    // Joins an IPv6 multicast group on one interface: 0, or -errno.
    int join_ipv6_group(const in6_addr& group, unsigned interface_index) const;

private:
    int fd_ = -1;
    int family_ = AF_INET;
};

}  // namespace clipshare
