// Sending one PNG: `prefix` (status bytes), i64 size, the bytes, from memory or streamed from
// a file. Images over 1 GiB, empty ones and vanished files are "no data".
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "proto/files_sender.hpp"
#include "proto/session.hpp"
#include "util/callback_guard.hpp"

namespace clipshare {

inline constexpr std::uint64_t max_image_size = std::uint64_t{1} << 30;

class ImageSender {
public:
    ImageSender(Session& session, std::vector<std::uint8_t> prefix, std::function<void()> on_done,
                std::function<void()> on_no_data);
    // Takes the reply's memory first (false: the session was refused and ended).
    bool reserve() { return reserve_for_reply(session_, charge_, files_working_set); }
    void send(Image image);
    void on_output_drained() {
        if (files_) files_->on_output_drained();
        if (bytes_) bytes_->on_output_drained();
    }
    bool waiting_for_daemon() const { return listing_ != nullptr && !files_; }

private:
    void send_file(FileEntry entry);

    Session& session_;
    std::vector<std::uint8_t> prefix_;
    std::function<void()> on_done_;
    std::function<void()> on_no_data_;
    MemoryCharge charge_;
    std::unique_ptr<FileListing> listing_;
    std::unique_ptr<FilesSender> files_;
    std::unique_ptr<BytesSender> bytes_;
    CallbackGuard guard_{[this] { session_.out_of_memory(); }};
};

}  // namespace clipshare
