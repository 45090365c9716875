// Built with meson -Dweb=disabled (or without http_parser): no web layer is linked in.
// web_unavailable refuses [web] enabled = true at `clipshared -t` and at start, so the web
// port never opens and nothing ever arrives here.
#include "server/web_port.hpp"

namespace clipshare {

std::string web_unavailable(const Config& config) {
    if (!config.web.enabled) return {};
    return "[web] enabled = true, but this clipshared was built without web access "
           "(meson -Dweb=disabled, or libhttp-parser-dev missing)";
}

struct WebPort::Impl {
    Closed closed;
};

WebPort::WebPort(uv_loop_t* loop, Closed closed)
    : impl_(std::make_unique<Impl>(std::move(closed))) {
    (void)loop;
}

WebPort::~WebPort() = default;

void WebPort::add(const Config& config, const WebServices& services, WebArrival arrival) {
    (void)config;
    (void)services;
    // Unreachable (see above); should it happen, the connection just closes, counted out.
    arrival.stream.reset();
    impl_->closed(arrival.address, arrival.tls);
}

void WebPort::stop_all() {}

}  // namespace clipshare
