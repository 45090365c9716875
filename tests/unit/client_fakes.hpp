// Scripted fake servers for the client's protocol code. A script is every byte the server
// will send, in order; after it the server closes its sending side. What the client sends
// is recorded for the test to compare byte for byte.
//
// Two transports: memory (the Channel reads the script directly) and a socketpair with a
// server thread (real sockets, real partial reads). Tests run against both.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "client/channel.hpp"
#include "client/sinks.hpp"
#include "client/socket_channel.hpp"
#include "proto/wire.hpp"

namespace clipshare::client::test {

using Bytes = std::vector<std::uint8_t>;

inline Bytes operator+(Bytes a, const Bytes& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}
inline Bytes bytes(std::string_view text) {
    return Bytes(text.begin(), text.end());
}
inline Bytes i64(std::int64_t value) {
    auto encoded = wire::encode_i64(value);
    return Bytes(encoded.begin(), encoded.end());
}
// i64 length, then the bytes.
inline Bytes str(std::string_view text) {
    return i64(static_cast<std::int64_t>(text.size())) + bytes(text);
}

class MemoryChannel final : public Channel {
public:
    explicit MemoryChannel(Bytes script) : script_(std::move(script)) {}

    std::size_t read_some(std::span<std::uint8_t> out) override {
        // One byte at a time: the client must never rely on message boundaries.
        if (position_ == script_.size() || out.empty()) return 0;
        out[0] = script_[position_++];
        return 1;
    }
    void write_all(std::span<const std::uint8_t> data) override {
        sent.insert(sent.end(), data.begin(), data.end());
    }

    Bytes sent;

private:
    Bytes script_;
    std::size_t position_ = 0;
};

// The server end of a socketpair, run by a thread that sends the script and reads whatever
// the client sends, both at once (so neither side can block the other on a full buffer),
// until the client closes.
class SocketPairServer {
public:
    explicit SocketPairServer(Bytes script) {
        int fds[2];
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) std::abort();
        client_ = std::make_unique<SocketChannel>(fds[0], "fake server", 20000);
        thread_ =
            std::thread([this, fd = fds[1], script = std::move(script)] { serve(fd, script); });
    }
    ~SocketPairServer() { sent(); }

    Channel& channel() { return *client_; }

    // Closes the client's end and returns everything the client sent.
    const Bytes& sent() {
        client_.reset();
        if (thread_.joinable()) thread_.join();
        return received_;
    }

private:
    void serve(int fd, const Bytes& script) {
        fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
        std::size_t written = 0;
        bool write_open = true;
        for (;;) {
            if (write_open && written == script.size()) {
                shutdown(fd, SHUT_WR);
                write_open = false;
            }
            pollfd ready{fd, static_cast<short>(POLLIN | (write_open ? POLLOUT : 0)), 0};
            if (poll(&ready, 1, 20000) <= 0) break;  // safety net only
            if (write_open && (ready.revents & POLLOUT)) {
                ssize_t n =
                    ::send(fd, script.data() + written, script.size() - written, MSG_NOSIGNAL);
                if (n > 0) written += static_cast<std::size_t>(n);
                if (n < 0 && errno != EAGAIN) write_open = false;
            }
            if (ready.revents & (POLLIN | POLLHUP | POLLERR)) {
                std::uint8_t buffer[4096];
                ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
                if (n == 0 || (n < 0 && errno != EAGAIN)) break;
                if (n > 0) received_.insert(received_.end(), buffer, buffer + n);
            }
        }
        ::close(fd);
    }

    std::unique_ptr<SocketChannel> client_;
    std::thread thread_;
    Bytes received_;
};

// A ByteSink that keeps everything, and whether it was finished.
class MemorySink final : public ByteSink {
public:
    void write(std::span<const std::uint8_t> data) override {
        bytes.append(reinterpret_cast<const char*>(data.data()), data.size());
    }
    void finish() override { finished = true; }

    std::string bytes;
    bool finished = false;
};

// ReceivedFiles that records each call as a line: "dir a", "file a/b 3 abc", "commit".
class RecordingFiles final : public ReceivedFiles {
public:
    void directory(const std::string& path) override { log.push_back("dir " + path); }
    void begin_file(const std::string& path, std::int64_t size) override {
        current = "file " + path + " " + std::to_string(size) + " ";
    }
    void write(std::span<const std::uint8_t> data) override {
        current.append(reinterpret_cast<const char*>(data.data()), data.size());
    }
    void end_file() override { log.push_back(current); }
    std::vector<std::string> commit() override {
        log.push_back("commit");
        return {"placed"};
    }

    std::vector<std::string> log;
    std::string current;
};

}  // namespace clipshare::client::test
