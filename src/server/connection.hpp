// One client connection: glues a Stream (plain or TLS) to a Session, enforces the idle and
// request-header deadlines, keeps the time of its last progress (what the server looks at
// when it must free a slot), logs one line per exchange, and ends in exactly one close.
#pragma once

#include <uv.h>

#include <cstdint>
#include <memory>

#include "net/stream.hpp"
#include "proto/session.hpp"
#include "util/memory_budget.hpp"
#include "util/uv_handle.hpp"

namespace clipshare {

class ConnectionOwner;

struct ConnectionTimeouts {
    std::uint64_t idle_ms = 30000;    // no progress at all
    std::uint64_t header_ms = 10000;  // one request header, from its first byte's turn
};

class Connection final : public StreamHandler, public SessionHost {
public:
    // `baseline` is the connection's own memory on the daemon's budget, held until it goes.
    Connection(ConnectionOwner& owner, uv_loop_t* loop, std::unique_ptr<Stream> stream,
               SessionSettings settings, Services services, ConnectionTimeouts timeouts,
               MemoryCharge baseline);
    ~Connection();

    void start();
    // The server is stopping, or needs the slot: drop the connection now, saying why.
    void stop(std::string_view why = {});
    const std::string& peer() const { return stream_->peer(); }
    // The loop time (ms) of the last progress the client made; a connection still in a
    // request header made none since that header began, however many bytes trickle in.
    std::uint64_t progress_time() const;
    bool closing() const { return state_ == State::closing; }
    // Its TLS handshake has begun and not ended (Stream::handshake_pending).
    bool handshake_pending() const { return stream_->handshake_pending(); }

    // StreamHandler
    void on_stream_data(std::span<const std::uint8_t> data) override;
    std::span<std::uint8_t> read_target() override;
    void on_stream_filled(std::size_t size) override;
    void on_stream_end(int status) override;
    void on_stream_drained() override;
    void on_stream_room() override;
    void on_stream_closed() override;
    void on_stream_established() override;

    // SessionHost
    void send(std::vector<std::uint8_t> message) override;
    void finish(std::string_view note) override;
    void abort(std::string_view why) override;
    void pause_input() override { stream_->read_stop(); }
    void resume_input() override;
    std::size_t pending_output() const override { return stream_->pending_write_bytes(); }
    std::size_t write_ahead() const override { return stream_->write_ahead(); }

private:
    enum class State {
        active,     // the session is running
        finishing,  // the session is done: flushing, then waiting for the peer's end
        closing,    // close() called, waiting for on_stream_closed
    };

    void close();
    void arm_timer(std::uint64_t timeout_ms);
    void note_progress();
    // After anything the session did: (re)arms the header deadline for a new header.
    void watch_header();
    void log_exchange(std::string_view outcome, bool failed);
    // Runs `step` on the session; an allocation failure ends this connection, not the daemon.
    template <typename Step>
    void guarded(Step step);
    static void on_timer(uv_timer_t* timer);
    static void on_header_timer(uv_timer_t* timer);

    ConnectionOwner& owner_;
    uv_loop_t* loop_;
    std::unique_ptr<Stream> stream_;
    Session session_;
    UvHandle<uv_timer_t> timer_;
    UvHandle<uv_timer_t> header_timer_;
    ConnectionTimeouts timeouts_;
    MemoryCharge baseline_;
    State state_ = State::active;
    bool peer_ended_ = false;
    bool logged_ = false;
    std::uint64_t last_progress_ = 0;
    std::uint64_t header_epoch_ = 0;    // the header the deadline is armed for
    std::uint64_t header_started_ = 0;  // loop time it began
};

class ConnectionOwner {
public:
    // The connection is closed; the owner destroys it.
    virtual void on_connection_closed(Connection& connection) = 0;

protected:
    ~ConnectionOwner() = default;
};

}  // namespace clipshare
