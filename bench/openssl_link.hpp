// clipshare_bench's OpenSSL client: a blocking TLS client like the tests' mbedTLS one (a
// client certificate, the server verified against a CA, no SNI), but with OpenSSL's ciphers,
// which on x86-64 seal and open several times faster than mbedTLS's. Driving the daemon's
// bulk transfers with it leaves most of a shared machine's second core to the daemon, so the
// figure is the daemon's rather than the client's. Only the bench uses OpenSSL (built when
// meson finds it; CLIPSHARE_BENCH_OPENSSL).
#pragma once

#include <openssl/ssl.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "link.hpp"

namespace bench {

struct SslCtxFree {
    void operator()(SSL_CTX* context) const { SSL_CTX_free(context); }
};
struct SslFree {
    void operator()(SSL* ssl) const { SSL_free(ssl); }
};
using SslCtxPtr = std::unique_ptr<SSL_CTX, SslCtxFree>;
using SslPtr = std::unique_ptr<SSL, SslFree>;

// The most recent OpenSSL errors of this thread as one line (and clears them).
std::string openssl_errors();

struct OpenSslOptions {
    std::filesystem::path ca;           // the CA that signed the server
    std::filesystem::path certificate;  // the client's, with its key
    std::filesystem::path key;
    // The one suite to offer, by its IANA id (mbedTLS's MBEDTLS_TLS_* / MBEDTLS_TLS1_3_* ids
    // are the same numbers), and the one version: the row beside it measures exactly that.
    int suite = 0;
    bool tls13 = false;
};

class OpenSslLink final : public Link {
public:
    // Connects to 127.0.0.1:`port` and runs the handshake; null with `error` set when that
    // fails or when the session is not exactly options.suite in options' version.
    static std::unique_ptr<OpenSslLink> connect(std::uint16_t port, const OpenSslOptions& options,
                                                std::string& error);
    struct Token {};  // only connect() makes one
    explicit OpenSslLink(Token) {}
    ~OpenSslLink() override;
    OpenSslLink(const OpenSslLink&) = delete;
    OpenSslLink& operator=(const OpenSslLink&) = delete;

    bool send(const Bytes& bytes) override;
    bool recv(std::uint8_t* out, std::size_t n) override;
    bool at_end() override;

private:
    SslCtxPtr context_;
    SslPtr ssl_;
    int fd_ = -1;
};

}  // namespace bench
