#include "proto/files_sender.hpp"

#include "proto/wire.hpp"

namespace clipshare {

bool reserve_for_reply(Session& session, MemoryCharge& charge, std::size_t bytes) {
    charge = session.charge();
    if (charge.resize(bytes)) return true;
    session.abort("refused: the memory budget is spent (" +
                  std::to_string(charge.budget()->used() / 1024) + " of " +
                  std::to_string(charge.budget()->limit() / 1024) + " KiB in use)");
    return false;
}

// ---- files ----

FilesSender::FilesSender(Session& session, std::deque<FileEntry> initial, FileListing* more,
                         std::int64_t expected, bool with_headers, std::function<void()> on_done)
    : session_(session),
      entries_(std::move(initial)),
      more_(more),
      expected_(expected),
      with_headers_(with_headers),
      on_done_(std::move(on_done)) {}

void FilesSender::pump() {
    while (!reading_ && !fetching_ && !finished_ && session_.active()) {
        // One chunk may be read while one waits for the socket: the disk and the socket
        // work at the same time, and the window stays at two chunks (and their framing),
        // plus what the transport asks to keep its own pipeline busy.
        if (session_.pending_output() > file_chunk_size + file_framing_allowance + ahead()) {
            return;
        }
        if (!current_) {
            if (entries_.empty()) {
                if (more_ != nullptr && !listing_ended_) {
                    fetching_ = true;
                    more_->next(guard_.wrap([this](std::string error, std::vector<FileEntry> got) {
                        on_entries(std::move(error), std::move(got));
                    }));
                    return;
                }
                if (started_ != expected_) {
                    return session_.abort(
                        "the files changed while being sent: " + std::to_string(started_) +
                        " entries instead of " + std::to_string(expected_));
                }
                finished_ = true;
                on_done_();
                return;
            }
            current_entry_ = std::move(entries_.front());
            entries_.pop_front();
            if (++started_ > expected_) {
                return session_.abort("the files changed while being sent: more than " +
                                      std::to_string(expected_) + " entries");
            }
            if (with_headers_) {
                header_ = wire::MessageBuilder{}
                              .string(current_entry_.name)
                              .i64(current_entry_.size)
                              .take();
            }
            if (current_entry_.size <= 0) {
                // Empty files and empty directories are headers only.
                if (!header_.empty()) session_.send(std::move(header_));
                header_.clear();
                continue;
            }
            remaining_ = current_entry_.size;
            current_ = session_.services().files->open(current_entry_);
        }
        reading_ = true;
        auto want = static_cast<std::size_t>(
            std::min<std::int64_t>(remaining_, static_cast<std::int64_t>(file_chunk_size)));
        current_->read(want,
                       guard_.wrap([this](std::string error, std::vector<std::uint8_t> chunk) {
                           on_chunk(std::move(error), std::move(chunk));
                       }));
        return;
    }
}

// What the transport asks for beyond the window (SessionHost::write_ahead), asked until it
// asks for something; granted only if the budget can spare it (MemoryBudget::can_spare).
std::size_t FilesSender::ahead() {
    if (ahead_asked_) return ahead_.bytes();
    const std::size_t wanted = session_.write_ahead();
    if (wanted == 0) return 0;
    ahead_asked_ = true;
    ahead_ = session_.charge();
    const MemoryBudget* budget = ahead_.budget();
    if (budget != nullptr && !budget->can_spare(wanted)) return 0;
    if (!ahead_.resize(wanted)) return 0;  // the window stays as it is
    return ahead_.bytes();
}

void FilesSender::on_entries(std::string error, std::vector<FileEntry> entries) {
    fetching_ = false;
    if (!error.empty()) return session_.abort(error);
    if (entries.empty()) listing_ended_ = true;
    for (auto& entry : entries) entries_.push_back(std::move(entry));
    pump();
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
        session_.send(std::move(header_));
        header_.clear();
    } else {
        session_.send(std::move(chunk));
    }
    if (remaining_ == 0) current_.reset();
    pump();
}

// ---- bytes ----

BytesSender::BytesSender(Session& session, std::vector<std::uint8_t> prefix, SharedBytes body,
                         std::function<void()> on_done)
    : session_(session),
      prefix_(std::move(prefix)),
      body_(std::move(body)),
      on_done_(std::move(on_done)) {}

void BytesSender::pump() {
    while (!finished_ && session_.active()) {
        // One chunk may be read while one waits for the socket: the disk and the socket
        // work at the same time, and the window stays at two chunks.
        if (session_.pending_output() > file_chunk_size) return;  // until drained
        const std::string& bytes = body_->bytes;
        if (offset_ == bytes.size() && prefix_.empty()) {
            finished_ = true;
            body_.reset();
            on_done_();
            return;
        }
        auto take = std::min(bytes.size() - offset_, transfer_chunk_size);
        std::vector<std::uint8_t> message = std::move(prefix_);
        prefix_.clear();
        message.insert(message.end(), bytes.begin() + static_cast<std::ptrdiff_t>(offset_),
                       bytes.begin() + static_cast<std::ptrdiff_t>(offset_ + take));
        offset_ += take;
        session_.send(std::move(message));
    }
}

// ---- the files part of a reply ----

FilesReply::FilesReply(Session& session, std::vector<std::uint8_t> prefix,
                       std::function<void()> on_done, std::function<void()> on_no_data)
    : session_(session),
      prefix_(std::move(prefix)),
      on_done_(std::move(on_done)),
      on_no_data_(std::move(on_no_data)) {}

void FilesReply::start() {
    if (!reserve_for_reply(session_, charge_, files_working_set + listing_working_set)) return;
    session_.services().clipboard->get_files(
        guard_.wrap([this](std::optional<std::vector<std::filesystem::path>> roots) {
            if (!roots || roots->empty()) return on_no_data_();
            listing_ = session_.services().files->list(std::move(*roots), session_.version());
            counting_ = true;
            listing_->count(guard_.wrap([this](std::string error, std::int64_t count) {
                counting_ = false;
                if (!error.empty()) return session_.abort(error);
                if (count == 0) return on_no_data_();
                session_.summary().entries = count;
                session_.send(wire::MessageBuilder{}.raw(prefix_).i64(count).take());
                sender_ = std::make_unique<FilesSender>(session_, std::deque<FileEntry>{},
                                                        listing_.get(), count, true, on_done_);
                sender_->start();
            }));
        }));
}

}  // namespace clipshare
