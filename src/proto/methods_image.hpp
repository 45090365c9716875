// Sending one PNG: `prefix` (status bytes), i64 size, the bytes, from memory or streamed from
// a file. Images over 1 GiB, empty ones and vanished files are "no data".
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "proto/files_sender.hpp"
#include "proto/session.hpp"
#include "util/work_queue.hpp"

namespace clipshare {

inline constexpr std::uint64_t max_image_size = std::uint64_t{1} << 30;

class ImageSender {
public:
    ImageSender(Session& session, std::vector<std::uint8_t> prefix, std::function<void()> on_done,
                std::function<void()> on_no_data);
    void send(Image image);
    void on_output_drained() {
        if (sender_) sender_->on_output_drained();
    }

private:
    void send_file(FileEntry entry);

    Session& session_;
    std::vector<std::uint8_t> prefix_;
    std::function<void()> on_done_;
    std::function<void()> on_no_data_;
    std::unique_ptr<FilesSender> sender_;
    CallbackGuard guard_;
};

}  // namespace clipshare
