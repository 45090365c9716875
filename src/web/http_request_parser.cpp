#include "web/http_request_parser.hpp"

#include <http_parser.h>

namespace clipshare {
namespace {

// What http_parser's own errors mean for the client.
HttpError error_from(const http_parser& parser) {
    auto code = static_cast<http_errno>(parser.http_errno);
    int status = code == HPE_HEADER_OVERFLOW ? 431 : 400;
    return {status, std::string{"malformed request: "} + http_errno_description(code)};
}

}  // namespace

// The C parser and its callbacks, which reach the C++ object through parser.data.
struct HttpRequestParser::Impl {
    http_parser parser{};

    static HttpRequestParser& self(http_parser* parser) {
        return *static_cast<HttpRequestParser*>(parser->data);
    }
    // Stops the parse with `error` (a non-zero return makes http_parser stop).
    static int fail(HttpRequestParser& owner, int status, std::string reason) {
        if (!owner.error_) owner.error_ = HttpError{status, std::move(reason)};
        return -1;
    }
    // Whatever is kept of the head counts against the header limit, so the memory it takes
    // is bounded however the bytes are split.
    static std::size_t kept(const HttpRequestParser& owner) {
        std::size_t total = owner.head_.target.size();
        for (const auto& [field, value] : owner.head_.headers) total += field.size() + value.size();
        return total;
    }

    static int on_message_begin(http_parser* parser) {
        self(parser).started_ = true;
        return 0;
    }
    static int on_url(http_parser* parser, const char* at, std::size_t length) {
        auto& owner = self(parser);
        if (owner.head_.target.size() + length > owner.limits_.max_header_bytes) {
            return fail(owner, 414, "request target longer than max_header_bytes");
        }
        owner.head_.target.append(at, length);
        return 0;
    }
    static int on_header_field(http_parser* parser, const char* at, std::size_t length) {
        auto& owner = self(parser);
        if (owner.in_value_ || owner.head_.headers.empty()) {
            if (owner.head_.headers.size() >= owner.limits_.max_headers) {
                return fail(owner, 431,
                            "more than " + std::to_string(owner.limits_.max_headers) + " headers");
            }
            owner.head_.headers.emplace_back();
            owner.in_value_ = false;
        }
        if (kept(owner) + length > owner.limits_.max_header_bytes) {
            return fail(owner, 431, "request headers larger than max_header_bytes");
        }
        owner.head_.headers.back().first.append(at, length);
        return 0;
    }
    static int on_header_value(http_parser* parser, const char* at, std::size_t length) {
        auto& owner = self(parser);
        owner.in_value_ = true;
        if (kept(owner) + length > owner.limits_.max_header_bytes) {
            return fail(owner, 431, "request headers larger than max_header_bytes");
        }
        owner.head_.headers.back().second.append(at, length);
        return 0;
    }
    static int on_headers_complete(http_parser* parser) {
        auto& owner = self(parser);
        if (parser->upgrade != 0) return fail(owner, 400, "protocol upgrades are not served");
        if (parser->http_major != 1) return fail(owner, 505, "only HTTP/1.x is served");
        auto& head = owner.head_;
        head.method = http_method_str(static_cast<http_method>(parser->method));
        head.chunked = (parser->flags & F_CHUNKED) != 0;
        if ((parser->flags & F_CONTENTLENGTH) != 0) head.content_length = parser->content_length;
        head.keep_alive = http_should_keep_alive(parser) != 0;
        owner.head_done_ = true;
        // The caller hands the head over once http_parser has returned (see feed).
        http_parser_pause(parser, 1);
        return 0;
    }
    static int on_body(http_parser* parser, const char* at, std::size_t length) {
        auto& owner = self(parser);
        auto error =
            owner.handler_.on_request_body({reinterpret_cast<const std::uint8_t*>(at), length});
        if (error) return fail(owner, error->status, std::move(error->reason));
        return 0;
    }
    static int on_message_complete(http_parser* parser) {
        auto& owner = self(parser);
        owner.complete_ = true;
        // One request at a time: what follows waits until the answer is out.
        http_parser_pause(parser, 1);
        return 0;
    }

    static const http_parser_settings& settings() {
        static const http_parser_settings table = [] {
            http_parser_settings s{};
            http_parser_settings_init(&s);
            s.on_message_begin = &on_message_begin;
            s.on_url = &on_url;
            s.on_header_field = &on_header_field;
            s.on_header_value = &on_header_value;
            s.on_headers_complete = &on_headers_complete;
            s.on_body = &on_body;
            s.on_message_complete = &on_message_complete;
            return s;
        }();
        return table;
    }
};

HttpRequestParser::HttpRequestParser(HttpLimits limits, HttpRequestHandler& handler)
    : limits_(limits), handler_(handler), impl_(std::make_unique<Impl>()) {
    reset();
}

HttpRequestParser::~HttpRequestParser() = default;

void HttpRequestParser::reset() {
    http_parser_init(&impl_->parser, HTTP_REQUEST);
    impl_->parser.data = this;
    head_ = {};
    error_.reset();
    head_bytes_ = 0;
    started_ = false;
    head_done_ = false;
    complete_ = false;
    in_value_ = false;
}

HttpRequestParser::Result HttpRequestParser::feed(std::span<const std::uint8_t> input) {
    Result result;
    auto& parser = impl_->parser;
    while (!error_ && !complete_ && result.consumed < input.size()) {
        bool in_head = !head_done_;
        auto rest = input.subspan(result.consumed);
        std::size_t used = http_parser_execute(
            &parser, &Impl::settings(), reinterpret_cast<const char*>(rest.data()), rest.size());
        result.consumed += used;
        if (in_head) {
            // The head as received (spaces and line ends too), up to where it ended.
            head_bytes_ += used;
            if (!error_ && head_bytes_ > limits_.max_header_bytes) {
                // Still in the request line: it is the target that is too long.
                error_ = head_.headers.empty()
                             ? HttpError{414, "request line longer than max_header_bytes"}
                             : HttpError{431, "request head larger than max_header_bytes"};
            }
        }
        auto code = static_cast<http_errno>(parser.http_errno);
        if (error_) break;
        if (code == HPE_PAUSED) {
            http_parser_pause(&parser, 0);
            if (head_done_ && in_head) {
                if (auto error = handler_.on_request_head(std::move(head_))) {
                    error_ = std::move(error);
                    break;
                }
                head_ = {};
            }
            if (complete_) handler_.on_request_end();
            continue;
        }
        if (code != HPE_OK) {
            error_ = error_from(parser);
            break;
        }
        if (used < rest.size()) {
            error_ = HttpError{400, "malformed request"};  // stopped without saying why
            break;
        }
    }
    result.error = error_;
    return result;
}

}  // namespace clipshare
