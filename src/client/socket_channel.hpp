// A blocking-style TCP connection for the command-line client: every wait is a poll() with
// the user's timeout, so a silent server cannot hang the client, and Ctrl-C interrupts it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "client/channel.hpp"

namespace clipshare::client {

class SocketChannel final : public Channel {
public:
    // Connects to `host` (a name, an IPv4 address, or an IPv6 address with or without
    // brackets), trying each address it resolves to. `timeout_ms` bounds the connect and
    // each later wait for the server. Throws ClientError(Exit::connection).
    static std::unique_ptr<SocketChannel> connect(const std::string& host, std::uint16_t port,
                                                  int timeout_ms);

    // Takes ownership of a connected stream socket (tests use one end of a socketpair).
    SocketChannel(int fd, std::string peer, int timeout_ms);
    ~SocketChannel() override;
    SocketChannel(const SocketChannel&) = delete;
    SocketChannel& operator=(const SocketChannel&) = delete;

    std::size_t read_some(std::span<std::uint8_t> out) override;
    void write_all(std::span<const std::uint8_t> data) override;

    const std::string& peer() const { return peer_; }

private:
    // Waits until the socket is ready for `events`; throws on timeout or interruption.
    void wait_for(short events, const char* doing);

    int fd_;
    std::string peer_;
    int timeout_ms_;
};

// "[::1]" -> "::1"; anything else unchanged.
std::string strip_brackets(const std::string& host);

}  // namespace clipshare::client
