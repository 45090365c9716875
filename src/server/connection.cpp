#include "server/connection.hpp"

#include <algorithm>
#include <new>
#include <string>

#include "util/log.hpp"

namespace clipshare {
namespace {

// After our last byte we wait this long for the peer to close first. Closing while the peer
// still has unread bytes on its way would make our kernel answer with a reset, which can
// destroy the reply before the client has read it.
constexpr std::uint64_t linger_ms = 2000;
// The daemon's own work (the disk, a desktop command) never counts as the client's idleness,
// but a wait this many idle timeouts long means something is stuck: the connection goes.
constexpr std::uint64_t daemon_wait_limit = 20;

}  // namespace

Connection::Connection(ConnectionOwner& owner, uv_loop_t* loop, std::unique_ptr<Stream> stream,
                       SessionSettings settings, Services services, ConnectionTimeouts timeouts,
                       MemoryCharge baseline)
    : owner_(owner),
      loop_(loop),
      stream_(std::move(stream)),
      session_(std::move(settings), *this, services),
      timeouts_(timeouts),
      baseline_(std::move(baseline)) {
    stream_->set_handler(this);
    for (auto* timer : {&timer_, &header_timer_}) {
        if (uv_timer_init(loop, timer->get()) == 0) {
            timer->mark_initialized();
            timer->get()->data = this;
        }
    }
    last_progress_ = uv_now(loop_);
    header_started_ = last_progress_;
}

Connection::~Connection() = default;

template <typename Step>
void Connection::guarded(Step step) {
    try {
        step();
    } catch (const std::bad_alloc&) {
        // Out of memory for this exchange: it ends, the daemon goes on.
        abort("out of memory: the exchange is dropped");
    }
}

void Connection::start() {
    arm_timer(timeouts_.idle_ms);
    watch_header();
    stream_->read_start();
}

void Connection::stop(std::string_view why) {
    if (!why.empty() && state_ != State::closing) {
        LOG_WARN("%s: %.*s", peer().c_str(), static_cast<int>(why.size()), why.data());
        logged_ = true;
    }
    close();
}

std::uint64_t Connection::progress_time() const {
    if (state_ == State::active && session_.in_request_header()) return header_started_;
    return last_progress_;
}

void Connection::arm_timer(std::uint64_t timeout_ms) {
    if (timer_.open() && timer_.get()->data != nullptr) {
        uv_timer_start(timer_.get(), &Connection::on_timer, timeout_ms, 0);
    }
}

void Connection::note_progress() {
    last_progress_ = uv_now(loop_);
    if (state_ == State::active) arm_timer(timeouts_.idle_ms);
}

void Connection::watch_header() {
    if (!header_timer_.open()) return;
    // No request can begin before a TLS handshake is done, however long a burst of them makes
    // it wait (the handshake has deadlines of its own).
    if (state_ != State::active || !session_.in_request_header() || !stream_->established()) {
        uv_timer_stop(header_timer_.get());
        return;
    }
    if (session_.header_epoch() == header_epoch_) return;  // the same header: its deadline runs
    header_epoch_ = session_.header_epoch();
    header_started_ = uv_now(loop_);
    uv_timer_start(header_timer_.get(), &Connection::on_header_timer, timeouts_.header_ms, 0);
}

void Connection::on_timer(uv_timer_t* timer) {
    auto* self = static_cast<Connection*>(timer->data);
    if (self == nullptr) return;
    if (self->state_ == State::active && self->session_.waiting_for_daemon() &&
        uv_now(self->loop_) - self->last_progress_ < daemon_wait_limit * self->timeouts_.idle_ms) {
        // The daemon is working for this client (the disk, a command): not its idleness.
        self->arm_timer(self->timeouts_.idle_ms);
        return;
    }
    if (self->state_ == State::active) {
        self->log_exchange(
            "no progress for " + std::to_string(self->timeouts_.idle_ms / 1000) + " s, closing",
            false);
    }
    self->close();
}

void Connection::on_header_timer(uv_timer_t* timer) {
    auto* self = static_cast<Connection*>(timer->data);
    if (self == nullptr || self->state_ != State::active) return;
    if (!self->session_.in_request_header()) return;
    if (self->session_.header_epoch() != self->header_epoch_) {
        // Another header began while the session was fed from held input: its own deadline.
        self->watch_header();
        return;
    }
    if (self->session_.waiting_for_daemon()) {
        uv_timer_start(timer, &Connection::on_header_timer, self->timeouts_.header_ms, 0);
        return;
    }
    self->abort("the request header did not arrive within " +
                std::to_string(self->timeouts_.header_ms / 1000) + " s");
}

void Connection::on_stream_data(std::span<const std::uint8_t> data) {
    if (state_ != State::active) return;  // after the exchange, input is drained and dropped
    // Bytes inside a request header are not progress: a client trickling a header byte by
    // byte holds its slot only until the header deadline.
    bool header_before = session_.in_request_header();
    auto epoch_before = session_.header_epoch();
    guarded([&] { session_.feed(data); });
    if (!header_before || !session_.in_request_header() ||
        session_.header_epoch() != epoch_before) {
        note_progress();
    } else if (state_ == State::active) {
        arm_timer(timeouts_.idle_ms);  // still alive, but no progress in the ranking
    }
    watch_header();
}

std::span<std::uint8_t> Connection::read_target() {
    // Not guarded: a shortage here must not close the stream under libuv's read. The stream
    // falls back to its own buffer, and on_stream_data meets the shortage again.
    if (state_ != State::active) return {};
    return session_.read_target();
}

void Connection::on_stream_filled(std::size_t size) {
    // Only a session that lent the buffer gets here, and only content (never a header) is
    // read in place: it is always progress.
    if (state_ != State::active) return;
    guarded([&] { session_.filled(size); });
    note_progress();
    watch_header();
}

void Connection::on_stream_end(int status) {
    peer_ended_ = true;
    if (status < 0) {
        if (state_ == State::active) {
            log_exchange(std::string{"connection lost: "} + uv_strerror(status), false);
        }
        close();
        return;
    }
    if (state_ == State::active) guarded([&] { session_.on_peer_end(); });
    if (state_ == State::finishing && stream_->pending_write_bytes() == 0) close();
}

void Connection::resume_input() {
    // Waiting for the disk is progress of a kind: the client is not to blame for it.
    if (state_ == State::active) note_progress();
    // Held input was fed before this call: a new header may have begun.
    watch_header();
    stream_->read_start();
}

void Connection::on_stream_drained() {
    if (state_ == State::active) {
        note_progress();
        guarded([&] { session_.on_output_drained(); });
        watch_header();
    } else if (state_ == State::finishing) {
        last_progress_ = uv_now(loop_);
        if (peer_ended_) {
            close();
        } else {
            arm_timer(std::min(timeouts_.idle_ms, linger_ms));
        }
    }
}

void Connection::on_stream_room() {
    // Producers look at pending_output again; nothing is finished by it.
    if (state_ != State::active) return;
    note_progress();
    guarded([&] { session_.on_output_drained(); });
}

void Connection::on_stream_established() {
    // A handshake done is progress, and the first request header's deadline starts now.
    if (state_ != State::active) return;
    note_progress();
    watch_header();
}

void Connection::on_stream_closed() {
    owner_.on_connection_closed(*this);
}

void Connection::send(std::vector<std::uint8_t> message) {
    if (state_ != State::closing) stream_->write(std::move(message));
}

void Connection::log_exchange(std::string_view outcome, bool failed) {
    if (logged_) return;
    logged_ = true;
    const auto& summary = session_.summary();
    std::string line;
    if (summary.method) {
        line =
            std::string{method_name(*summary.method)} + " v" + std::to_string(session_.version());
        if (summary.entries >= 0) line += ", " + std::to_string(summary.entries) + " entries";
        if (summary.bytes_in > 0) line += ", " + std::to_string(summary.bytes_in) + " bytes in";
        line += ", " + std::to_string(summary.bytes_out) + " bytes out";
        line += outcome.empty() ? std::string{": done"} : ": " + std::string{outcome};
    } else {
        line = outcome;
        if (line.empty()) return;  // connected and left: nothing happened worth a line
    }
    if (failed) {
        LOG_WARN("%s: %s", peer().c_str(), line.c_str());
    } else if (summary.method && *summary.method == Method::info && outcome.empty()) {
        // Every app's LAN scan asks for Info: only worth a line when debugging.
        LOG_DEBUG("%s: %s", peer().c_str(), line.c_str());
    } else {
        LOG_INFO("%s: %s", peer().c_str(), line.c_str());
    }
}

void Connection::finish(std::string_view note) {
    if (state_ != State::active) return;
    log_exchange(note, false);
    state_ = State::finishing;
    watch_header();
    if (peer_ended_ && stream_->pending_write_bytes() == 0) {
        close();
        return;
    }
    stream_->shutdown_write();
    stream_->read_start();  // drain whatever the peer still sends, until its end
    // While the reply is still draining, a slow reader is making progress: only once it is
    // all out does the shorter linger apply.
    bool draining = stream_->pending_write_bytes() > 0;
    arm_timer(draining ? timeouts_.idle_ms : std::min(timeouts_.idle_ms, linger_ms));
}

void Connection::abort(std::string_view why) {
    if (state_ == State::closing) return;
    if (state_ == State::active) log_exchange(why, true);
    close();
}

void Connection::close() {
    if (state_ == State::closing) return;
    state_ = State::closing;
    if (timer_.open()) uv_timer_stop(timer_.get());
    if (header_timer_.open()) uv_timer_stop(header_timer_.get());
    stream_->close();
}

}  // namespace clipshare
