// One browser (or curl) connection's requests, one at a time: parses each with
// HttpRequestParser, routes it, answers from the clipboard. The host (server/WebConnection)
// owns the stream and the timers; nothing here does I/O or knows libuv.
//
// Routes (man clipshared.toml(5), "Web access"): GET / (the page), GET /favicon.ico (no
// icon: 204), GET/PUT /api/text, GET /api/kind, GET/POST /api/files, GET /api/files/<name>,
// GET /api/image and /api/screenshot. Every request passes the Host and Origin checks
// (host_check.hpp) first. Every error answer closes the connection: after a refused request
// the rest of the stream can no longer be trusted to start at a request boundary.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "clipboard/clipboard.hpp"
#include "files/transfer.hpp"
#include "proto/batch_committer.hpp"
#include "proto/session.hpp"
#include "proto/upload_stream.hpp"
#include "util/callback_guard.hpp"
#include "util/memory_budget.hpp"
#include "web/host_check.hpp"
#include "web/http_request_parser.hpp"
#include "web/http_response.hpp"
#include "web/web_download.hpp"
#include "web/web_host.hpp"

namespace clipshare {

struct WebSettings {
    HttpLimits http;
    std::size_t max_text_length = 4194304;
    HostRules hosts;
    bool tls = false;  // the origin a page served here has: https:// or http://
    // Uploads: the protocol's [limits], as Send Files applies them.
    SessionLimits limits;
    std::int64_t screenshot_display = 1;
};

// What the file routes use; without them (nullptr) they answer 503.
struct WebFiles {
    FileService* files = nullptr;
    BatchCommitter* commits = nullptr;
};

// The quoted entity tag of a response body: 16 hex digits of a 64-bit hash of `bytes`.
std::string content_etag(std::string_view bytes);

class WebSession final : private HttpRequestHandler, private UploadHost {
public:
    WebSession(WebSettings settings, WebHost& host, Clipboard& clipboard, MemoryBudget* budget,
               std::string peer, WebFiles files = {});
    ~WebSession();

    void feed(std::span<const std::uint8_t> data);
    void on_output_drained();
    // The request deadline passed with its head incomplete: 408 if anything of it arrived,
    // else (a kept-alive connection nobody uses) just the close.
    void on_request_timeout();

    // Waiting for a request's head (its deadline runs): a new wait has a new epoch.
    bool waiting_for_head() const { return state_ == State::reading && parser_.in_head(); }
    std::uint64_t request_epoch() const { return epoch_; }
    // The clipboard is working for this client: not its idleness.
    // So is an upload held while the disk is behind, or reading a download's next chunk.
    bool waiting_for_daemon() const {
        return waiting_ || (upload_ && upload_->waiting_for_disk()) ||
               (download_ && download_->reading());
    }
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
    // `max_age`: seconds a browser may keep the answer; 0, the default, keeps nothing.
    void respond(int status, std::string_view content_type, SharedBytes body,
                 std::string_view csp = {}, std::uint32_t max_age = 0);
    void send_body();
    void response_done();
    void log_request(int status, std::size_t bytes_out);

    std::optional<HttpError> check_host(const HttpRequestHead& head) const;
    std::optional<HttpError> begin_upload(const HttpRequestHead& head);
    void respond_json(int status, std::string json);
    void get_text();
    void put_text();
    void get_kind();
    void list_files();
    void on_listed(std::string error, std::vector<FileEntry> entries);
    void download(std::string name);
    void get_image(bool screenshot);
    // `tagged`: with an ETag, and 304 when If-None-Match has it (GET /api/image).
    void send_image(std::optional<Image> image, bool tagged);
    // Sends the one entry `listing` yields as a file (with `etag`, if any), or every entry
    // as `name`.tar.
    void send_listed(std::unique_ptr<FileListing> listing, std::string name,
                     std::string_view content_type, std::string etag = {});
    void start_download(WebDownload::Form form, std::deque<FileEntry> first,
                        std::unique_ptr<FileListing> more);

    // The upload's body, to the stream; what it cannot take yet waits in pending_.
    std::optional<HttpError> upload_body(std::span<const std::uint8_t> piece);
    void upload_maybe_done();
    // UploadHost
    void upload_failed(UploadError kind, const std::string& why) override;
    void upload_stored(std::int64_t entries) override;
    void upload_resume() override;
    void upload_out_of_memory() override;

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
    std::string if_none_match_;
    std::string etag_;  // of the response about to go
    // POST /api/files: the stream, the bytes it could not take yet, the end of the body.
    std::unique_ptr<UploadStream> upload_;
    MemoryCharge upload_charge_;
    std::vector<std::uint8_t> pending_;
    MemoryCharge pending_charge_;
    bool body_ended_ = false;
    std::int64_t stored_ = -1;  // entries placed, once the batch is the clipboard's
    std::optional<HttpError> upload_error_;
    std::uint64_t body_bytes_ = 0;
    WebFiles files_;
    std::unique_ptr<FileListing> listing_;
    struct ListedItem {
        bool dir = false;
        std::int64_t size = 0;   // of its files
        std::int64_t files = 0;  // a folder's
    };
    std::map<std::string, ListedItem> listed_;  // GET /api/files, by top-level name
    std::unique_ptr<WebDownload> download_;
    std::string body_;
    MemoryCharge body_charge_;
    // Bytes of the next request that came with this one; fed once it is answered.
    std::vector<std::uint8_t> held_;
    MemoryCharge held_charge_;
    // The response body being sent in pieces as the stream drains (or by download_).
    SharedBytes out_body_;
    std::size_t out_offset_ = 0;
    MemoryCharge out_charge_;
    CallbackGuard guard_;
};

}  // namespace clipshare
