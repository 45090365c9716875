// WebSession's routes beyond the text: the clipboard's kind, its files (listed, downloaded,
// uploaded through the protocol's own batch path) and its image.
#include <cctype>
#include <cstdio>
#include <ctime>

#include "proto/files_sender.hpp"
#include "util/log.hpp"
#include "web/web_session.hpp"

namespace clipshare {
namespace {

constexpr std::string_view kJsonType = "application/json";
constexpr std::string_view kUploadType = "application/x-clipshare-files";

// "%41b" -> "Ab"; nullopt for a bad escape or a NUL.
std::optional<std::string> percent_decode(std::string_view text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '%') {
            out += text[i];
            continue;
        }
        if (i + 2 >= text.size()) return std::nullopt;
        auto hex = [](char c) -> int {
            if (c >= '0' && c <= '9') return c - '0';
            if (c >= 'a' && c <= 'f') return c - 'a' + 10;
            if (c >= 'A' && c <= 'F') return c - 'A' + 10;
            return -1;
        };
        int high = hex(text[i + 1]);
        int low = hex(text[i + 2]);
        if (high < 0 || low < 0 || (high == 0 && low == 0)) return std::nullopt;
        out += static_cast<char>(high * 16 + low);
        i += 2;
    }
    return out;
}

// RFC 5987's attr-char kept, every other byte %XX.
std::string percent_encode(std::string_view text) {
    static constexpr char digits[] = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : text) {
        if (std::isalnum(c) != 0 ||
            std::string_view{"!#$&+-.^_`|~"}.find(static_cast<char>(c)) != std::string_view::npos) {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += digits[c >> 4];
            out += digits[c & 15];
        }
    }
    return out;
}

std::string json_string(std::string_view text) {
    std::string out = "\"";
    for (unsigned char c : text) {
        if (c == '"' || c == '\\') {
            out += '\\';
            out += static_cast<char>(c);
        } else if (c < 0x20) {
            char escaped[8];
            std::snprintf(escaped, sizeof escaped, "\\u%04x", c);
            out += escaped;
        } else {
            out += static_cast<char>(c);
        }
    }
    return out + "\"";
}

std::string_view first_segment(std::string_view name) {
    return name.substr(0, name.find('/'));
}

int upload_status(UploadError kind) {
    switch (kind) {
        case UploadError::bad_stream:
            return 400;
        case UploadError::over_limit:
            return 413;
        case UploadError::no_room:
            return 507;
        case UploadError::disk:
            break;
    }
    return 500;
}

}  // namespace

void WebSession::respond_json(int status, std::string json) {
    MemoryCharge charge{budget_};
    charge.force_resize(json.size());
    respond(status, kJsonType, make_shared_bytes(std::move(json), std::move(charge)));
}

void WebSession::get_kind() {
    waiting_ = true;
    clipboard_.kind(guard_.wrap([this](ContentKind kind) {
        waiting_ = false;
        const char* name = kind == ContentKind::text    ? "text"
                           : kind == ContentKind::files ? "files"
                           : kind == ContentKind::image ? "image"
                                                        : "empty";
        respond_json(200, std::string{"{\"kind\":\""} + name + "\"}");
    }));
}

// ---- the list, and downloads ----

void WebSession::list_files() {
    if (files_.files == nullptr) return refuse({503, "no file service"});
    waiting_ = true;
    clipboard_.get_files(
        guard_.wrap([this](std::optional<std::vector<std::filesystem::path>> roots) {
            if (!roots || roots->empty()) {
                waiting_ = false;
                respond_json(200, "{\"items\":[]}");
                return;
            }
            listed_.clear();
            listing_ = files_.files->list(std::move(*roots), 3);
            listing_->next(guard_.wrap([this](std::string error, std::vector<FileEntry> entries) {
                on_listed(std::move(error), std::move(entries));
            }));
        }));
}

void WebSession::on_listed(std::string error, std::vector<FileEntry> entries) {
    if (!error.empty()) {
        waiting_ = false;
        return refuse({500, "cannot list the files: " + error});
    }
    if (!entries.empty()) {
        // One record per top-level item, however many entries below it: bounded by the
        // clipboard's own list.
        for (const auto& entry : entries) {
            auto top = first_segment(entry.name);
            ListedItem& item = listed_[std::string{top}];
            if (top.size() != entry.name.size() || entry.size < 0) item.dir = true;
            if (entry.size >= 0) {
                item.size += entry.size;
                ++item.files;
            }
        }
        listing_->next(guard_.wrap([this](std::string error, std::vector<FileEntry> more) {
            on_listed(std::move(error), std::move(more));
        }));
        return;
    }
    waiting_ = false;
    listing_.reset();
    std::string json = "{\"items\":[";
    bool first = true;
    for (const auto& [name, item] : listed_) {
        if (!first) json += ',';
        first = false;
        json += "{\"name\":" + json_string(name) + ",\"dir\":" + (item.dir ? "true" : "false") +
                ",\"size\":" + std::to_string(item.size);
        if (item.dir) json += ",\"files\":" + std::to_string(item.files);
        json += '}';
    }
    json += "]}";
    listed_.clear();
    respond_json(200, std::move(json));
}

void WebSession::download(std::string encoded) {
    if (files_.files == nullptr) return refuse({503, "no file service"});
    auto name = percent_decode(encoded);
    if (!name || name->empty() || name->find('/') != std::string::npos || *name == "." ||
        *name == "..") {
        return refuse({404, "no such item on the clipboard"});
    }
    waiting_ = true;
    clipboard_.get_files(
        guard_.wrap([this, name = *name](std::optional<std::vector<std::filesystem::path>> roots) {
            waiting_ = false;
            if (roots) {
                for (const auto& root : *roots) {
                    if (root.filename() == name) {
                        return send_listed(files_.files->list({root}, 3), name,
                                           "application/octet-stream");
                    }
                }
            }
            refuse({404, "'" + name + "' is not on the clipboard"});
        }));
}

void WebSession::send_listed(std::unique_ptr<FileListing> listing, std::string name,
                             std::string_view content_type, std::string etag) {
    waiting_ = true;
    listing_ = std::move(listing);
    listing_->next(guard_.wrap([this, name = std::move(name), content_type, etag = std::move(etag)](
                                   std::string error, std::vector<FileEntry> entries) {
        waiting_ = false;
        if (!error.empty()) return refuse({500, "cannot list '" + name + "': " + error});
        if (entries.empty()) return refuse({404, "'" + name + "' is gone"});
        std::string disposition;
        if (entries.size() == 1 && entries[0].size >= 0 && entries[0].name == name) {
            // A file: its length is known, its bytes go as they are. The browser's copy is
            // current only while the file is still there: hence checked after the listing.
            if (!etag.empty() && etag == if_none_match_) {
                listing_.reset();
                etag_ = etag;
                return respond(304, {}, nullptr);
            }
            disposition = "attachment; filename*=UTF-8''" + percent_encode(name);
            HttpResponseHead head{
                200,         content_type, static_cast<std::uint64_t>(entries[0].size),
                keep_alive_, {},           etag,
                {},          {},           0};
            if (content_type == "application/octet-stream") head.disposition = disposition;
            host_.send(http_response_head(head));
            log_request(200, static_cast<std::size_t>(entries[0].size));
            listing_.reset();
            return start_download(WebDownload::Form::raw, {std::move(entries[0])}, nullptr);
        }
        disposition = "attachment; filename*=UTF-8''" + percent_encode(name + ".tar");
        HttpResponseHead head{200, "application/x-tar", std::nullopt, keep_alive_, {}, {}, {}, {},
                              0};
        head.disposition = disposition;
        host_.send(http_response_head(head));
        log_request(200, 0);
        std::deque<FileEntry> first{std::make_move_iterator(entries.begin()),
                                    std::make_move_iterator(entries.end())};
        start_download(WebDownload::Form::tar, std::move(first), std::move(listing_));
    }));
}

void WebSession::start_download(WebDownload::Form form, std::deque<FileEntry> first,
                                std::unique_ptr<FileListing> more) {
    if (!out_charge_.resize(2 * file_chunk_size)) {
        LOG_WARN("%s: %s %s: the memory budget is spent, closing", peer_.c_str(), method_.c_str(),
                 path_.c_str());
        state_ = State::closing;
        host_.finish();
        return;
    }
    download_ = std::make_unique<WebDownload>(
        host_, *files_.files, form, std::move(first), std::move(more),
        static_cast<std::int64_t>(std::time(nullptr)), guard_.wrap([this](std::string error) {
            out_charge_.release();
            if (!error.empty()) {
                // The head is out: the client sees a body cut short, never a wrong one.
                LOG_WARN("%s: HTTP %s %s: %s; closing", peer_.c_str(), method_.c_str(),
                         path_.c_str(), error.c_str());
                state_ = State::closing;
                host_.finish();
                return;
            }
            response_done();
        }));
    download_->start();
}

void WebSession::get_image(bool screenshot) {
    waiting_ = true;
    auto answer = guard_.wrap([this, screenshot](std::optional<Image> image) {
        waiting_ = false;
        send_image(std::move(image), !screenshot);
    });
    if (screenshot) {
        clipboard_.screenshot(settings_.screenshot_display, std::move(answer));
    } else {
        clipboard_.get_image(std::move(answer));
    }
}

namespace {

// The tag of a copied image: of its bytes when they are in memory, else of its file's
// path and the time the clipboard took it (read whole, a large file would hold up the
// answer); "" when neither tells it apart.
std::string image_etag(const Image& image) {
    if (image.bytes) return content_etag(image.bytes->bytes);
    if (image.since_ns == 0) return {};
    std::string identity = image.file.string();
    identity.push_back('\0');
    identity += std::to_string(image.since_ns);
    return content_etag(identity);
}

}  // namespace

void WebSession::send_image(std::optional<Image> image, bool tagged) {
    if (!image || (image->file.empty() && (!image->bytes || image->bytes->bytes.empty()))) {
        return respond(204, {}, nullptr);
    }
    std::string etag = tagged ? image_etag(*image) : std::string{};
    if (!image->bytes) {
        // The tag names the file, not its bytes: whether it still exists (someone may have
        // deleted it behind the daemon's back) is for the listing to say, before any 304.
        if (files_.files == nullptr) return respond(204, {}, nullptr);
        return send_listed(files_.files->list({image->file}, 4), image->file.filename().string(),
                           "image/png", std::move(etag));
    }
    if (!etag.empty() && etag == if_none_match_) {
        etag_ = std::move(etag);
        return respond(304, {}, nullptr);
    }
    etag_ = std::move(etag);
    respond(200, "image/png", std::move(image->bytes));
}

// ---- uploads ----

std::optional<HttpError> WebSession::begin_upload(const HttpRequestHead& head) {
    auto type = head.header("Content-Type").value_or("");
    if (type.substr(0, type.find(';')) != kUploadType) {
        return HttpError{415, "an upload is " + std::string{kUploadType}};
    }
    if (!head.chunked && !head.content_length) {
        return HttpError{411, "POST without Content-Length or chunked body"};
    }
    if (files_.files == nullptr || files_.commits == nullptr) {
        return HttpError{503, "no file service"};
    }
    // The working set, charged before a byte of the body is taken (as Send Files does
    // before its 01).
    if (!upload_charge_.resize(upload_working_set(small_upload_chunk))) {
        return HttpError{503, "the memory budget is spent"};
    }
    // Web uploads are version 3 streams: empty directories allowed.
    UploadHost& host = *this;
    upload_ =
        std::make_unique<UploadStream>(host, settings_.limits, 3, *files_.files, *files_.commits,
                                       MemoryCharge{budget_}, upload_charge_);
    return std::nullopt;
}

std::optional<HttpError> WebSession::upload_body(std::span<const std::uint8_t> piece) {
    body_bytes_ += piece.size();
    if (!pending_.empty() || upload_->waiting_for_disk()) {
        // The disk is behind: input is paused, and what came with the last read waits.
        if (!pending_charge_.resize(pending_.size() + piece.size())) {
            return HttpError{503, "the memory budget is spent"};
        }
        pending_.insert(pending_.end(), piece.begin(), piece.end());
        return std::nullopt;
    }
    std::size_t used = upload_->feed(piece);
    if (upload_error_) return upload_error_;
    if (used == piece.size()) return std::nullopt;
    if (upload_->complete()) return HttpError{400, "bytes after the stream's last entry"};
    // Held until the disk catches up (upload_resume).
    host_.pause_input();
    if (!pending_charge_.resize(piece.size() - used)) {
        return HttpError{503, "the memory budget is spent"};
    }
    pending_.assign(piece.begin() + static_cast<std::ptrdiff_t>(used), piece.end());
    return std::nullopt;
}

void WebSession::upload_resume() {
    if (!upload_ || state_ == State::closing) return;
    if (!pending_.empty()) {
        std::size_t used = upload_->feed(pending_);
        if (upload_error_) return;  // already refused
        pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(used));
        if (!pending_.empty()) {
            if (upload_->complete()) return refuse({400, "bytes after the stream's last entry"});
            return;  // still behind: the next resume goes on
        }
        pending_charge_.release();
        pending_.shrink_to_fit();
    }
    if (body_ended_) return upload_maybe_done();
    host_.resume_input();
}

void WebSession::upload_maybe_done() {
    if (!body_ended_ || !pending_.empty() || state_ == State::closing) return;
    if (!upload_->complete()) {
        return refuse({400, "the stream ends before its last entry"});
    }
    if (stored_ < 0) {
        waiting_ = true;  // the committer is placing the batch
        return;
    }
    waiting_ = false;
    respond_json(201, "{\"files\":" + std::to_string(stored_) + "}");
}

void WebSession::upload_failed(UploadError kind, const std::string& why) {
    HttpError error{upload_status(kind), "upload refused: " + why};
    // Inside the parser's own call the body callback also returns it, and the parse stops.
    upload_error_ = error;
    refuse(error);
}

void WebSession::upload_stored(std::int64_t entries) {
    stored_ = entries;
    upload_maybe_done();
}

void WebSession::upload_out_of_memory() {
    refuse({500, "out of memory"});
}

}  // namespace clipshare
