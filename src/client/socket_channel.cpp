#include "client/socket_channel.hpp"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include "client/errors.hpp"
#include "client/interrupt.hpp"

namespace clipshare::client {
namespace {

std::string describe(const std::string& host, std::uint16_t port) {
    bool ipv6 = host.find(':') != std::string::npos;
    return (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

// One non-blocking connect with a deadline. Returns the connected fd, or -1 with `error`.
int connect_one(const addrinfo& address, int timeout_ms, int& error) {
    int fd = ::socket(address.ai_family, address.ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                      address.ai_protocol);
    if (fd < 0) {
        error = errno;
        return -1;
    }
    if (::connect(fd, address.ai_addr, address.ai_addrlen) != 0) {
        if (errno != EINPROGRESS) {
            error = errno;
            ::close(fd);
            return -1;
        }
        pollfd ready{fd, POLLOUT, 0};
        int rc;
        while ((rc = poll(&ready, 1, timeout_ms)) < 0 && errno == EINTR) {
            if (interrupted()) break;
        }
        if (rc <= 0) {
            error = rc == 0 ? ETIMEDOUT : errno;
            ::close(fd);
            check_interrupted();
            return -1;
        }
        socklen_t length = sizeof error;
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length);
        if (error != 0) {
            ::close(fd);
            return -1;
        }
    }
    // Requests are small and each waits for an answer: Nagle would only add delay.
    int on = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
    return fd;
}

}  // namespace

std::string strip_brackets(const std::string& host) {
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
        return host.substr(1, host.size() - 2);
    }
    return host;
}

std::unique_ptr<SocketChannel> SocketChannel::connect(const std::string& host_argument,
                                                      std::uint16_t port, int timeout_ms) {
    std::string host = strip_brackets(host_argument);
    std::string where = describe(host, port);
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    std::string service = std::to_string(port);
    int rc = getaddrinfo(host.c_str(), service.c_str(), &hints, &found);
    if (rc != 0) fail(Exit::connection, "cannot resolve " + host + ": " + gai_strerror(rc));
    std::unique_ptr<addrinfo, void (*)(addrinfo*)> addresses{found, freeaddrinfo};

    int error = 0;
    for (const addrinfo* address = found; address != nullptr; address = address->ai_next) {
        int fd = connect_one(*address, timeout_ms, error);
        if (fd >= 0) return std::make_unique<SocketChannel>(fd, where, timeout_ms);
    }
    fail(Exit::connection, "cannot connect to " + where + ": " + std::strerror(error));
}

SocketChannel::SocketChannel(int fd, std::string peer, int timeout_ms)
    : fd_(fd), peer_(std::move(peer)), timeout_ms_(timeout_ms) {
    // All waiting happens in poll(), where the timeout and Ctrl-C are handled.
    fcntl(fd_, F_SETFL, fcntl(fd_, F_GETFL) | O_NONBLOCK);
}

SocketChannel::~SocketChannel() {
    if (fd_ >= 0) ::close(fd_);
}

void SocketChannel::wait_for(short events, const char* doing) {
    pollfd ready{fd_, events, 0};
    for (;;) {
        int rc = poll(&ready, 1, timeout_ms_);
        if (rc > 0) return;
        if (rc == 0) {
            char seconds[32];
            std::snprintf(seconds, sizeof seconds, "%g s", timeout_ms_ / 1000.0);
            fail(Exit::connection,
                 "timed out " + std::string{doing} + " " + peer_ + " (" + seconds + ")");
        }
        if (errno == EINTR) {
            check_interrupted();
            continue;
        }
        fail(Exit::connection, "connection to " + peer_ + ": " + std::strerror(errno));
    }
}

std::size_t SocketChannel::read_some(std::span<std::uint8_t> out) {
    for (;;) {
        check_interrupted();
        ssize_t got = ::recv(fd_, out.data(), out.size(), 0);
        if (got >= 0) return static_cast<std::size_t>(got);
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            wait_for(POLLIN, "waiting for");
        } else if (errno != EINTR) {
            throw ConnectionLost("connection to " + peer_ + " lost: " + std::strerror(errno));
        }
    }
}

void SocketChannel::write_all(std::span<const std::uint8_t> data) {
    while (!data.empty()) {
        check_interrupted();
        ssize_t sent = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
        if (sent >= 0) {
            data = data.subspan(static_cast<std::size_t>(sent));
        } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
            wait_for(POLLOUT, "sending to");
        } else if (errno == EPIPE || errno == ECONNRESET) {
            throw ConnectionLost("the server " + peer_ + " closed the connection while we " +
                                 "were sending (it refused or could not take the data)");
        } else if (errno != EINTR) {
            throw ConnectionLost("connection to " + peer_ + " lost: " + std::strerror(errno));
        }
    }
}

}  // namespace clipshare::client
