// One browser (or curl) connection's requests, one at a time: parses each with
// HttpRequestParser, routes it, answers from the clipboard. The host (server/WebConnection)
// owns the stream and the timers; nothing here does I/O or knows libuv.
//
// Routes: GET / (the page), GET /api/text, PUT /api/text. Every error answer closes the
// connection: after a refused request the rest of the stream can no longer be trusted to
// start at a request boundary.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "clipboard/clipboard.hpp"
#include "util/callback_guard.hpp"
#include "util/memory_budget.hpp"
#include "web/http_request_parser.hpp"
#include "web/http_response.hpp"

namespace clipshare {

struct WebSettings {
    HttpLimits http;
    std::size_t max_text_length = 4194304;
};

class WebHost {
public:
    virtual void send(std::vector<std::uint8_t> bytes) = 0;
    // The last response is queued: close once it is out.
    virtual void finish() = 0;
    virtual void pause_input() = 0;
    virtual void resume_input() = 0;
    virtual std::size_t pending_output() const = 0;

protected:
    ~WebHost() = default;
};

class WebSession final : private HttpRequestHandler {
public:
    WebSession(WebSettings settings, WebHost& host, Clipboard& clipboard, MemoryBudget* budget,
               std::string peer);

    void feed(std::span<const std::uint8_t> data);
    void on_output_drained();
    // The request deadline passed with its head incomplete: 408 if anything of it arrived,
    // else (a kept-alive connection nobody uses) just the close.
    void on_request_timeout();

    // Waiting for a request's head (its deadline runs): a new wait has a new epoch.
    bool waiting_for_head() const { return state_ == State::reading && parser_.in_head(); }
    std::uint64_t request_epoch() const { return epoch_; }
    // The clipboard is working for this client: not its idleness.
    bool waiting_for_daemon() const { return waiting_; }
    bool done() const { return state_ == State::closing; }
    // A whole request is in and its answer not yet all queued.
    bool answering() const { return state_ == State::responding; }

private:
    enum class State { reading, responding, closing };

    // HttpRequestHandler
    std::optional<HttpError> on_request_head(HttpRequestHead head) override;
    std::optional<HttpError> on_request_body(std::span<const std::uint8_t> piece) override;
    void on_request_end() override;

    void parse(std::span<const std::uint8_t> data);
    void hold(std::span<const std::uint8_t> data);
    // An error answer, logged with the peer; the connection closes after it.
    void refuse(const HttpError& error);
    // `csp`: the Content-Security-Policy, empty for the strict default (the page relaxes it).
    void respond(int status, std::string_view content_type, SharedBytes body,
                 std::string_view csp = {});
    void send_body();
    void response_done();
    void log_request(int status, std::size_t bytes_out);

    void get_text();
    void put_text();

    WebSettings settings_;
    WebHost& host_;
    Clipboard& clipboard_;
    MemoryBudget* budget_;
    std::string peer_;
    HttpRequestParser parser_;
    State state_ = State::reading;
    std::uint64_t epoch_ = 1;
    bool waiting_ = false;
    // The request being served.
    std::string method_;
    std::string path_;
    bool keep_alive_ = false;
    bool put_text_ = false;  // its body is the new clipboard text
    std::string body_;
    MemoryCharge body_charge_;
    // Bytes of the next request that came with this one; fed once it is answered.
    std::vector<std::uint8_t> held_;
    MemoryCharge held_charge_;
    // The response body being sent in pieces as the stream drains.
    SharedBytes out_body_;
    std::size_t out_offset_ = 0;
    MemoryCharge out_charge_;
    CallbackGuard guard_;
};

}  // namespace clipshare
