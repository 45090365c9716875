// The receiving side of a Send Files stream after its method byte (count, then each entry's
// name, size and content), from bytes to an atomic batch on disk: every name checked by
// files/names and the batch plan, each file's size reserved in the storage quota before its
// data, content written through the batch's window, input held while the disk is behind,
// and once the last byte is in, the batch handed to the BatchCommitter. Protocol Send Files
// (proto/methods_files.cpp) and the web upload (web/web_upload.cpp) both run it, so the two
// cannot drift apart. No I/O of its own: the host owns the connection.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "files/batch_plan.hpp"
#include "files/transfer.hpp"
#include "proto/batch_committer.hpp"
#include "proto/field_reader.hpp"
#include "proto/session.hpp"
#include "proto/upload_chunks.hpp"
#include "util/callback_guard.hpp"

namespace clipshare {

// Why an upload was refused, for hosts that answer with a status (HTTP).
enum class UploadError {
    bad_stream,  // a field out of its range, a bad name, a conflict in the batch
    over_limit,  // max_file_count, max_file_size, max_path_depth, max_batch_name_bytes
    no_room,     // [storage]: working_dir cannot hold it
    disk,        // writing or committing failed
};

class UploadHost {
public:
    // Called once; the batch is gone (nothing of it stays on disk).
    virtual void upload_failed(UploadError kind, const std::string& why) = 0;
    // The batch is placed and is the clipboard's content.
    virtual void upload_stored(std::int64_t entries) = 0;
    // feed() stopped short because the disk was behind; it has caught up now.
    virtual void upload_resume() = 0;
    // The next entry's header begins (the protocol gives each its own deadline).
    virtual void upload_next_header() {}
    virtual void upload_out_of_memory() = 0;

protected:
    ~UploadHost() = default;
};

class UploadStream {
public:
    // `version` decides what the stream may hold: 1 is one file without a count (call
    // expect_one_file), 3+ allows empty directories (size -1). `working` is the host's
    // charge for the stream's chunks, reserved at upload_working_set(small_upload_chunk)
    // before the host invites the stream; it grows with the chunks (upload_chunks.hpp).
    UploadStream(UploadHost& host, const SessionLimits& limits, int version, FileService& files,
                 BatchCommitter& commits, MemoryCharge plan_charge, MemoryCharge& working);

    void expect_one_file();
    // Takes what it can of `input`; stops short while the disk is behind (then
    // upload_resume follows), once every entry is in, or after a failure.
    std::size_t feed(std::span<const std::uint8_t> input);
    // While a file's content arrives: the free tail of the chunk being filled, at most the
    // bytes still to come of this file, for the transport to read into (no copy); empty
    // otherwise, and the bytes go through feed(). The chunk is part of the working set that
    // `working` is charged for: lending it takes no memory of its own.
    std::span<std::uint8_t> read_target();
    // `size` bytes were read into the start of read_target(). False when the disk is behind:
    // the host holds input until upload_resume.
    bool filled(std::size_t size);

    bool reading_header() const;
    bool waiting_for_disk() const { return waiting_for_disk_; }
    // Every entry is in: the batch is the committer's now.
    bool complete() const { return state_ == State::committing; }
    bool failed() const { return failed_; }

private:
    enum class State { count, name_length, name, size, content, committing };

    bool step(std::span<const std::uint8_t>& rest);
    bool disk_behind() const;
    bool caught_up() const;
    bool begin_entry();
    void grow_chunks();
    bool take_content(std::span<const std::uint8_t>& rest);
    void prepare_chunk();
    bool took(std::size_t size);
    void flush_chunk();
    void keep_spare(std::vector<std::uint8_t> spent);
    bool end_content();
    bool next_entry();
    IncomingBatch::Done disk_done();
    void on_disk_progress();
    bool fail(UploadError kind, const std::string& why);

    UploadHost& host_;
    SessionLimits limits_;
    int version_;
    FileService& files_;
    BatchCommitter& commits_;
    MemoryCharge& working_;
    State state_ = State::count;
    FieldReader reader_;
    std::int64_t count_ = 0;
    std::int64_t received_ = 0;
    std::int64_t name_length_ = 0;
    std::string name_;
    std::int64_t size_ = 0;
    std::int64_t remaining_ = 0;
    std::size_t chunk_size_ = small_upload_chunk;
    // Sized to the content it will hold (the rest of the file, at most a chunk) when it is
    // begun; its first filled_ bytes have arrived.
    std::vector<std::uint8_t> chunk_;
    std::size_t filled_ = 0;
    std::vector<std::vector<std::uint8_t>> spares_;  // written chunks' buffers, to refill
    std::size_t in_flight_ = 0;
    bool waiting_for_disk_ = false;
    bool failed_ = false;
    BatchPlan plan_;
    std::unique_ptr<IncomingBatch> batch_;
    CallbackGuard guard_{[this] { host_.upload_out_of_memory(); }};
};

}  // namespace clipshare
