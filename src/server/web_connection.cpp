#include "server/web_connection.hpp"

#include <algorithm>
#include <new>

#include "util/log.hpp"

namespace clipshare {
namespace {

// After the last answer we wait this long for the peer to close first (see connection.cpp:
// closing on unread input would reset the connection and could destroy the answer).
constexpr std::uint64_t linger_ms = 2000;

}  // namespace

WebConnection::WebConnection(WebConnectionOwner& owner, uv_loop_t* loop,
                             std::unique_ptr<Stream> stream, WebSettings settings,
                             Clipboard& clipboard, MemoryBudget* budget, WebTimeouts timeouts,
                             MemoryCharge baseline, WebFiles files)
    : owner_(owner),
      loop_(loop),
      stream_(std::move(stream)),
      session_(std::move(settings), *this, clipboard, budget, stream_->peer(), files),
      timeouts_(timeouts),
      baseline_(std::move(baseline)) {
    stream_->set_handler(this);
    for (auto* timer : {&idle_timer_, &request_timer_}) {
        if (uv_timer_init(loop, timer->get()) == 0) {
            timer->mark_initialized();
            timer->get()->data = this;
        }
    }
    last_progress_ = uv_now(loop_);
}

template <typename Step>
void WebConnection::guarded(Step step) {
    try {
        step();
    } catch (const std::bad_alloc&) {
        LOG_WARN("%s: out of memory: the HTTP connection is dropped", peer().c_str());
        close();
    }
}

void WebConnection::start() {
    note_progress();
    watch_request();
    stream_->read_start();
}

void WebConnection::stop(std::string_view why) {
    if (!why.empty() && !closing_) {
        LOG_WARN("%s: %.*s", peer().c_str(), static_cast<int>(why.size()), why.data());
    }
    close();
}

void WebConnection::note_progress() {
    last_progress_ = uv_now(loop_);
    if (!closing_ && idle_timer_.open()) {
        uv_timer_start(idle_timer_.get(), &WebConnection::on_idle_timer,
                       finishing_ ? std::min(timeouts_.idle_ms, linger_ms) : timeouts_.idle_ms, 0);
    }
}

void WebConnection::watch_request() {
    if (!request_timer_.open()) return;
    // Not before a TLS handshake is done: it has deadlines of its own.
    if (closing_ || finishing_ || !session_.waiting_for_head() || !stream_->established()) {
        uv_timer_stop(request_timer_.get());
        request_epoch_ = 0;
        return;
    }
    if (session_.request_epoch() == request_epoch_) return;  // the same wait: its deadline runs
    request_epoch_ = session_.request_epoch();
    uv_timer_start(request_timer_.get(), &WebConnection::on_request_timer, timeouts_.request_ms, 0);
}

void WebConnection::on_idle_timer(uv_timer_t* timer) {
    auto* self = static_cast<WebConnection*>(timer->data);
    if (self == nullptr) return;
    if (!self->finishing_ && self->session_.waiting_for_daemon()) {
        self->note_progress();  // the clipboard is working for this client
        return;
    }
    if (!self->finishing_) {
        LOG_INFO("%s: HTTP: no progress for %llu s, closing", self->peer().c_str(),
                 static_cast<unsigned long long>(self->timeouts_.idle_ms / 1000));
    }
    self->close();
}

void WebConnection::on_request_timer(uv_timer_t* timer) {
    auto* self = static_cast<WebConnection*>(timer->data);
    if (self == nullptr || self->closing_) return;
    self->guarded([&] { self->session_.on_request_timeout(); });
}

void WebConnection::on_stream_data(std::span<const std::uint8_t> data) {
    if (closing_ || finishing_) return;  // after the last answer, input is drained and dropped
    guarded([&] { session_.feed(data); });
    note_progress();
    watch_request();
}

void WebConnection::on_stream_end(int status) {
    peer_ended_ = true;
    if (status == 0 && !finishing_ && session_.answering()) {
        // A client may end its sending side after a whole request (nc, scripts): it still
        // gets the answer, and the connection ends after it.
        return;
    }
    if (status < 0 || !finishing_) {
        // A client that leaves in the middle of a request has nothing left to be answered.
        close();
        return;
    }
    if (stream_->pending_write_bytes() == 0) close();
}

void WebConnection::on_stream_drained() {
    if (finishing_) {
        if (peer_ended_) {
            close();
        } else {
            note_progress();  // the linger: the peer should close now
        }
        return;
    }
    note_progress();
    guarded([&] { session_.on_output_drained(); });
    if (peer_ended_ && !session_.answering() && stream_->pending_write_bytes() == 0) {
        close();  // answered, and the peer can send no further request
        return;
    }
    watch_request();
}

void WebConnection::on_stream_established() {
    note_progress();
    watch_request();
}

void WebConnection::on_stream_closed() {
    owner_.on_web_connection_closed(*this);
}

void WebConnection::send(std::vector<std::uint8_t> bytes) {
    if (!closing_) stream_->write(std::move(bytes));
}

void WebConnection::resume_input() {
    watch_request();
    if (!closing_) stream_->read_start();
}

void WebConnection::finish() {
    if (closing_ || finishing_) return;
    finishing_ = true;
    watch_request();
    if (peer_ended_ && stream_->pending_write_bytes() == 0) {
        close();
        return;
    }
    stream_->shutdown_write();
    stream_->read_start();  // drain what the peer still sends, until its end
    note_progress();
}

void WebConnection::close() {
    if (closing_) return;
    closing_ = true;
    if (idle_timer_.open()) uv_timer_stop(idle_timer_.get());
    if (request_timer_.open()) uv_timer_stop(request_timer_.get());
    stream_->close();
}

}  // namespace clipshare
