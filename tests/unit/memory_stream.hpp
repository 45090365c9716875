// A Stream over memory, and the network behind it played by the test: bytes the client sends,
// how much of the reply the network has taken (so pending output is real), the peer's end and
// the moment the transport reports its close. Callbacks come only when the test asks for
// them, never from inside a call the connection made, just as libuv never calls back from
// inside uv_write or uv_close.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "net/stream.hpp"

namespace clipshare::test {

class MemoryStream;

// What the test keeps; it outlives the stream, which the connection owns and destroys.
class MemoryPeer {
public:
    using Bytes = std::vector<std::uint8_t>;

    // Bytes from the client: delivered at once while the stream reads, else held until
    // deliver() finds it reading again (the kernel's receive buffer).
    void send(const Bytes& bytes) {
        held_.insert(held_.end(), bytes.begin(), bytes.end());
        deliver();
    }
    // The client's end (0) or a transport error (a negative libuv code), delivered once,
    // after the held bytes, while the stream reads.
    void end(int status = 0) {
        end_status_ = status;
        deliver();
    }
    // From now on, read the way TcpStream does: into the buffer the handler lends where it
    // lends one, else at most `read_size` bytes into the stream's own.
    void read_in_place(std::size_t read_size) { read_size_ = read_size; }
    // Delivers what is held, if the stream reads now.
    void deliver() {
        if (handler_ == nullptr || !reading_ || closing_) return;
        if (read_size_ > 0) {
            deliver_in_place();
        } else if (!held_.empty()) {
            Bytes bytes = std::move(held_);
            held_.clear();
            handler_->on_stream_data(bytes);
        }
        if (end_status_ && !end_delivered_ && handler_ != nullptr && reading_ && !closing_) {
            end_delivered_ = true;
            reading_ = false;
            handler_->on_stream_end(*end_status_);
        }
    }
    // The network takes up to `max_bytes` of the queued reply; once the queue is empty the
    // stream reports it drained (as TcpStream does when its last write completes).
    void take(std::size_t max_bytes = SIZE_MAX) {
        auto taken = std::min(max_bytes, pending_);
        pending_ -= taken;
        if (taken > 0 && pending_ == 0 && handler_ != nullptr && !closing_) {
            handler_->on_stream_drained();
        }
    }
    // The transport has finished closing: the handler hears it once (and may destroy the
    // stream and itself).
    void report_closed() {
        if (handler_ == nullptr || !closing_ || closed_reported_) return;
        closed_reported_ = true;
        handler_->on_stream_closed();
    }

    // Bytes that were read into a buffer the handler lent.
    std::size_t in_place_bytes() const { return in_place_bytes_; }
    // Everything the connection wrote, in order, taken or not.
    const Bytes& written() const { return written_; }
    std::size_t pending() const { return pending_; }
    int writes() const { return writes_; }
    bool reading() const { return reading_; }
    int shutdowns() const { return shutdowns_; }
    int closes() const { return closes_; }
    bool stream_alive() const { return stream_alive_; }

private:
    friend class MemoryStream;

    void deliver_in_place() {
        while (handler_ != nullptr && reading_ && !closing_ && !held_.empty()) {
            auto lent = handler_->read_target();
            auto size = std::min(held_.size(), lent.empty() ? read_size_ : lent.size());
            Bytes bytes(held_.begin(), held_.begin() + static_cast<std::ptrdiff_t>(size));
            held_.erase(held_.begin(), held_.begin() + static_cast<std::ptrdiff_t>(size));
            if (lent.empty()) {
                handler_->on_stream_data(bytes);
            } else {
                std::copy(bytes.begin(), bytes.end(), lent.begin());
                in_place_bytes_ += size;
                handler_->on_stream_filled(size);
            }
        }
    }

    StreamHandler* handler_ = nullptr;
    bool stream_alive_ = false;
    Bytes held_;
    std::size_t read_size_ = 0;  // 0: everything held in one read, never in place
    std::size_t in_place_bytes_ = 0;
    std::optional<int> end_status_;
    bool end_delivered_ = false;
    Bytes written_;
    std::size_t pending_ = 0;
    int writes_ = 0;
    bool reading_ = false;
    bool closing_ = false;
    bool closed_reported_ = false;
    int shutdowns_ = 0;
    int closes_ = 0;
};

class MemoryStream final : public Stream {
public:
    explicit MemoryStream(MemoryPeer& peer) : peer_(peer) { peer_.stream_alive_ = true; }
    ~MemoryStream() override {
        peer_.stream_alive_ = false;
        peer_.handler_ = nullptr;
    }
    MemoryStream(const MemoryStream&) = delete;
    MemoryStream& operator=(const MemoryStream&) = delete;

    void set_handler(StreamHandler* handler) override { peer_.handler_ = handler; }
    void read_start() override {
        if (!peer_.closing_ && !peer_.end_delivered_) peer_.reading_ = true;
    }
    void read_stop() override { peer_.reading_ = false; }
    void write(std::vector<std::uint8_t> bytes) override {
        if (peer_.closing_ || bytes.empty()) return;
        ++peer_.writes_;
        peer_.pending_ += bytes.size();
        peer_.written_.insert(peer_.written_.end(), bytes.begin(), bytes.end());
    }
    std::size_t pending_write_bytes() const override { return peer_.pending_; }
    void shutdown_write() override {
        if (!peer_.closing_) ++peer_.shutdowns_;
    }
    void close() override {
        ++peer_.closes_;
        peer_.closing_ = true;
        peer_.reading_ = false;
    }
    const std::string& peer() const override { return name_; }

private:
    MemoryPeer& peer_;
    std::string name_ = "memory-peer:1";
};

}  // namespace clipshare::test
