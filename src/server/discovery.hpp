// The UDP discovery responder (SPEC.md section 8): answers "in..." datagrams with
// "clip_share" sent back to the sender. A wildcard address in discovery.bind gets a socket of
// its own (IPv4 ones hear broadcasts; an IPv6 one joins ff05::4567); the specific addresses
// of each family share one BoundDiscovery, which hears broadcasts and multicast too but
// answers only those that arrived where one of its addresses lives.
// It lives in server/ because it joins a socket (net's level) to the protocol's discovery
// codec (proto/discovery.hpp), and net/ and proto/ do not see each other.
#pragma once

#include <uv.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "server/bound_discovery.hpp"
#include "util/uv_handle.hpp"

namespace clipshare {

class Discovery {
public:
    Discovery() = default;
    ~Discovery() { close(); }
    Discovery(const Discovery&) = delete;
    Discovery& operator=(const Discovery&) = delete;

    // Binds one socket per address (as root, before privileges are dropped). Returns "" or
    // one error line ("cannot listen on ADDRESS:PORT (discovery): reason"); on error nothing
    // stays open. Requests that arrive before start() wait in the sockets' buffers.
    std::string open(uv_loop_t* loop, const std::vector<std::string>& addresses,
                     std::uint16_t port);
    // Starts answering (and joins the IPv6 group) once the daemon is ready to serve the
    // clients it will attract. "" or one error line.
    std::string start();
    void close();

private:
    struct Socket {
        UvHandle<uv_udp_t> udp;
        std::string address;  // what was bound, for logs
        bool ipv6_wildcard = false;
    };

    std::string open_one(uv_loop_t* loop, const std::string& address, std::uint16_t port,
                         bool ipv6_only);
    static void join_group(Socket& socket);
    static void on_receive(uv_udp_t* handle, ssize_t nread, const uv_buf_t* buf,
                           const sockaddr* sender, unsigned flags);

    std::vector<std::unique_ptr<Socket>> sockets_;
    std::vector<std::unique_ptr<BoundDiscovery>> bound_;
};

}  // namespace clipshare
