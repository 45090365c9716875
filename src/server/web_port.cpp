#include "server/web_port.hpp"

#include <unistd.h>

#include <unordered_map>

#include "server/session_settings.hpp"
#include "server/web_connection.hpp"
#include "util/log.hpp"

namespace clipshare {
namespace {

// The name the web port accepts in Host besides IP literals (host_check.hpp).
std::string machine_host_name() {
    char name[256] = {};
    if (gethostname(name, sizeof name - 1) != 0) return {};
    return name;
}

}  // namespace

std::string web_unavailable(const Config& config) {
    (void)config;
    return {};
}

struct WebPort::Impl final : WebConnectionOwner {
    struct Slot {
        std::unique_ptr<WebConnection> connection;
        bool tls = false;
        std::string address;
    };

    Impl(uv_loop_t* loop, Closed closed) : loop(loop), closed(std::move(closed)) {}

    void on_web_connection_closed(WebConnection& connection) override {
        auto found = connections.find(&connection);
        if (found == connections.end()) return;
        auto slot = std::move(found->second);
        connections.erase(found);
        closed(slot.address, slot.tls);
    }

    uv_loop_t* loop;
    Closed closed;
    std::unordered_map<WebConnection*, Slot> connections;
};

WebPort::WebPort(uv_loop_t* loop, Closed closed)
    : impl_(std::make_unique<Impl>(loop, std::move(closed))) {}

WebPort::~WebPort() = default;

void WebPort::add(const Config& config, const WebServices& services, WebArrival arrival) {
    WebSettings settings;
    settings.http = {static_cast<std::size_t>(config.web.max_header_bytes),
                     static_cast<std::size_t>(config.web.max_headers)};
    settings.max_text_length = static_cast<std::size_t>(config.limits.max_text_length);
    settings.hosts = {machine_host_name(), config.web.allowed_hosts};
    settings.tls = arrival.tls;
    settings.limits = session_settings_from(config).limits;
    settings.screenshot_display = config.clipboard.display;
    WebTimeouts timeouts{static_cast<std::uint64_t>(config.web.request_timeout) * 1000,
                         static_cast<std::uint64_t>(config.server.idle_timeout) * 1000};
    auto connection = std::make_unique<WebConnection>(
        *impl_, impl_->loop, std::move(arrival.stream), std::move(settings), *services.clipboard,
        services.budget, timeouts, std::move(arrival.baseline),
        WebFiles{services.files, services.committer});
    WebConnection* raw = connection.get();
    impl_->connections.emplace(
        raw, Impl::Slot{std::move(connection), arrival.tls, std::move(arrival.address)});
    LOG_DEBUG("%s: connected (web)", raw->peer().c_str());
    raw->start();
}

void WebPort::stop_all() {
    // Copy first: stopping a connection may remove it from the map from a later callback.
    std::vector<WebConnection*> open;
    open.reserve(impl_->connections.size());
    for (auto& [raw, slot] : impl_->connections) open.push_back(raw);
    for (auto* connection : open) connection->stop();
}

}  // namespace clipshare
