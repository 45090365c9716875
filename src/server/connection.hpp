// One client connection: glues a Stream (plain or TLS) to a Session, enforces the idle
// timeout, and ends in exactly one close.
#pragma once

#include <uv.h>

#include <cstdint>
#include <memory>

#include "net/stream.hpp"
#include "net/uv_handle.hpp"
#include "proto/session.hpp"

namespace clipshare {

class ConnectionOwner;

class Connection final : public StreamHandler, public SessionHost {
public:
    Connection(ConnectionOwner& owner, uv_loop_t* loop, std::unique_ptr<Stream> stream,
               SessionSettings settings, Services services, std::uint64_t idle_timeout_ms);
    ~Connection();

    void start();
    // The server is stopping: drop the connection now.
    void stop();
    const std::string& peer() const { return stream_->peer(); }

    // StreamHandler
    void on_stream_data(std::span<const std::uint8_t> data) override;
    void on_stream_end(int status) override;
    void on_stream_drained() override;
    void on_stream_closed() override;

    // SessionHost
    void send(std::vector<std::uint8_t> message) override;
    void finish(std::string_view note) override;
    void abort(std::string_view why) override;
    void pause_input() override { stream_->read_stop(); }
    void resume_input() override;
    std::size_t pending_output() const override { return stream_->pending_write_bytes(); }

private:
    enum class State {
        active,     // the session is running
        finishing,  // the session is done: flushing, then waiting for the peer's end
        closing,    // close() called, waiting for on_stream_closed
    };

    void close();
    void arm_timer(std::uint64_t timeout_ms);
    static void on_timer(uv_timer_t* timer);

    ConnectionOwner& owner_;
    std::unique_ptr<Stream> stream_;
    Session session_;
    UvHandle<uv_timer_t> timer_;
    std::uint64_t idle_timeout_ms_;
    State state_ = State::active;
    bool peer_ended_ = false;
};

class ConnectionOwner {
public:
    // The connection is closed; the owner destroys it.
    virtual void on_connection_closed(Connection& connection) = 0;

protected:
    ~ConnectionOwner() = default;
};

}  // namespace clipshare
