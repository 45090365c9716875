// Streams files to the client: for each entry its name and size (when `with_headers`), then
// its content in chunks read from the disk. Reads stop while the socket is behind, so memory
// stays at a few chunks whatever the file sizes.
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "proto/session.hpp"
#include "util/work_queue.hpp"

namespace clipshare {

inline constexpr std::size_t transfer_chunk_size = 128 * 1024;
// Stop reading the disk while this much is still queued for the socket.
inline constexpr std::size_t output_high_water = 2 * transfer_chunk_size;

class FilesSender {
public:
    FilesSender(Session& session, std::vector<FileEntry> entries, bool with_headers,
                std::function<void()> on_done);
    void start() { pump(); }
    void on_output_drained() { pump(); }

private:
    void pump();
    void on_chunk(std::string error, std::vector<std::uint8_t> chunk);

    Session& session_;
    std::vector<FileEntry> entries_;
    bool with_headers_;
    std::function<void()> on_done_;
    std::size_t index_ = 0;
    std::unique_ptr<OutgoingFile> current_;
    std::int64_t remaining_ = 0;
    std::vector<std::uint8_t> header_;  // goes out with the entry's first chunk
    bool reading_ = false;
    bool finished_ = false;
    CallbackGuard guard_;
};

// The files part of Get Files and Get Any: the clipboard's items, listed for the session's
// version, then `prefix`, the count and every entry. Nothing to send is `on_no_data`.
class FilesReply {
public:
    FilesReply(Session& session, std::vector<std::uint8_t> prefix, std::function<void()> on_done,
               std::function<void()> on_no_data);
    void start();
    void on_output_drained() {
        if (sender_) sender_->on_output_drained();
    }

private:
    void send(std::vector<FileEntry> entries);

    Session& session_;
    std::vector<std::uint8_t> prefix_;
    std::function<void()> on_done_;
    std::function<void()> on_no_data_;
    std::unique_ptr<FilesSender> sender_;
    CallbackGuard guard_;
};

}  // namespace clipshare
