#include "net/listener.hpp"

namespace clipshare {

std::string Listener::open(uv_loop_t* loop, const std::string& address, std::uint16_t port,
                           bool ipv6_only) {
    sockaddr_storage storage{};
    auto* sa = reinterpret_cast<sockaddr*>(&storage);
    bool is_ipv6 = address.find(':') != std::string::npos;
    int rc = is_ipv6 ? uv_ip6_addr(address.c_str(), port, reinterpret_cast<sockaddr_in6*>(sa))
                     : uv_ip4_addr(address.c_str(), port, reinterpret_cast<sockaddr_in*>(sa));
    address_ = format_address(sa);
    port_ = port;
    auto fail = [&](int code) {
        return "cannot listen on " + address_ + " (" + name_ + "): " + uv_strerror(code);
    };
    if (rc != 0) return fail(rc);
    if ((rc = uv_tcp_init(loop, tcp_.get())) != 0) return fail(rc);
    tcp_.mark_initialized();
    tcp_.get()->data = this;
    unsigned flags = (is_ipv6 && ipv6_only) ? UV_TCP_IPV6ONLY : 0;
    if ((rc = uv_tcp_bind(tcp_.get(), sa, flags)) != 0) return fail(rc);
    return {};
}

std::string Listener::listen() {
    int rc = uv_listen(tcp_.stream(), SOMAXCONN, [](uv_stream_t* server, int status) {
        auto* self = static_cast<Listener*>(server->data);
        if (self != nullptr && status == 0) self->handler_.on_incoming(*self);
    });
    // libuv reports "address in use" here rather than at bind time.
    if (rc != 0) return "cannot listen on " + address_ + " (" + name_ + "): " + uv_strerror(rc);
    return {};
}

}  // namespace clipshare
