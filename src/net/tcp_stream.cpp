#include "net/tcp_stream.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <climits>
#include <cstdio>
#include <new>

namespace clipshare {
namespace {

// One read buffer for the whole loop: a read callback consumes (or copies) its data before
// returning, so connections need not each carry 64 KiB while they wait.
std::array<char, 64 * 1024> shared_read_buffer;

struct WriteRequest {
    uv_write_t request{};
    std::vector<std::uint8_t> bytes;
};

}  // namespace

std::string format_host(const sockaddr* address) {
    char host[INET6_ADDRSTRLEN] = "?";
    if (address->sa_family == AF_INET) {
        uv_ip4_name(reinterpret_cast<const sockaddr_in*>(address), host, sizeof host);
    } else if (address->sa_family == AF_INET6) {
        uv_ip6_name(reinterpret_cast<const sockaddr_in6*>(address), host, sizeof host);
    }
    return host;
}

std::string format_address(const sockaddr* address) {
    char host[INET6_ADDRSTRLEN] = "?";
    int port = 0;
    if (address->sa_family == AF_INET) {
        const auto* in = reinterpret_cast<const sockaddr_in*>(address);
        uv_ip4_name(in, host, sizeof host);
        port = ntohs(in->sin_port);
        return std::string{host} + ":" + std::to_string(port);
    }
    if (address->sa_family == AF_INET6) {
        const auto* in6 = reinterpret_cast<const sockaddr_in6*>(address);
        uv_ip6_name(in6, host, sizeof host);
        port = ntohs(in6->sin6_port);
        return "[" + std::string{host} + "]:" + std::to_string(port);
    }
    return "unknown";
}

std::unique_ptr<TcpStream> TcpStream::accept(uv_stream_t* server, int& error) {
    auto stream = std::make_unique<TcpStream>();
    error = uv_tcp_init(server->loop, stream->tcp_.get());
    if (error != 0) return nullptr;
    stream->tcp_.mark_initialized();
    stream->tcp_.get()->data = stream.get();
    error = uv_accept(server, stream->tcp_.stream());
    if (error != 0) return nullptr;
    // Replies are written whole, one message per write: Nagle would only delay them.
    uv_tcp_nodelay(stream->tcp_.get(), 1);
    sockaddr_storage address{};
    int length = sizeof address;
    if (uv_tcp_getpeername(stream->tcp_.get(), reinterpret_cast<sockaddr*>(&address), &length) ==
        0) {
        stream->peer_ = format_address(reinterpret_cast<sockaddr*>(&address));
        stream->address_ = format_host(reinterpret_cast<sockaddr*>(&address));
    } else {
        stream->peer_ = stream->address_ = "unknown";
    }
    return stream;
}

TcpStream::~TcpStream() = default;

void TcpStream::set_quick_ack(bool enabled) {
    quick_ack_ = enabled;
    if (enabled) request_quick_ack();
}

void TcpStream::request_quick_ack() {
    uv_os_fd_t fd;
    if (closing_ || uv_fileno(tcp_.base(), &fd) != 0) return;
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof one);
}

void TcpStream::read_start() {
    if (reading_ || ended_ || closing_) return;
    int rc = uv_read_start(tcp_.stream(), &TcpStream::on_alloc, &TcpStream::on_read);
    if (rc != 0) {
        end(rc);
        return;
    }
    reading_ = true;
}

void TcpStream::read_stop() {
    if (!reading_) return;
    uv_read_stop(tcp_.stream());
    reading_ = false;
}

// libuv asks for a buffer right before each read(2) and hands it back to on_read right
// after, in the same call: a buffer the handler lends needs to live no longer than that.
void TcpStream::on_alloc(uv_handle_t* handle, size_t, uv_buf_t* buf) {
    auto* self = static_cast<TcpStream*>(handle->data);
    const std::span<std::uint8_t> lent =
        self != nullptr ? lent_read_target(self->handler_) : std::span<std::uint8_t>{};
    if (lent.empty()) {
        *buf = uv_buf_init(shared_read_buffer.data(), shared_read_buffer.size());
    } else {
        *buf = uv_buf_init(reinterpret_cast<char*>(lent.data()),
                           static_cast<unsigned>(std::min<std::size_t>(lent.size(), UINT_MAX)));
    }
}

void TcpStream::on_read(uv_stream_t* handle, ssize_t nread, const uv_buf_t* buf) {
    auto* self = static_cast<TcpStream*>(handle->data);
    if (self == nullptr || nread == 0) return;
    if (nread > 0) {
        // Linux leaves quick-ACK mode on its own; ask again after every read.
        if (self->quick_ack_) self->request_quick_ack();
        try {
            auto size = static_cast<std::size_t>(nread);
            if (buf->base == shared_read_buffer.data()) {
                self->handler_->on_stream_data(
                    {reinterpret_cast<const std::uint8_t*>(buf->base), size});
            } else {
                self->handler_->on_stream_filled(size);
            }
        } catch (const std::bad_alloc&) {
            // Whatever layer above ran out of memory, only this connection pays for it.
            self->read_stop();
            self->end(UV_ENOMEM);
        }
        return;
    }
    self->read_stop();
    self->end(nread == UV_EOF ? 0 : static_cast<int>(nread));
}

void TcpStream::end(int status) {
    if (ended_) return;
    ended_ = true;
    if (handler_) handler_->on_stream_end(status);
}

void TcpStream::write(std::vector<std::uint8_t> bytes) {
    if (closing_ || bytes.empty()) return;
    auto request = std::make_unique<WriteRequest>();
    request->bytes = std::move(bytes);
    uv_buf_t buf = uv_buf_init(reinterpret_cast<char*>(request->bytes.data()),
                               static_cast<unsigned>(request->bytes.size()));
    std::size_t size = request->bytes.size();
    int rc = uv_write(&request->request, tcp_.stream(), &buf, 1, &TcpStream::on_write);
    if (rc != 0) {
        end(rc);
        return;
    }
    pending_write_bytes_ += size;
    request.release();  // owned by libuv until on_write
}

void TcpStream::on_write(uv_write_t* raw_request, int status) {
    std::unique_ptr<WriteRequest> request{reinterpret_cast<WriteRequest*>(raw_request)};
    auto* self = static_cast<TcpStream*>(raw_request->handle->data);
    if (self == nullptr) return;  // closed meanwhile: the owner is gone or going
    self->pending_write_bytes_ -= request->bytes.size();
    if (status < 0) {
        self->read_stop();
        self->end(status);
        return;
    }
    if (self->pending_write_bytes_ == 0 && self->handler_) {
        try {
            self->handler_->on_stream_drained();
        } catch (const std::bad_alloc&) {
            self->read_stop();
            self->end(UV_ENOMEM);
        }
    }
}

void TcpStream::shutdown_write() {
    if (closing_) return;
    auto request = std::make_unique<uv_shutdown_t>();
    if (uv_shutdown(request.get(), tcp_.stream(), [](uv_shutdown_t* done, int) {
            std::unique_ptr<uv_shutdown_t> owned{done};
        }) == 0) {
        request.release();
    }
}

void TcpStream::close() {
    if (closing_) return;
    closing_ = true;
    reading_ = false;
    tcp_.close(
        [](void* context) {
            auto* self = static_cast<TcpStream*>(context);
            if (self->handler_) self->handler_->on_stream_closed();
        },
        this);
}

}  // namespace clipshare
