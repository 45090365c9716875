// One HTTP connection on the web port: glues a Stream (plain or TLS) to a WebSession, runs
// the request deadline (each request's head, and the wait for the next request on a
// kept-alive connection) and the idle deadline (no progress while a body or an answer
// moves), and ends in exactly one close.
#pragma once

#include <uv.h>

#include <cstdint>
#include <memory>

#include "net/stream.hpp"
#include "util/memory_budget.hpp"
#include "util/uv_handle.hpp"
#include "web/web_session.hpp"

namespace clipshare {

class WebConnection;

class WebConnectionOwner {
public:
    virtual void on_web_connection_closed(WebConnection& connection) = 0;

protected:
    ~WebConnectionOwner() = default;
};

struct WebTimeouts {
    std::uint64_t request_ms = 10000;
    std::uint64_t idle_ms = 30000;
};

class WebConnection final : public StreamHandler, public WebHost {
public:
    WebConnection(WebConnectionOwner& owner, uv_loop_t* loop, std::unique_ptr<Stream> stream,
                  WebSettings settings, Clipboard& clipboard, MemoryBudget* budget,
                  WebTimeouts timeouts, MemoryCharge baseline, WebFiles files = {});

    void start();
    void stop(std::string_view why = {});
    const std::string& peer() const { return stream_->peer(); }
    std::uint64_t progress_time() const { return last_progress_; }
    bool closing() const { return closing_; }
    bool handshake_pending() const { return stream_->handshake_pending(); }

    // StreamHandler
    void on_stream_data(std::span<const std::uint8_t> data) override;
    void on_stream_end(int status) override;
    void on_stream_drained() override;
    void on_stream_closed() override;
    void on_stream_established() override;

    // WebHost
    void send(std::vector<std::uint8_t> bytes) override;
    void finish() override;
    void pause_input() override { stream_->read_stop(); }
    void resume_input() override;
    std::size_t pending_output() const override { return stream_->pending_write_bytes(); }

private:
    void close();
    void note_progress();
    void watch_request();
    template <typename Step>
    void guarded(Step step);
    static void on_idle_timer(uv_timer_t* timer);
    static void on_request_timer(uv_timer_t* timer);

    WebConnectionOwner& owner_;
    uv_loop_t* loop_;
    std::unique_ptr<Stream> stream_;
    WebSession session_;
    UvHandle<uv_timer_t> idle_timer_;
    UvHandle<uv_timer_t> request_timer_;
    WebTimeouts timeouts_;
    MemoryCharge baseline_;
    bool closing_ = false;
    bool finishing_ = false;
    bool peer_ended_ = false;
    std::uint64_t last_progress_ = 0;
    std::uint64_t request_epoch_ = 0;  // the wait the request deadline is armed for
};

}  // namespace clipshare
