// A download's body from disk: one file as it is (Content-Length), or the entries of a
// folder's listing as a tar stream in HTTP chunks. Like the protocol's FilesSender it reads
// one chunk ahead of the socket and waits for the host's output to drain before reading
// more: a client that never reads costs its socket buffers and two chunks, whatever the size.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>

#include "files/transfer.hpp"
#include "util/callback_guard.hpp"
#include "web/web_host.hpp"

namespace clipshare {

class WebDownload {
public:
    enum class Form { raw, tar };
    // `done` gets "" once every byte is queued, else why the body stops short (the host
    // then ends the connection: the client sees a short body, never a wrong one).
    using Done = std::function<void(std::string error)>;

    // raw: `entries` holds the one file. tar: `entries` are the first of the folder's
    // entries, `more` yields the rest.
    WebDownload(WebHost& host, FileService& files, Form form, std::deque<FileEntry> entries,
                std::unique_ptr<FileListing> more, std::int64_t mtime, Done done);
    void start() { pump(); }
    void on_output_drained() { pump(); }
    // Reading the disk for the client.
    bool reading() const { return reading_ || fetching_; }

private:
    void pump();
    void send(std::vector<std::uint8_t> bytes);
    void end(std::string error);

    WebHost& host_;
    FileService& files_;
    Form form_;
    std::deque<FileEntry> entries_;
    std::unique_ptr<FileListing> more_;
    std::int64_t mtime_;
    Done done_;
    std::unique_ptr<OutgoingFile> current_;
    std::int64_t remaining_ = 0;
    std::size_t padding_ = 0;
    bool reading_ = false;
    bool fetching_ = false;
    bool listing_ended_ = false;
    bool finished_ = false;
    CallbackGuard guard_;
};

}  // namespace clipshare
