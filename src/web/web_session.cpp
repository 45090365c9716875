#include "web/web_session.hpp"

#include <algorithm>

#include "util/line_ends.hpp"
#include "util/log.hpp"
#include "util/utf8.hpp"
#include "web/page.hpp"

namespace clipshare {
namespace {

// A response body goes out in pieces of this size, the next once the stream has drained.
constexpr std::size_t kPiece = 64 * 1024;
constexpr std::string_view kTextType = "text/plain; charset=utf-8";

}  // namespace

WebSession::WebSession(WebSettings settings, WebHost& host, Clipboard& clipboard,
                       MemoryBudget* budget, std::string peer)
    : settings_(settings),
      host_(host),
      clipboard_(clipboard),
      budget_(budget),
      peer_(std::move(peer)),
      parser_(settings.http, *this),
      body_charge_(budget),
      held_charge_(budget),
      out_charge_(budget),
      guard_([this] {
          refuse({500, "out of memory"});
      }) {}

void WebSession::feed(std::span<const std::uint8_t> data) {
    if (state_ == State::closing) return;  // after the last answer, input is dropped
    if (state_ == State::responding || !held_.empty()) {
        hold(data);
        return;
    }
    parse(data);
}

void WebSession::parse(std::span<const std::uint8_t> data) {
    auto result = parser_.feed(data);
    if (result.error) {
        refuse(*result.error);
        return;
    }
    // The next request began in the same read: it waits until this one is answered.
    if (result.consumed < data.size() && state_ != State::closing) {
        hold(data.subspan(result.consumed));
    }
}

void WebSession::hold(std::span<const std::uint8_t> data) {
    if (data.empty()) return;
    if (!held_charge_.resize(held_.size() + data.size())) {
        refuse({503, "the memory budget is spent"});
        return;
    }
    held_.insert(held_.end(), data.begin(), data.end());
    host_.pause_input();
}

std::optional<HttpError> WebSession::on_request_head(HttpRequestHead head) {
    method_ = head.method;
    path_ = std::string{head.path()};
    keep_alive_ = head.keep_alive;
    put_text_ = false;
    std::string_view allow;
    if (path_ == "/") {
        allow = "GET";
    } else if (path_ == "/api/text") {
        allow = "GET, PUT";
    } else {
        return HttpError{404, "no such route"};
    }
    if (allow.find(method_) == std::string_view::npos || method_.empty()) {
        return HttpError{405, "method not allowed on " + path_};
    }
    if (method_ == "PUT") {
        if (!head.chunked && !head.content_length) {
            return HttpError{411, "PUT without Content-Length or chunked body"};
        }
        if (head.content_length && *head.content_length > settings_.max_text_length) {
            return HttpError{413, "declared body of " + std::to_string(*head.content_length) +
                                      " bytes is over max_text_length"};
        }
        put_text_ = true;
    }
    return std::nullopt;
}

std::optional<HttpError> WebSession::on_request_body(std::span<const std::uint8_t> piece) {
    if (body_.size() + piece.size() > settings_.max_text_length) {
        return HttpError{413, "body over max_text_length"};
    }
    if (!put_text_) return std::nullopt;  // a GET with a body: read and dropped
    if (body_.size() + piece.size() > body_.capacity()) {
        // Grows with the bytes that arrive, doubling, never past the limit.
        auto capacity = std::min(std::max(body_.size() + piece.size(), 2 * body_.capacity()),
                                 settings_.max_text_length);
        if (!body_charge_.resize(capacity)) return HttpError{503, "the memory budget is spent"};
        body_.reserve(capacity);
    }
    body_.append(reinterpret_cast<const char*>(piece.data()), piece.size());
    return std::nullopt;
}

void WebSession::on_request_end() {
    state_ = State::responding;
    if (path_ == "/") {
        respond(200, "text/html; charset=utf-8", make_shared_bytes(std::string{kWebPage}),
                kWebPageCsp);
    } else if (method_ == "GET") {
        get_text();
    } else {
        put_text();
    }
}

void WebSession::get_text() {
    waiting_ = true;
    clipboard_.get_text(guard_.wrap([this](SharedBytes text) {
        waiting_ = false;
        if (!text || text->bytes.empty()) {
            respond(204, {}, nullptr);  // the clipboard holds no text
            return;
        }
        respond(200, kTextType, std::move(text));
    }));
}

void WebSession::put_text() {
    if (!is_valid_utf8(body_) || body_.find('\0') != std::string::npos) {
        refuse({400, "text is not valid UTF-8 or holds a NUL byte"});
        return;
    }
    if (body_.empty()) {
        refuse({400, "empty text"});
        return;
    }
    auto text = normalize_line_ends(std::move(body_));
    body_ = {};
    body_charge_.force_resize(text.capacity());
    waiting_ = true;
    // The text and its charge go to the clipboard together.
    clipboard_.set_text(make_shared_bytes(std::move(text), std::move(body_charge_)),
                        guard_.wrap([this](std::string error) {
                            waiting_ = false;
                            body_charge_ = MemoryCharge{budget_};
                            if (!error.empty()) {
                                refuse({500, "text not stored: " + error});
                                return;
                            }
                            respond(204, {}, nullptr);
                        }));
}

void WebSession::respond(int status, std::string_view content_type, SharedBytes body,
                         std::string_view csp) {
    std::size_t length = body ? body->bytes.size() : 0;
    HttpResponseHead head{status, content_type, length, keep_alive_, {}, csp};
    host_.send(http_response_head(head));
    log_request(status, length);
    out_body_ = std::move(body);
    out_offset_ = 0;
    if (out_body_ && !out_charge_.resize(kPiece)) {
        // The head is out; without room for the body the connection cannot go on.
        LOG_WARN("%s: %s %s: the memory budget is spent, closing", peer_.c_str(), method_.c_str(),
                 path_.c_str());
        out_body_.reset();
        state_ = State::closing;
        host_.finish();
        return;
    }
    send_body();
}

void WebSession::send_body() {
    while (out_body_ && host_.pending_output() < kPiece) {
        const std::string& bytes = out_body_->bytes;
        auto take = std::min(kPiece, bytes.size() - out_offset_);
        host_.send({bytes.begin() + static_cast<std::ptrdiff_t>(out_offset_),
                    bytes.begin() + static_cast<std::ptrdiff_t>(out_offset_ + take)});
        out_offset_ += take;
        if (out_offset_ == bytes.size()) {
            out_body_.reset();
            out_charge_.release();
        }
    }
    if (!out_body_) response_done();
}

void WebSession::on_output_drained() {
    if (state_ == State::responding && out_body_) send_body();
}

void WebSession::response_done() {
    if (state_ != State::responding) return;
    if (!keep_alive_) {
        state_ = State::closing;
        host_.finish();
        return;
    }
    state_ = State::reading;
    ++epoch_;
    parser_.reset();
    body_ = {};
    body_charge_.release();
    // A request that came along with the last one is served now, one at a time: each
    // answer that cannot go at once holds the rest again.
    while (state_ == State::reading && !held_.empty()) {
        auto held = std::move(held_);
        held_ = {};
        held_charge_.release();
        parse(held);
    }
    if (state_ == State::reading) host_.resume_input();
}

void WebSession::on_request_timeout() {
    if (state_ != State::reading) return;
    if (!parser_.in_request()) {
        state_ = State::closing;
        host_.finish();
        return;
    }
    refuse({408, "the request head did not arrive in time"});
}

void WebSession::refuse(const HttpError& error) {
    if (state_ == State::closing) return;
    LOG_WARN("%s: HTTP %d %s%s%s: %s", peer_.c_str(), error.status,
             method_.empty() ? "" : method_.c_str(), method_.empty() ? "" : " ", path_.c_str(),
             error.reason.c_str());
    state_ = State::closing;
    waiting_ = false;
    out_body_.reset();
    held_.clear();
    held_charge_.release();
    host_.send(http_text_response(error.status, http_reason(error.status), false));
    host_.finish();
}

void WebSession::log_request(int status, std::size_t bytes_out) {
    LOG_INFO("%s: HTTP %s %s: %d, %zu bytes out", peer_.c_str(), method_.c_str(), path_.c_str(),
             status, bytes_out);
}

}  // namespace clipshare
