#include "server/connection.hpp"

#include <algorithm>
#include <string>

#include "util/log.hpp"

namespace clipshare {
namespace {

// After our last byte we wait this long for the peer to close first. Closing while the peer
// still has unread bytes on its way would make our kernel answer with a reset, which can
// destroy the reply before the client has read it.
constexpr std::uint64_t linger_ms = 2000;

}  // namespace

Connection::Connection(ConnectionOwner& owner, uv_loop_t* loop, std::unique_ptr<Stream> stream,
                       SessionSettings settings, Services services,
                       std::uint64_t idle_timeout_ms)
    : owner_(owner),
      stream_(std::move(stream)),
      session_(std::move(settings), *this, services),
      idle_timeout_ms_(idle_timeout_ms) {
    stream_->set_handler(this);
    if (uv_timer_init(loop, timer_.get()) == 0) {
        timer_.mark_initialized();
        timer_.get()->data = this;
    }
}

Connection::~Connection() = default;

void Connection::start() {
    arm_timer(idle_timeout_ms_);
    stream_->read_start();
}

void Connection::stop() { close(); }

void Connection::arm_timer(std::uint64_t timeout_ms) {
    if (timer_.open() && timer_.get()->data != nullptr) {
        uv_timer_start(timer_.get(), &Connection::on_timer, timeout_ms, 0);
    }
}

void Connection::on_timer(uv_timer_t* timer) {
    auto* self = static_cast<Connection*>(timer->data);
    if (self == nullptr) return;
    if (self->state_ == State::active) {
        LOG_INFO("%s: no progress for %llu s, closing", self->peer().c_str(),
                 static_cast<unsigned long long>(self->idle_timeout_ms_ / 1000));
    }
    self->close();
}

void Connection::on_stream_data(std::span<const std::uint8_t> data) {
    if (state_ != State::active) return;  // after the exchange, input is drained and dropped
    arm_timer(idle_timeout_ms_);
    session_.feed(data);
}

void Connection::on_stream_end(int status) {
    peer_ended_ = true;
    if (status < 0) {
        if (state_ == State::active) {
            LOG_INFO("%s: connection lost: %s", peer().c_str(), uv_strerror(status));
        }
        close();
        return;
    }
    if (state_ == State::active) session_.on_peer_end();
    if (state_ == State::finishing && stream_->pending_write_bytes() == 0) close();
}

void Connection::resume_input() {
    // Waiting for the disk is progress of a kind: the client is not to blame for it.
    if (state_ == State::active) arm_timer(idle_timeout_ms_);
    stream_->read_start();
}

void Connection::on_stream_drained() {
    if (state_ == State::active) {
        arm_timer(idle_timeout_ms_);
        session_.on_output_drained();
    } else if (state_ == State::finishing) {
        if (peer_ended_) {
            close();
        } else {
            arm_timer(std::min(idle_timeout_ms_, linger_ms));
        }
    }
}

void Connection::on_stream_closed() { owner_.on_connection_closed(*this); }

void Connection::send(std::vector<std::uint8_t> message) {
    if (state_ != State::closing) stream_->write(std::move(message));
}

void Connection::finish(std::string_view note) {
    if (state_ != State::active) return;
    if (!note.empty()) LOG_INFO("%s: %.*s", peer().c_str(), static_cast<int>(note.size()), note.data());
    state_ = State::finishing;
    if (peer_ended_ && stream_->pending_write_bytes() == 0) {
        close();
        return;
    }
    stream_->shutdown_write();
    stream_->read_start();  // drain whatever the peer still sends, until its end
    // While the reply is still draining, a slow reader is making progress: only once it is
    // all out does the shorter linger apply.
    bool draining = stream_->pending_write_bytes() > 0;
    arm_timer(draining ? idle_timeout_ms_ : std::min(idle_timeout_ms_, linger_ms));
}

void Connection::abort(std::string_view why) {
    if (state_ == State::closing) return;
    LOG_WARN("%s: %.*s", peer().c_str(), static_cast<int>(why.size()), why.data());
    close();
}

void Connection::close() {
    if (state_ == State::closing) return;
    state_ = State::closing;
    if (timer_.open()) uv_timer_stop(timer_.get());
    stream_->close();
}

}  // namespace clipshare
