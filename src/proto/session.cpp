#include "proto/session.hpp"

#include <string>

#include "proto/info.hpp"
#include "proto/wire.hpp"

namespace clipshare {

SessionSettings SessionSettings::from(const Config& config) {
    SessionSettings settings;
    settings.min_version = config.protocol.min_version;
    settings.max_version = config.protocol.max_version;
    settings.methods = config.methods;
    settings.limits = config.limits;
    settings.info_name = config.server.info_name;
    return settings;
}

Session::Session(SessionSettings settings, SessionHost& host)
    : settings_(std::move(settings)),
      host_(host),
      negotiation_(settings_.min_version, settings_.max_version) {}

Session::~Session() = default;

void Session::feed(std::span<const std::uint8_t> input) {
    while (!input.empty() && phase_ != Phase::done) {
        switch (phase_) {
            case Phase::negotiating: {
                auto reply = negotiation_.on_byte(input.front());
                input = input.subspan(1);
                if (!reply.empty()) host_.send(std::move(reply));
                if (negotiation_.state() == Negotiation::State::accepted) {
                    phase_ = Phase::awaiting_method;
                } else if (negotiation_.state() == Negotiation::State::refused) {
                    finish("version " + std::to_string(negotiation_.requested()) +
                           " refused");
                }
                break;
            }
            case Phase::awaiting_method: {
                std::uint8_t code = input.front();
                input = input.subspan(1);
                on_method_byte(code);
                break;
            }
            case Phase::in_method: {
                std::size_t used = handler_->feed(input);
                // A handler that takes nothing is waiting for something other than input
                // (or is done); the rest stays unread until it asks again.
                if (used == 0) return;
                input = input.subspan(used);
                break;
            }
            case Phase::done:
                break;
        }
    }
}

void Session::on_peer_end() {
    if (phase_ == Phase::in_method) {
        handler_->on_peer_end();
    } else if (phase_ != Phase::done) {
        finish();
    }
}

void Session::on_method_byte(std::uint8_t code) {
    auto method = method_in_version(code, version());
    if (!method) {
        host_.send({wire::unknown_method});
        finish("unknown method " + std::to_string(code) + " in version " +
               std::to_string(version()));
        return;
    }
    if (!method_enabled(*method, settings_.methods)) {
        host_.send({wire::method_not_implemented});
        finish(std::string{"method "} + method_name(*method) + " is disabled");
        return;
    }
    handler_ = make_handler(*method);
    if (!handler_) {
        host_.send({wire::method_not_implemented});
        finish(std::string{"method "} + method_name(*method) + " is not implemented");
        return;
    }
    phase_ = Phase::in_method;
    handler_->start();
}

std::unique_ptr<MethodHandler> Session::make_handler(Method method) {
    switch (method) {
        case Method::info: return make_info_handler(*this);
        default: return nullptr;
    }
}

void Session::finish(std::string_view note) {
    if (phase_ == Phase::done) return;
    phase_ = Phase::done;
    host_.finish(note);
}

void Session::abort(std::string_view why) {
    if (phase_ == Phase::done) return;
    phase_ = Phase::done;
    host_.abort(why);
}

}  // namespace clipshare
