// Discovery for the specific addresses of one family in discovery.bind. A socket bound to
// one address hears neither broadcasts nor multicast, and phones find servers by
// broadcast; so this listens on the wildcard address, learns where each request arrived
// (PktinfoUdpSocket), answers only requests meant for one of its addresses
// (discovery_answerer) and answers from that address.
#pragma once

#include <uv.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "net/interfaces.hpp"
#include "net/pktinfo_udp_socket.hpp"
#include "util/uv_handle.hpp"

namespace clipshare {

class BoundDiscovery {
public:
    // `addresses`: literals of one family, none of them a wildcard. Checks that each is an
    // address of this machine and binds the wildcard socket. "" or one error line
    // ("cannot listen on ADDRESS:PORT (discovery): reason"); on error `out` stays empty.
    static std::string open(uv_loop_t* loop, int family, const std::vector<std::string>& addresses,
                            std::uint16_t port, std::unique_ptr<BoundDiscovery>& out);
    ~BoundDiscovery() { close(); }
    BoundDiscovery(const BoundDiscovery&) = delete;
    BoundDiscovery& operator=(const BoundDiscovery&) = delete;

    // Starts answering and (IPv6) joins the discovery group on the interfaces holding the
    // addresses. "" or one error line.
    std::string start();
    void close();

private:
    BoundDiscovery() = default;

    void join_group();
    void on_readable();
    void handle(const ReceivedDatagram& datagram, std::span<const std::uint8_t> bytes);
    // The interface list, read again when it is more than a second old: addresses come and
    // go (DHCP, hotplug), yet a flood of requests costs at most one read a second.
    const std::vector<NetworkInterface>& interfaces();

    uv_loop_t* loop_ = nullptr;
    int family_ = AF_INET;
    std::uint16_t port_ = 0;
    std::vector<IpAddress> addresses_;
    std::vector<std::string> names_;  // "ADDRESS:PORT", for logs
    PktinfoUdpSocket socket_;
    UvHandle<uv_poll_t> poll_;
    std::vector<NetworkInterface> interfaces_;
    std::uint64_t interfaces_read_at_ = 0;
    bool interfaces_read_ = false;
};

}  // namespace clipshare
