// Replies that carry a body bigger than a message: files and in-memory bytes go out through a
// bounded window per connection. A producer queues at most one chunk ahead
// of the socket, so a client that never reads costs its socket buffers plus one window, and
// each reply's working set is charged to the daemon's memory budget before it starts.
#pragma once

#include <deque>
#include <functional>
#include <memory>
#include <vector>

#include "proto/session.hpp"
#include "util/callback_guard.hpp"

namespace clipshare {

// In-memory bodies (text, images from commands) and uploads move 64 KiB at a time.
inline constexpr std::size_t transfer_chunk_size = 64 * 1024;
// Files are read 128 KiB at a time: each read is a trip to the thread pool, and at 64 KiB the
// daemon's CPU per GiB sent doubled.
inline constexpr std::size_t file_chunk_size = 128 * 1024;
// What the transport may add to a file chunk on its way out: the entry's header before its
// first chunk, TLS records' headers and tags (under 1/64 of the bytes with records of 1 KiB or
// more). It does not count against the window: otherwise a chunk sent over TLS counts as more
// than a chunk, and the disk and the socket take turns instead of working at once.
inline constexpr std::size_t file_framing_allowance = file_chunk_size / 32;
// A producer goes on while no more than one chunk waits for the socket, so one chunk can be
// read while the last one is sent: a reply's working set is two chunks (files: and their
// framing).
inline constexpr std::size_t bytes_working_set = 2 * transfer_chunk_size;
inline constexpr std::size_t files_working_set = 2 * (file_chunk_size + file_framing_allowance);
// A listing's own memory on top: its window of names and the entries fetched ahead.
inline constexpr std::size_t listing_working_set = 64 * 1024;

// Takes `bytes` of the session's budget for a reply, or ends the session (the budget is
// spent: the request is refused with a close, and the log names the peer).
bool reserve_for_reply(Session& session, MemoryCharge& charge, std::size_t bytes);

// Streams files: for each entry its name and size (when `with_headers`), then its content
// in chunks read from the disk; entries come from `initial`, then from `more` a window at a
// time. Exactly `expected` entries must come: the count is already on the wire, so a
// listing that changed meanwhile ends the connection rather than send wrong bytes.
class FilesSender {
public:
    FilesSender(Session& session, std::deque<FileEntry> initial, FileListing* more,
                std::int64_t expected, bool with_headers, std::function<void()> on_done);
    void start() { pump(); }
    void on_output_drained() { pump(); }
    bool reading() const { return reading_ || fetching_; }

private:
    void pump();
    void on_chunk(std::string error, std::vector<std::uint8_t> chunk);
    void on_entries(std::string error, std::vector<FileEntry> entries);
    std::size_t ahead();

    Session& session_;
    std::deque<FileEntry> entries_;
    FileListing* more_;
    std::int64_t expected_;
    std::int64_t started_ = 0;  // entries begun
    bool with_headers_;
    std::function<void()> on_done_;
    std::unique_ptr<OutgoingFile> current_;
    FileEntry current_entry_;
    std::int64_t remaining_ = 0;
    std::vector<std::uint8_t> header_;  // goes out with the entry's first chunk
    bool reading_ = false;
    bool fetching_ = false;
    bool listing_ended_ = false;
    bool finished_ = false;
    MemoryCharge ahead_;  // the transport's write-ahead, charged
    bool ahead_asked_ = false;
    CallbackGuard guard_{[this] { session_.out_of_memory(); }};
};

// Streams `prefix` and then the shared bytes `body`, a window at a time (the clipboard's
// text, an image from a command): every connection sends from the same buffer.
class BytesSender {
public:
    BytesSender(Session& session, std::vector<std::uint8_t> prefix, SharedBytes body,
                std::function<void()> on_done);
    void start() { pump(); }
    void on_output_drained() { pump(); }

private:
    void pump();

    Session& session_;
    std::vector<std::uint8_t> prefix_;
    SharedBytes body_;
    std::size_t offset_ = 0;
    std::function<void()> on_done_;
    bool finished_ = false;
};

// The files part of Get Files and Get Any: the clipboard's items, walked for the session's
// version (counted first, then streamed), then `prefix`, the count and every entry. Nothing
// to send is `on_no_data`.
class FilesReply {
public:
    FilesReply(Session& session, std::vector<std::uint8_t> prefix, std::function<void()> on_done,
               std::function<void()> on_no_data);
    void start();
    void on_output_drained() {
        if (sender_) sender_->on_output_drained();
    }
    // Listing or reading the disk for the client.
    bool waiting_for_daemon() const { return counting_ || (sender_ && sender_->reading()); }

private:
    Session& session_;
    std::vector<std::uint8_t> prefix_;
    std::function<void()> on_done_;
    std::function<void()> on_no_data_;
    MemoryCharge charge_;
    std::unique_ptr<FileListing> listing_;
    std::unique_ptr<FilesSender> sender_;
    bool counting_ = false;
    CallbackGuard guard_{[this] { session_.out_of_memory(); }};
};

}  // namespace clipshare
