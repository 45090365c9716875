#include "proto/files_sender.hpp"

#include "proto/wire.hpp"

namespace clipshare {

FilesSender::FilesSender(Session& session, std::vector<FileEntry> entries, bool with_headers,
                         std::function<void()> on_done)
    : session_(session),
      entries_(std::move(entries)),
      with_headers_(with_headers),
      on_done_(std::move(on_done)) {}

void FilesSender::pump() {
    while (!reading_ && !finished_ && session_.active()) {
        if (session_.host().pending_output() >= output_high_water) return;  // until drained
        if (!current_) {
            if (index_ == entries_.size()) {
                finished_ = true;
                on_done_();
                return;
            }
            const FileEntry& entry = entries_[index_];
            if (with_headers_) {
                header_ = wire::MessageBuilder{}.string(entry.name).i64(entry.size).take();
            }
            if (entry.size <= 0) {
                // Empty files and empty directories are headers only.
                if (!header_.empty()) session_.host().send(std::move(header_));
                header_.clear();
                ++index_;
                continue;
            }
            current_ = session_.services().files->open(entry);
            remaining_ = entry.size;
        }
        reading_ = true;
        auto want = static_cast<std::size_t>(
            std::min<std::int64_t>(remaining_, static_cast<std::int64_t>(transfer_chunk_size)));
        current_->read(want, guard_.wrap([this](std::string error, std::vector<std::uint8_t> chunk) {
            on_chunk(std::move(error), std::move(chunk));
        }));
        return;
    }
}

void FilesSender::on_chunk(std::string error, std::vector<std::uint8_t> chunk) {
    reading_ = false;
    if (!error.empty()) {
        // Bytes already sent cannot be taken back; closing is the only honest end.
        session_.abort(error);
        return;
    }
    remaining_ -= static_cast<std::int64_t>(chunk.size());
    if (!header_.empty()) {
        header_.insert(header_.end(), chunk.begin(), chunk.end());
        session_.host().send(std::move(header_));
        header_.clear();
    } else {
        session_.host().send(std::move(chunk));
    }
    if (remaining_ == 0) {
        current_.reset();
        ++index_;
    }
    pump();
}

FilesReply::FilesReply(Session& session, std::vector<std::uint8_t> prefix,
                       std::function<void()> on_done, std::function<void()> on_no_data)
    : session_(session),
      prefix_(std::move(prefix)),
      on_done_(std::move(on_done)),
      on_no_data_(std::move(on_no_data)) {}

void FilesReply::start() {
    session_.services().clipboard->get_files(
        guard_.wrap([this](std::optional<std::vector<std::filesystem::path>> roots) {
            if (!roots || roots->empty()) return on_no_data_();
            session_.services().files->list(
                std::move(*roots), session_.version(),
                guard_.wrap([this](std::string error, std::vector<FileEntry> entries) {
                    if (!error.empty()) return session_.abort(error);
                    if (entries.empty()) return on_no_data_();
                    send(std::move(entries));
                }));
        }));
}

void FilesReply::send(std::vector<FileEntry> entries) {
    auto count = static_cast<std::int64_t>(entries.size());
    session_.host().send(wire::MessageBuilder{}.raw(prefix_).i64(count).take());
    sender_ = std::make_unique<FilesSender>(session_, std::move(entries), true, on_done_);
    sender_->start();
}

}  // namespace clipshare
