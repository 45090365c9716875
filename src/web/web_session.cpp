#include "web/web_session.hpp"

#include <algorithm>
#include <cstdio>

#include "util/line_ends.hpp"
#include "util/log.hpp"
#include "util/utf8.hpp"
#include "web/page.hpp"

namespace clipshare {

// A 64-bit FNV-1a of the bytes, as a quoted entity tag: the page asks for the text again
// every 2 s and gets 304 while nothing changed.
std::string content_etag(std::string_view bytes) {
    std::uint64_t hash = 14695981039346656037ULL;
    for (unsigned char c : bytes) {
        hash ^= c;
        hash *= 1099511628211ULL;
    }
    char out[21];
    std::snprintf(out, sizeof out, "\"%016llx\"", static_cast<unsigned long long>(hash));
    return out;
}

namespace {

// Browsers ask for /favicon.ico by themselves and log a 404 as an error in the console.
// The page has no icon: an empty answer, kept for a day, so they neither complain nor ask
// again on every load.
constexpr std::uint32_t kFaviconMaxAge = 24 * 60 * 60;

// A response body goes out in pieces of this size, the next once the stream has drained.
constexpr std::size_t kPiece = 64 * 1024;
constexpr std::string_view kTextType = "text/plain; charset=utf-8";

}  // namespace

WebSession::WebSession(WebSettings settings, WebHost& host, Clipboard& clipboard,
                       MemoryBudget* budget, std::string peer, WebFiles files)
    : settings_(std::move(settings)),
      host_(host),
      clipboard_(clipboard),
      budget_(budget),
      peer_(std::move(peer)),
      parser_(settings_.http, *this),
      upload_charge_(budget),
      pending_charge_(budget),
      files_(files),
      body_charge_(budget),
      held_charge_(budget),
      out_charge_(budget),
      guard_([this] {
          refuse({500, "out of memory"});
      }) {}

WebSession::~WebSession() {
    // An upload cut off in the middle (the client left, or the daemon stops): its batch
    // goes with the stream, and nothing of it stays on disk.
    if (upload_ && !upload_->complete() && !upload_->failed()) {
        LOG_WARN("%s: HTTP POST /api/files: the body ended after %llu bytes; nothing stored",
                 peer_.c_str(), static_cast<unsigned long long>(body_bytes_));
    }
}

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
    if_none_match_ = std::string{head.header("If-None-Match").value_or("")};
    if (auto refused = check_host(head)) return refused;
    std::string_view allow;
    if (path_ == "/" || path_ == "/favicon.ico" || path_ == "/api/kind" || path_ == "/api/image" ||
        path_ == "/api/screenshot" || path_.starts_with("/api/files/")) {
        allow = "GET";
    } else if (path_ == "/api/text") {
        allow = "GET, PUT";
    } else if (path_ == "/api/files") {
        allow = "GET, POST";
    } else {
        return HttpError{404, "no such route"};
    }
    if (allow.find(method_) == std::string_view::npos || method_.empty()) {
        return HttpError{405, "method not allowed on " + path_};
    }
    if (method_ == "POST") return begin_upload(head);
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

std::optional<HttpError> WebSession::check_host(const HttpRequestHead& head) const {
    auto host = head.header("Host");
    if (!host || host->empty()) return HttpError{400, "no Host header"};
    if (!host_allowed(*host, settings_.hosts)) {
        return HttpError{421, "Host '" + std::string{host->substr(0, 256)} +
                                  "' is not a name of this daemon ([web] allowed_hosts)"};
    }
    auto origin = head.header("Origin");
    if (origin && !origin_matches(*origin, *host, settings_.tls)) {
        return HttpError{
            403, "Origin '" + std::string{origin->substr(0, 256)} + "' is not this page's own"};
    }
    return std::nullopt;
}

std::optional<HttpError> WebSession::on_request_body(std::span<const std::uint8_t> piece) {
    if (upload_) return upload_body(piece);
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
    if (upload_) {
        body_ended_ = true;
        upload_maybe_done();
    } else if (path_ == "/") {
        respond(200, "text/html; charset=utf-8", make_shared_bytes(std::string{kWebPage}),
                kWebPageCsp);
    } else if (path_ == "/favicon.ico") {
        respond(204, {}, nullptr, {}, kFaviconMaxAge);
    } else if (path_ == "/api/text") {
        method_ == "GET" ? get_text() : put_text();
    } else if (path_ == "/api/kind") {
        get_kind();
    } else if (path_ == "/api/files") {
        list_files();
    } else if (path_.starts_with("/api/files/")) {
        download(path_.substr(std::string_view{"/api/files/"}.size()));
    } else {
        get_image(path_ == "/api/screenshot");
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
        etag_ = content_etag(text->bytes);
        if (if_none_match_ == etag_) {
            respond(304, {}, nullptr);
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
                         std::string_view csp, std::uint32_t max_age) {
    std::size_t length = body ? body->bytes.size() : 0;
    HttpResponseHead head;
    head.status = status;
    head.content_type = content_type;
    head.content_length = length;
    head.keep_alive = keep_alive_;
    head.etag = etag_;
    head.csp = csp;
    head.max_age = max_age;
    host_.send(http_response_head(head));
    etag_.clear();
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
    if (state_ != State::responding) return;
    if (download_) {
        download_->on_output_drained();
    } else if (out_body_) {
        send_body();
    }
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
    upload_.reset();
    upload_charge_.release();
    pending_ = {};
    pending_charge_.release();
    body_ended_ = false;
    stored_ = -1;
    upload_error_.reset();
    body_bytes_ = 0;
    listing_.reset();
    download_.reset();
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
    download_.reset();
    listing_.reset();
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
