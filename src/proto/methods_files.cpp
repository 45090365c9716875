// Get Files (3) and Send File v1 / Send Files v2+ (4).
#include <string>

#include "files/batch_plan.hpp"
#include "files/names.hpp"
#include "proto/batch_committer.hpp"
#include "proto/client_ack.hpp"
#include "proto/field_reader.hpp"
#include "proto/files_sender.hpp"
#include "proto/handlers.hpp"
#include "proto/upload_chunks.hpp"
#include "proto/wire.hpp"

namespace clipshare {
namespace {

class GetFilesHandler final : public MethodHandler {
public:
    explicit GetFilesHandler(Session& session)
        : session_(session),
          ack_(session),
          reply_(
              session, {wire::ok}, [this] { ack_.expect(); },
              [this] {
                  session_.send({wire::no_data});
                  session_.finish();
              }) {}

    void start() override { reply_.start(); }
    std::size_t feed(std::span<const std::uint8_t> input) override { return ack_.feed(input); }
    void on_peer_end() override { ack_.on_peer_end(); }
    void on_output_drained() override { reply_.on_output_drained(); }
    bool waiting_for_daemon() const override { return reply_.waiting_for_daemon(); }

private:
    Session& session_;
    ClientAck ack_;
    FilesReply reply_;
};

// Disk steps handed to the thread pool and not yet done: above this the handler stops
// reading, so a batch of many small files queues a few steps, not one per file on the wire.
constexpr std::size_t max_pending_steps = 32;
class SendFilesHandler final : public MethodHandler {
public:
    explicit SendFilesHandler(Session& session)
        : session_(session),
          limits_(session.settings().limits),
          plan_(BatchLimits{static_cast<std::size_t>(limits_.max_path_depth),
                            static_cast<std::uint64_t>(limits_.max_batch_name_bytes)},
                session.charge()) {}

    void start() override {
        // Refused before the 01 that invites the upload, when the budget cannot carry it.
        if (!reserve_for_reply(session_, charge_, upload_working_set(chunk_size_))) return;
        session_.send({wire::ok});
        if (session_.version() < 2) {
            count_ = 1;  // version 1 sends exactly one file and no count
            state_ = State::name_length;
        }
    }

    std::size_t feed(std::span<const std::uint8_t> input) override {
        auto rest = input;
        while (!rest.empty() && session_.active()) {
            if (!step(rest)) break;
        }
        // After a failure everything is consumed and dropped: the session is over.
        return session_.active() ? input.size() - rest.size() : input.size();
    }

    void on_peer_end() override {
        if (state_ != State::committing) {
            session_.abort("client closed in the middle of an upload");
        }
    }

    bool reading_header() const override {
        return state_ == State::count || state_ == State::name_length || state_ == State::name ||
               state_ == State::size;
    }
    bool waiting_for_daemon() const override {
        return waiting_for_disk_ || state_ == State::committing;
    }

private:
    enum class State { count, name_length, name, size, content, committing };

    // Advances by what `rest` allows; false when it must wait (for input or the disk).
    bool step(std::span<const std::uint8_t>& rest) {
        if (disk_behind()) {
            waiting_for_disk_ = true;
            return false;
        }
        switch (state_) {
            case State::count:
                if (!reader_.i64(rest, count_)) return false;
                if (count_ < 1 || count_ > limits_.max_file_count) {
                    return fail("file count " + std::to_string(count_) + " is outside 1.." +
                                std::to_string(limits_.max_file_count));
                }
                state_ = State::name_length;
                return true;
            case State::name_length:
                if (!reader_.i64(rest, name_length_)) return false;
                if (name_length_ < 1 || name_length_ > static_cast<std::int64_t>(max_name_length)) {
                    return fail("file name length " + std::to_string(name_length_) +
                                " is outside 1..2048");
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

    bool disk_behind() const {
        if (!batch_ || state_ == State::committing) return false;
        return batch_->pending_steps() >= max_pending_steps ||
               in_flight_ >= max_chunks_in_flight * chunk_size_;
    }

    bool begin_entry() {
        bool directory = size_ < 0;
        if (directory && (session_.version() < 3 || size_ != -1)) {
            return fail("file size " + std::to_string(size_) + " is not allowed in version " +
                        std::to_string(session_.version()));
        }
        if (size_ > limits_.max_file_size) {
            return fail("file size " + std::to_string(size_) + " is over max_file_size " +
                        std::to_string(limits_.max_file_size));
        }
        auto checked = normalize_received_path(name_, session_.version(), directory);
        if (!checked.ok()) return fail(checked.error);
        if (auto conflict = plan_.add(checked.path, directory); !conflict.empty()) {
            return fail(conflict);
        }
        if (!batch_) batch_ = session_.services().files->begin_batch();
        if (directory) {
            batch_->add_directory(checked.path, disk_done());
            return next_entry();
        }
        // Refused before its first byte when working_dir cannot hold it: the declared size
        // is never allocated, only counted ([storage] max_bytes).
        if (auto refused = batch_->reserve(size_); !refused.empty()) {
            return fail("storage quota: " + refused);
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
    void grow_chunks() {
        MemoryBudget* budget = charge_.budget();
        if (budget == nullptr || chunk_size_ != small_upload_chunk) return;
        auto chunk =
            upload_chunk_for(budget->available(MemoryBudget::Share::work), charge_.bytes());
        if (chunk != chunk_size_ && charge_.resize(upload_working_set(chunk))) {
            chunk_size_ = chunk;
            spares_.clear();  // the small ones would only be grown one by one
        }
    }

    bool take_content(std::span<const std::uint8_t>& rest) {
        if (chunk_.capacity() == 0) {
            if (!spares_.empty() && remaining_ >= static_cast<std::int64_t>(chunk_size_)) {
                chunk_ = std::move(spares_.back());
                spares_.pop_back();
            } else {
                chunk_.reserve(static_cast<std::size_t>(
                    std::min<std::int64_t>(remaining_, static_cast<std::int64_t>(chunk_size_))));
            }
        }
        auto take = static_cast<std::size_t>(std::min<std::int64_t>(
            remaining_,
            static_cast<std::int64_t>(std::min(rest.size(), chunk_size_ - chunk_.size()))));
        chunk_.insert(chunk_.end(), rest.begin(), rest.begin() + static_cast<std::ptrdiff_t>(take));
        rest = rest.subspan(take);
        remaining_ -= static_cast<std::int64_t>(take);
        if (chunk_.size() == chunk_size_ || remaining_ == 0) flush_chunk();
        if (remaining_ == 0) return end_content();
        return true;
    }

    void flush_chunk() {
        if (chunk_.empty()) return;
        std::size_t size = chunk_.size();
        in_flight_ += size;
        batch_->write_reusing(
            std::move(chunk_),
            guard_.wrap([this, size](std::string error, std::vector<std::uint8_t> spent) {
                in_flight_ -= size;
                if (!error.empty()) return fail(error), void();
                keep_spare(std::move(spent));
                on_disk_progress();
            }));
        chunk_ = {};
    }

    // A written chunk's buffer, kept to be filled again (see IncomingBatch::write_reusing).
    // At most the three chunks of the working set exist, spare or not.
    void keep_spare(std::vector<std::uint8_t> spent) {
        if (spent.capacity() != chunk_size_ || spares_.size() >= max_chunks_in_flight) return;
        spent.clear();
        spares_.push_back(std::move(spent));
    }

    bool end_content() {
        batch_->end_file(disk_done());
        return next_entry();
    }

    bool next_entry() {
        if (!session_.active()) return false;
        if (++received_ < count_) {
            state_ = State::name_length;
            session_.begin_header();  // each entry's header has its own deadline
            return true;
        }
        state_ = State::committing;
        session_.summary().entries = received_;
        // From here the daemon finishes the batch whatever the client does.
        session_.commits().commit(std::move(batch_),
                                  guard_.wrap([this](std::string error, std::size_t) {
                                      if (!session_.active())
                                          return;  // an earlier step failed and ended it
                                      if (!error.empty()) return fail(error), void();
                                      // Only now is the batch stored: that is what the
                                      // acknowledgement says.
                                      if (session_.version() >= 4) session_.send({wire::ok});
                                      session_.finish();
                                  }));
        return false;
    }

    IncomingBatch::Done disk_done() {
        return guard_.wrap([this](std::string error) {
            if (!error.empty()) return fail(error), void();
            on_disk_progress();
        });
    }

    void on_disk_progress() {
        if (waiting_for_disk_ && !disk_behind()) {
            waiting_for_disk_ = false;
            session_.resume_input();
        }
    }

    bool fail(const std::string& why) {
        session_.abort("upload refused: " + why);
        return false;
    }

    Session& session_;
    SessionLimits limits_;
    MemoryCharge charge_;
    State state_ = State::count;
    FieldReader reader_;
    std::int64_t count_ = 0;
    std::int64_t received_ = 0;
    std::int64_t name_length_ = 0;
    std::string name_;
    std::int64_t size_ = 0;
    std::int64_t remaining_ = 0;
    std::size_t chunk_size_ = small_upload_chunk;
    std::vector<std::uint8_t> chunk_;
    std::vector<std::vector<std::uint8_t>> spares_;  // written chunks' buffers, to refill
    std::size_t in_flight_ = 0;
    bool waiting_for_disk_ = false;
    BatchPlan plan_;
    std::unique_ptr<IncomingBatch> batch_;
    CallbackGuard guard_{[this] { session_.out_of_memory(); }};
};

}  // namespace

std::unique_ptr<MethodHandler> make_get_files_handler(Session& session) {
    return std::make_unique<GetFilesHandler>(session);
}

std::unique_ptr<MethodHandler> make_send_files_handler(Session& session) {
    return std::make_unique<SendFilesHandler>(session);
}

}  // namespace clipshare
