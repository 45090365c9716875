// A stand-in for the upstream ClipShare server's TLS file path, to print beside clipshared's
// TLS bulk rows: an OpenSSL server in a thread of the bench, one blocking connection at a
// time, that speaks just enough of protocol v4 for Send Files and Get Files of one file and
// moves the bytes the simple way: SSL_read into a buffer and write() it to a file (no fsync),
// then the one-byte ack; or read() the file and SSL_write it. TLS 1.3 only, with
// AES-256-GCM (what upstream negotiates) or ChaCha20-Poly1305, whichever the client offers;
// the same certificates as the daemon, client certificate required. Not upstream's code: a
// measure of what OpenSSL and a plain read/write loop make on this machine.
#pragma once

#include <time.h>

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <string>
#include <thread>

#include "openssl_link.hpp"

namespace bench {

class ReferenceServer {
public:
    // Listens on a free 127.0.0.1 port; its files go to a fresh directory under `base`.
    ReferenceServer(const std::filesystem::path& certificate, const std::filesystem::path& key,
                    const std::filesystem::path& ca, const std::filesystem::path& base);
    ~ReferenceServer();
    ReferenceServer(const ReferenceServer&) = delete;
    ReferenceServer& operator=(const ReferenceServer&) = delete;

    bool ok() const { return listener_ >= 0 && context_ != nullptr; }
    const std::string& error() const { return error_; }
    std::uint16_t port() const { return port_; }
    // CPU seconds its thread has used so far: the server's own cost, as the daemon's is
    // read from /proc.
    double cpu_seconds() const;

private:
    void serve();
    void serve_one(int fd);

    SslCtxPtr context_;
    std::filesystem::path dir_;
    std::string error_;
    int listener_ = -1;
    std::uint16_t port_ = 0;
    std::atomic<bool> stopping_{false};
    std::thread thread_;
    clockid_t clock_ = -1;  // thread_'s CPU clock
};

}  // namespace bench
