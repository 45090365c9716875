// A Stream over one accepted (or connected) uv_tcp_t.
#pragma once

#include <uv.h>

#include <memory>
#include <string>

#include "net/stream.hpp"
#include "util/uv_handle.hpp"

namespace clipshare {

class TcpStream final : public Stream {
public:
    // Accepts the pending connection of `server`. On failure returns nullptr and sets
    // `error` to the libuv error code.
    static std::unique_ptr<TcpStream> accept(uv_stream_t* server, int& error);

    TcpStream() = default;
    // Owners must destroy a TcpStream either before close() or after on_stream_closed().
    ~TcpStream() override;

    void set_handler(StreamHandler* handler) override { handler_ = handler; }
    void read_start() override;
    void read_stop() override;
    void write(std::vector<std::uint8_t> bytes) override;
    std::size_t pending_write_bytes() const override { return pending_write_bytes_; }
    void shutdown_write() override;
    void close() override;
    const std::string& peer() const override { return peer_; }
    // The peer's address alone (no port): what per-address limits count.
    const std::string& address() const { return address_; }
    void set_quick_ack(bool enabled) override;

private:
    static void on_alloc(uv_handle_t* handle, size_t suggested, uv_buf_t* buf);
    static void on_read(uv_stream_t* handle, ssize_t nread, const uv_buf_t* buf);
    static void on_write(uv_write_t* request, int status);
    void end(int status);
    void request_quick_ack();

    UvHandle<uv_tcp_t> tcp_;
    StreamHandler* handler_ = nullptr;
    std::string peer_;
    std::string address_;
    std::size_t pending_write_bytes_ = 0;
    bool reading_ = false;
    bool ended_ = false;
    bool closing_ = false;
    bool quick_ack_ = false;
};

// "1.2.3.4:5678" or "[::1]:5678".
std::string format_address(const sockaddr* address);
// "1.2.3.4" or "::1".
std::string format_host(const sockaddr* address);

}  // namespace clipshare
