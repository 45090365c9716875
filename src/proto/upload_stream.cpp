#include "proto/upload_stream.hpp"

#include <algorithm>

#include "files/names.hpp"
#include "proto/files_sender.hpp"

namespace clipshare {
namespace {

// Disk steps handed to the thread pool and not yet done: above this the stream stops
// reading, so a batch of many small files queues a few steps, not one per file on the wire.
constexpr std::size_t max_pending_steps = 32;

}  // namespace

UploadStream::UploadStream(UploadHost& host, const SessionLimits& limits, int version,
                           FileService& files, BatchCommitter& commits, MemoryCharge plan_charge,
                           MemoryCharge& working)
    : host_(host),
      limits_(limits),
      version_(version),
      files_(files),
      commits_(commits),
      working_(working),
      plan_(BatchLimits{static_cast<std::size_t>(limits.max_path_depth),
                        static_cast<std::uint64_t>(limits.max_batch_name_bytes)},
            std::move(plan_charge)) {}

void UploadStream::expect_one_file() {
    count_ = 1;  // version 1 sends exactly one file and no count
    state_ = State::name_length;
}

std::size_t UploadStream::feed(std::span<const std::uint8_t> input) {
    auto rest = input;
    while (!rest.empty() && !failed_) {
        if (!step(rest)) break;
    }
    return input.size() - rest.size();
}

bool UploadStream::reading_header() const {
    return state_ == State::count || state_ == State::name_length || state_ == State::name ||
           state_ == State::size;
}

// Advances by what `rest` allows; false when it must wait (for input or the disk).
bool UploadStream::step(std::span<const std::uint8_t>& rest) {
    if (disk_behind()) {
        waiting_for_disk_ = true;
        return false;
    }
    switch (state_) {
        case State::count:
            if (!reader_.i64(rest, count_)) return false;
            if (count_ < 1)
                return fail(UploadError::bad_stream,
                            "file count " + std::to_string(count_) + " is below 1");
            if (count_ > limits_.max_file_count) {
                return fail(UploadError::over_limit, "file count " + std::to_string(count_) +
                                                         " is over max_file_count " +
                                                         std::to_string(limits_.max_file_count));
            }
            state_ = State::name_length;
            return true;
        case State::name_length:
            if (!reader_.i64(rest, name_length_)) return false;
            if (name_length_ < 1 || name_length_ > static_cast<std::int64_t>(max_name_length)) {
                return fail(
                    UploadError::bad_stream,
                    "file name length " + std::to_string(name_length_) + " is outside 1..2048");
            }
            name_.clear();
            state_ = State::name;
            return true;
        case State::name:
            if (!FieldReader::bytes(rest, static_cast<std::size_t>(name_length_), name_)) {
                return false;
            }
            state_ = State::size;
            return true;
        case State::size:
            if (!reader_.i64(rest, size_)) return false;
            return begin_entry();
        case State::content:
            return take_content(rest);
        case State::committing:
            return false;
    }
    return false;
}

bool UploadStream::disk_behind() const {
    if (!batch_ || state_ == State::committing) return false;
    if (waiting_for_disk_) return !caught_up();
    return batch_->pending_steps() >= max_pending_steps ||
           in_flight_ >= chunks_in_flight(chunk_size_) * chunk_size_;
}

// Once input stopped, it starts again only when the disk has taken half of what it held:
// resuming at the first chunk done would stop again at the next one, a stop and a start of
// reading (and a wake-up of the loop) per chunk while the disk is the slower side.
bool UploadStream::caught_up() const {
    return batch_->pending_steps() <= max_pending_steps / 2 &&
           in_flight_ <= chunks_in_flight(chunk_size_) * chunk_size_ / 2;
}

bool UploadStream::begin_entry() {
    bool directory = size_ < 0;
    if (directory && (version_ < 3 || size_ != -1)) {
        return fail(UploadError::bad_stream, "file size " + std::to_string(size_) +
                                                 " is not allowed in version " +
                                                 std::to_string(version_));
    }
    if (size_ > limits_.max_file_size) {
        return fail(UploadError::over_limit, "file size " + std::to_string(size_) +
                                                 " is over max_file_size " +
                                                 std::to_string(limits_.max_file_size));
    }
    auto checked = normalize_received_path(name_, version_, directory);
    if (!checked.ok()) return fail(UploadError::bad_stream, checked.error);
    if (auto conflict = plan_.add(checked.path, directory); !conflict.empty()) {
        // The plan refuses conflicts and the batch limits alike; the limits name themselves.
        bool limit = conflict.find("max_") != std::string::npos;
        return fail(limit ? UploadError::over_limit : UploadError::bad_stream, conflict);
    }
    if (!batch_) batch_ = files_.begin_batch();
    if (directory) {
        batch_->add_directory(checked.path, disk_done());
        return next_entry();
    }
    // Refused before its first byte when working_dir cannot hold it: the declared size
    // is never allocated, only counted ([storage] max_bytes).
    if (auto refused = batch_->reserve(size_); !refused.empty()) {
        return fail(UploadError::no_room, "storage quota: " + refused);
    }
    if (size_ > static_cast<std::int64_t>(chunk_size_)) grow_chunks();
    batch_->begin_file(checked.path, size_, disk_done());
    remaining_ = size_;
    state_ = State::content;
    if (remaining_ == 0) return end_content();
    return true;
}

// Bigger chunks for a file that needs more than one, when the budget has plenty of room
// (upload_chunks.hpp). Without a budget (tests, fuzzers) nothing says there is room.
// Once grown, the upload keeps its chunk size and charge until it ends.
void UploadStream::grow_chunks() {
    MemoryBudget* budget = working_.budget();
    if (budget == nullptr || chunk_size_ != small_upload_chunk) return;
    auto chunk = upload_chunk_for(budget->available(MemoryBudget::Share::work), working_.bytes());
    if (chunk != chunk_size_ && working_.resize(upload_working_set(chunk))) {
        chunk_size_ = chunk;
        spares_.clear();  // the small ones would only be grown one by one
    }
}

bool UploadStream::take_content(std::span<const std::uint8_t>& rest) {
    prepare_chunk();
    auto take = std::min(rest.size(), chunk_.size() - filled_);
    std::copy_n(rest.begin(), take, chunk_.begin() + static_cast<std::ptrdiff_t>(filled_));
    rest = rest.subspan(take);
    return took(take);
}

std::span<std::uint8_t> UploadStream::read_target() {
    if (state_ != State::content || failed_ || disk_behind()) return {};
    prepare_chunk();
    return std::span{chunk_}.subspan(filled_);
}

bool UploadStream::filled(std::size_t size) {
    took(size);
    if (failed_ || state_ != State::content || !disk_behind()) return true;
    // feed() would find this at its next byte; the host would then hold a whole read.
    waiting_for_disk_ = true;
    return false;
}

// Begins the next chunk of this file's content unless one is begun: a written chunk's
// buffer when there is one (its old bytes are overwritten, so only a new buffer is zeroed).
void UploadStream::prepare_chunk() {
    if (!chunk_.empty()) return;
    if (!spares_.empty()) {
        chunk_ = std::move(spares_.back());
        spares_.pop_back();
    }
    chunk_.resize(static_cast<std::size_t>(
        std::min<std::int64_t>(remaining_, static_cast<std::int64_t>(chunk_size_))));
    filled_ = 0;
}

// `size` more bytes of content are in the chunk (never past it: it ends with the file).
bool UploadStream::took(std::size_t size) {
    filled_ += size;
    remaining_ -= static_cast<std::int64_t>(size);
    if (filled_ == chunk_.size()) flush_chunk();
    if (remaining_ == 0) return end_content();
    return true;
}

void UploadStream::flush_chunk() {
    if (chunk_.empty()) return;
    std::size_t size = chunk_.size();
    in_flight_ += size;
    batch_->write_reusing(
        std::move(chunk_),
        guard_.wrap([this, size](std::string error, std::vector<std::uint8_t> spent) {
            in_flight_ -= size;
            if (!error.empty()) return fail(UploadError::disk, error), void();
            keep_spare(std::move(spent));
            on_disk_progress();
        }));
    chunk_ = {};
    filled_ = 0;
}

// A written chunk's buffer, kept to be filled again (see IncomingBatch::write_reusing).
// At most the chunks of the working set exist, spare or not.
void UploadStream::keep_spare(std::vector<std::uint8_t> spent) {
    if (spent.capacity() != chunk_size_ || spares_.size() >= chunks_in_flight(chunk_size_)) return;
    spares_.push_back(std::move(spent));
}

bool UploadStream::end_content() {
    batch_->end_file(disk_done());
    return next_entry();
}

bool UploadStream::next_entry() {
    if (failed_) return false;
    if (++received_ < count_) {
        state_ = State::name_length;
        host_.upload_next_header();
        return true;
    }
    state_ = State::committing;
    // From here the daemon finishes the batch whatever the client does.
    commits_.commit(std::move(batch_), guard_.wrap([this](std::string error, std::size_t) {
        if (failed_) return;  // an earlier step failed and ended it
        if (!error.empty()) return fail(UploadError::disk, error), void();
        host_.upload_stored(received_);
    }));
    return false;
}

IncomingBatch::Done UploadStream::disk_done() {
    return guard_.wrap([this](std::string error) {
        if (!error.empty()) return fail(UploadError::disk, error), void();
        on_disk_progress();
    });
}

void UploadStream::on_disk_progress() {
    if (waiting_for_disk_ && !failed_ && (!batch_ || state_ == State::committing || caught_up())) {
        waiting_for_disk_ = false;
        host_.upload_resume();
    }
}

bool UploadStream::fail(UploadError kind, const std::string& why) {
    if (failed_) return false;
    failed_ = true;
    // The batch goes with this stream (its owner drops it after the failure), never from
    // inside one of its own completions.
    host_.upload_failed(kind, why);
    return false;
}

}  // namespace clipshare
