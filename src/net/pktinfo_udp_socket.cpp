#include "net/pktinfo_udp_socket.hpp"

#include <netinet/in.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace clipshare {
namespace {

// Room for either family's packet-info control message.
constexpr std::size_t kControlSize = CMSG_SPACE(sizeof(in6_pktinfo)) >
                                             CMSG_SPACE(sizeof(in_pktinfo))
                                         ? CMSG_SPACE(sizeof(in6_pktinfo))
                                         : CMSG_SPACE(sizeof(in_pktinfo));

union ControlBuffer {
    cmsghdr align;
    char bytes[kControlSize];
};

}  // namespace

int PktinfoUdpSocket::open(int family, std::uint16_t port) {
    close();
    family_ = family;
    fd_ = ::socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd_ < 0) return -errno;
    int on = 1;
    sockaddr_storage storage{};
    socklen_t length = 0;
    int rc;
    if (family == AF_INET6) {
        rc = setsockopt(fd_, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on);
        if (rc == 0) rc = setsockopt(fd_, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on, sizeof on);
        auto* in6 = reinterpret_cast<sockaddr_in6*>(&storage);
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons(port);
        in6->sin6_addr = in6addr_any;
        length = sizeof *in6;
    } else {
        rc = setsockopt(fd_, IPPROTO_IP, IP_PKTINFO, &on, sizeof on);
        auto* in = reinterpret_cast<sockaddr_in*>(&storage);
        in->sin_family = AF_INET;
        in->sin_port = htons(port);
        in->sin_addr.s_addr = htonl(INADDR_ANY);
        length = sizeof *in;
    }
    if (rc == 0) rc = ::bind(fd_, reinterpret_cast<sockaddr*>(&storage), length);
    if (rc != 0) {
        int error = errno;
        close();
        return -error;
    }
    return 0;
}

void PktinfoUdpSocket::close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
}

PktinfoUdpSocket::Receive PktinfoUdpSocket::receive(std::span<std::uint8_t> buffer,
                                                    ReceivedDatagram& out) const {
    iovec data{buffer.data(), buffer.size()};
    ControlBuffer control{};
    msghdr message{};
    message.msg_name = &out.sender;
    message.msg_namelen = sizeof out.sender;
    message.msg_iov = &data;
    message.msg_iovlen = 1;
    message.msg_control = control.bytes;
    message.msg_controllen = sizeof control.bytes;
    ssize_t got = ::recvmsg(fd_, &message, MSG_DONTWAIT);
    if (got < 0) {
        return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? Receive::empty
                                                                         : Receive::failed;
    }
    out.size = static_cast<std::size_t>(got);
    for (cmsghdr* header = CMSG_FIRSTHDR(&message); header != nullptr;
         header = CMSG_NXTHDR(&message, header)) {
        if (header->cmsg_level == IPPROTO_IP && header->cmsg_type == IP_PKTINFO) {
            in_pktinfo info;
            std::memcpy(&info, CMSG_DATA(header), sizeof info);
            out.interface_index = static_cast<unsigned>(info.ipi_ifindex);
            out.destination.family = AF_INET;
            out.destination.v4 = info.ipi_addr;  // the IP header's destination
            return Receive::datagram;
        }
        if (header->cmsg_level == IPPROTO_IPV6 && header->cmsg_type == IPV6_PKTINFO) {
            in6_pktinfo info;
            std::memcpy(&info, CMSG_DATA(header), sizeof info);
            out.interface_index = info.ipi6_ifindex;
            out.destination.family = AF_INET6;
            out.destination.v6 = info.ipi6_addr;
            return Receive::datagram;
        }
    }
    errno = EPROTO;
    return Receive::failed;
}

int PktinfoUdpSocket::send_from(std::span<const std::uint8_t> bytes, const sockaddr_storage& to,
                                const IpAddress& source, unsigned interface_index) const {
    iovec data{const_cast<std::uint8_t*>(bytes.data()), bytes.size()};
    ControlBuffer control{};
    msghdr message{};
    message.msg_name = const_cast<sockaddr_storage*>(&to);
    message.msg_namelen = family_ == AF_INET6 ? sizeof(sockaddr_in6) : sizeof(sockaddr_in);
    message.msg_iov = &data;
    message.msg_iovlen = 1;
    message.msg_control = control.bytes;
    cmsghdr* header;
    if (family_ == AF_INET6) {
        message.msg_controllen = CMSG_SPACE(sizeof(in6_pktinfo));
        header = CMSG_FIRSTHDR(&message);
        header->cmsg_level = IPPROTO_IPV6;
        header->cmsg_type = IPV6_PKTINFO;
        header->cmsg_len = CMSG_LEN(sizeof(in6_pktinfo));
        in6_pktinfo info{};
        info.ipi6_addr = source.v6;
        info.ipi6_ifindex = interface_index;
        std::memcpy(CMSG_DATA(header), &info, sizeof info);
    } else {
        message.msg_controllen = CMSG_SPACE(sizeof(in_pktinfo));
        header = CMSG_FIRSTHDR(&message);
        header->cmsg_level = IPPROTO_IP;
        header->cmsg_type = IP_PKTINFO;
        header->cmsg_len = CMSG_LEN(sizeof(in_pktinfo));
        // ipi_spec_dst sets the source address; the route to the sender picks the interface.
        in_pktinfo info{};
        info.ipi_spec_dst = source.v4;
        std::memcpy(CMSG_DATA(header), &info, sizeof info);
    }
    ssize_t sent = ::sendmsg(fd_, &message, MSG_DONTWAIT | MSG_NOSIGNAL);
    return sent < 0 ? -errno : 0;
}

int PktinfoUdpSocket::join_ipv6_group(const in6_addr& group, unsigned interface_index) const {
    ipv6_mreq request{};
    request.ipv6mr_multiaddr = group;
    request.ipv6mr_interface = interface_index;
    return setsockopt(fd_, IPPROTO_IPV6, IPV6_ADD_MEMBERSHIP, &request, sizeof request) == 0
               ? 0
               : -errno;
}

}  // namespace clipshare
