// One listening TCP socket. The server decides what to do with each incoming connection.
#pragma once

#include <uv.h>

#include <cstdint>
#include <memory>
#include <string>

#include "net/tcp_stream.hpp"
#include "util/uv_handle.hpp"

namespace clipshare {

class Listener;

class ListenerHandler {
public:
    virtual void on_incoming(Listener& listener) = 0;

protected:
    ~ListenerHandler() = default;
};

class Listener {
public:
    Listener(std::string name, ListenerHandler& handler)
        : name_(std::move(name)), handler_(handler) {}

    // Binds (the part that may need root). Returns "" or a one-line error
    // ("cannot listen on ...: reason").
    // `ipv6_only` keeps an IPv6 socket from also taking IPv4 (so "::" and "0.0.0.0" can
    // both be bound).
    std::string open(uv_loop_t* loop, const std::string& address, std::uint16_t port,
                     bool ipv6_only);

    // Starts accepting: from now on the port is ready for clients. "" or an error line.
    std::string listen();

    // Takes the next pending connection; nullptr (and `error`) when that fails.
    std::unique_ptr<TcpStream> accept(int& error) {
        return TcpStream::accept(tcp_.stream(), error);
    }

    void close() { tcp_.close(); }

    const std::string& name() const { return name_; }        // "plain" or "tls"
    const std::string& address() const { return address_; }  // what was bound, for logs
    std::uint16_t port() const { return port_; }

private:
    std::string name_;
    ListenerHandler& handler_;
    UvHandle<uv_tcp_t> tcp_;
    std::string address_;
    std::uint16_t port_ = 0;
};

}  // namespace clipshare
