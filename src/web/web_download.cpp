#include "web/web_download.hpp"

#include <algorithm>

#include "proto/files_sender.hpp"
#include "web/http_response.hpp"
#include "web/tar_header.hpp"

namespace clipshare {

WebDownload::WebDownload(WebHost& host, FileService& files, Form form,
                         std::deque<FileEntry> entries, std::unique_ptr<FileListing> more,
                         std::int64_t mtime, Done done)
    : host_(host),
      files_(files),
      form_(form),
      entries_(std::move(entries)),
      more_(std::move(more)),
      mtime_(mtime),
      done_(std::move(done)) {}

void WebDownload::send(std::vector<std::uint8_t> bytes) {
    if (form_ == Form::raw) {
        host_.send(std::move(bytes));
        return;
    }
    host_.send(http_chunk({reinterpret_cast<const char*>(bytes.data()), bytes.size()}));
}

void WebDownload::end(std::string error) {
    if (finished_) return;
    finished_ = true;
    current_.reset();
    more_.reset();
    done_(std::move(error));
}

void WebDownload::pump() {
    while (!reading_ && !fetching_ && !finished_) {
        // One chunk may be read while one waits for the socket.
        if (host_.pending_output() > file_chunk_size) return;  // until drained
        if (current_ && remaining_ == 0) {
            current_.reset();
            if (padding_ > 0) send(std::vector<std::uint8_t>(padding_, 0));
        }
        if (!current_) {
            if (entries_.empty()) {
                if (more_ && !listing_ended_) {
                    fetching_ = true;
                    more_->next(guard_.wrap([this](std::string error, std::vector<FileEntry> got) {
                        fetching_ = false;
                        if (!error.empty()) return end(error);
                        if (got.empty()) listing_ended_ = true;
                        for (auto& entry : got) entries_.push_back(std::move(entry));
                        pump();
                    }));
                    return;
                }
                if (form_ == Form::tar) {
                    send(tar_end());
                    host_.send(http_chunk({}));
                }
                return end({});
            }
            FileEntry entry = std::move(entries_.front());
            entries_.pop_front();
            if (form_ == Form::tar) send(tar_entry_header(entry.name, entry.size, mtime_));
            if (entry.size <= 0) continue;  // empty files and directories: a header only
            remaining_ = entry.size;
            padding_ = form_ == Form::tar ? tar_padding(entry.size) : 0;
            current_ = files_.open(std::move(entry));
        }
        reading_ = true;
        auto want = static_cast<std::size_t>(
            std::min<std::int64_t>(remaining_, static_cast<std::int64_t>(file_chunk_size)));
        current_->read(
            want, guard_.wrap([this](std::string error, std::vector<std::uint8_t> chunk) {
                reading_ = false;
                if (!error.empty()) return end(error);
                if (chunk.empty() || static_cast<std::int64_t>(chunk.size()) > remaining_) {
                    return end("the file changed while being sent");
                }
                remaining_ -= static_cast<std::int64_t>(chunk.size());
                send(std::move(chunk));
                pump();
            }));
        return;
    }
}

}  // namespace clipshare
