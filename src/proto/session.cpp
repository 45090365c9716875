#include "proto/session.hpp"

#include <string>

#include "proto/batch_committer.hpp"
#include "proto/handlers.hpp"
#include "proto/info.hpp"
#include "proto/wire.hpp"

namespace clipshare {

Session::Session(SessionSettings settings, SessionHost& host, Services services)
    : settings_(std::move(settings)),
      host_(host),
      services_(services),
      negotiation_(settings_.min_version, settings_.max_version),
      held_charge_(services_.budget) {}

Session::~Session() = default;

void Session::feed(std::span<const std::uint8_t> input) {
    if (paused_) {
        // The transport may deliver what it had already read before the pause took hold:
        // one read's worth at most, so it is counted but never refused.
        held_.insert(held_.end(), input.begin(), input.end());
        held_charge_.force_resize(held_.capacity());
        return;
    }
    feed_input(input);
}

std::span<std::uint8_t> Session::read_target() {
    // Only while input goes straight to the handler: bytes held back come first.
    if (phase_ != Phase::in_method || paused_) return {};
    return handler_->read_target();
}

void Session::filled(std::size_t size) {
    if (phase_ != Phase::in_method) return;
    summary_.bytes_in += size;
    if (!handler_->filled(size) && phase_ == Phase::in_method) pause();
}

void Session::pause() {
    paused_ = true;
    host_.pause_input();
}

void Session::send(std::vector<std::uint8_t> message) {
    summary_.bytes_out += message.size();
    host_.send(std::move(message));
}

bool Session::in_request_header() const {
    switch (phase_) {
        case Phase::negotiating:
        case Phase::awaiting_method:
            return true;
        case Phase::in_method:
            return handler_->reading_header();
        case Phase::done:
            return false;
    }
    return false;
}

bool Session::waiting_for_daemon() const {
    return phase_ == Phase::in_method && handler_->waiting_for_daemon();
}

BatchCommitter& Session::commits() {
    if (services_.commits != nullptr) return *services_.commits;
    if (!own_commits_) own_commits_ = std::make_unique<BatchCommitter>(*services_.clipboard);
    return *own_commits_;
}

void Session::feed_input(std::span<const std::uint8_t> input) {
    while (!input.empty() && phase_ != Phase::done) {
        switch (phase_) {
            case Phase::negotiating: {
                auto reply = negotiation_.on_byte(input.front());
                input = input.subspan(1);
                if (!reply.empty()) send(std::move(reply));
                if (negotiation_.state() == Negotiation::State::accepted) {
                    phase_ = Phase::awaiting_method;
                } else if (negotiation_.state() == Negotiation::State::refused) {
                    finish("version " + std::to_string(negotiation_.requested()) + " refused");
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
                summary_.bytes_in += used;
                input = input.subspan(used);
                if (used == 0 && phase_ == Phase::in_method) {
                    // The handler waits for the disk, the clipboard or the socket: keep the
                    // rest and stop reading until it calls resume_input().
                    held_.assign(input.begin(), input.end());
                    held_charge_.force_resize(held_.capacity());
                    pause();
                    return;
                }
                break;
            }
            case Phase::done:
                break;
        }
    }
}

void Session::resume_input() {
    if (!paused_ || phase_ == Phase::done) return;
    paused_ = false;
    if (!held_.empty()) {
        auto held = std::move(held_);
        held_.clear();
        held_charge_.release();
        feed_input(held);
        // Paused again (the handler took part of it), or over.
        if (phase_ == Phase::done || paused_) return;
    }
    host_.resume_input();
    if (peer_end_ == PeerEnd::held) on_peer_end();
}

void Session::on_output_drained() {
    if (phase_ == Phase::in_method) handler_->on_output_drained();
}

void Session::on_peer_end() {
    if (paused_) {
        // Deliver the end only after the input before it.
        peer_end_ = PeerEnd::held;
        return;
    }
    peer_end_ = PeerEnd::delivered;
    if (phase_ == Phase::in_method) {
        handler_->on_peer_end();
    } else if (phase_ != Phase::done) {
        finish();
    }
}

void Session::on_method_byte(std::uint8_t code) {
    auto method = method_in_version(code, version());
    summary_.method = method;
    if (!method) {
        send({wire::unknown_method});
        finish("unknown method " + std::to_string(code) + " in version " +
               std::to_string(version()));
        return;
    }
    if (!method_enabled(*method, settings_.methods)) {
        send({wire::method_not_implemented});
        finish(std::string{"method "} + method_name(*method) + " is disabled");
        return;
    }
    handler_ = make_handler(*method);
    if (!handler_) {
        send({wire::method_not_implemented});
        finish(std::string{"method "} + method_name(*method) + " is not implemented");
        return;
    }
    phase_ = Phase::in_method;
    handler_->start();
}

// The switch below names every method; a new row in method_table needs a case here too.
static_assert(method_table.size() == 9, "give the new method a handler in make_handler");

std::unique_ptr<MethodHandler> Session::make_handler(Method method) {
    if (method == Method::info) return make_info_handler(*this);
    // Everything else works on the clipboard, and most on files too.
    if (services_.clipboard == nullptr || services_.files == nullptr) return nullptr;
    switch (method) {
        case Method::get_text:
            return make_get_text_handler(*this);
        case Method::send_text:
            return make_send_text_handler(*this);
        case Method::get_files:
            return make_get_files_handler(*this);
        case Method::send_files:
            return make_send_files_handler(*this);
        case Method::get_image:
        case Method::get_copied_image:
        case Method::get_screenshot:
            return make_get_image_handler(*this, method);
        case Method::get_any:
            return make_get_any_handler(*this);
        case Method::info:
            break;
    }
    return nullptr;
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
