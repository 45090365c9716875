// One HTTP/1.1 request at a time, parsed by http_parser (Debian's libhttp-parser) into a
// bounded head (method, target, headers) and a body handed over in pieces as it arrives.
// Nothing is ever allocated from a length the peer declares: the head is capped by
// HttpLimits, the body is the handler's to keep or refuse. No I/O, no libuv.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace clipshare {

struct HttpLimits {
    std::size_t max_header_bytes = 8 * 1024;  // request line and headers, as received
    std::size_t max_headers = 64;
};

struct HttpRequestHead {
    std::string method;  // "GET", "PUT", ...
    std::string target;  // as sent: "/api/text?x=1"
    std::vector<std::pair<std::string, std::string>> headers;
    // Set when the request declared one; a chunked body has none.
    std::optional<std::uint64_t> content_length;
    bool chunked = false;
    bool keep_alive = false;  // HTTP/1.1 without "Connection: close", or 1.0 with keep-alive

    bool has_body() const { return chunked || content_length.value_or(0) > 0; }
    // The path of the target, without its query.
    std::string_view path() const;
    // The first header of that name (case-insensitive), if any.
    std::optional<std::string_view> header(std::string_view name) const;
};

// What the parser found wrong: the status to answer with and a line for the log.
struct HttpError {
    int status = 400;
    std::string reason;
};

class HttpRequestHandler {
public:
    // The whole head has arrived. Returning an error stops the parse with it.
    virtual std::optional<HttpError> on_request_head(HttpRequestHead head) = 0;
    // A piece of the body (decoded when chunked).
    virtual std::optional<HttpError> on_request_body(std::span<const std::uint8_t> piece) = 0;
    // The request is complete; the parser takes no more bytes until reset().
    virtual void on_request_end() = 0;

protected:
    ~HttpRequestHandler() = default;
};

class HttpRequestParser {
public:
    HttpRequestParser(HttpLimits limits, HttpRequestHandler& handler);
    ~HttpRequestParser();
    HttpRequestParser(const HttpRequestParser&) = delete;
    HttpRequestParser& operator=(const HttpRequestParser&) = delete;

    struct Result {
        std::size_t consumed = 0;  // bytes used; the rest belong to the next request
        std::optional<HttpError> error;
    };
    // Parses what `input` holds of the current request. After an error, or once the request
    // is complete (on_request_end), it consumes nothing more until reset().
    Result feed(std::span<const std::uint8_t> input);
    // Ready for the next request on the same connection.
    void reset();

    // Some bytes of a request have arrived, and it is not complete yet.
    bool in_request() const { return started_ && !complete_; }
    // The head is still arriving (or nothing of the request yet).
    bool in_head() const { return !head_done_; }
    bool complete() const { return complete_; }

private:
    struct Impl;
    friend struct Impl;

    HttpLimits limits_;
    HttpRequestHandler& handler_;
    std::unique_ptr<Impl> impl_;
    HttpRequestHead head_;
    std::optional<HttpError> error_;
    std::size_t head_bytes_ = 0;  // of the current request's head, as received
    bool started_ = false;
    bool head_done_ = false;
    bool complete_ = false;
    bool in_value_ = false;  // the last header piece was a value
};

}  // namespace clipshare
