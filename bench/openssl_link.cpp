#include "openssl_link.hpp"

#include <openssl/err.h>
#include <unistd.h>

#include <cstdio>

namespace bench {

std::string openssl_errors() {
    std::string text;
    char line[256];
    while (unsigned long code = ERR_get_error()) {
        ERR_error_string_n(code, line, sizeof line);
        if (!text.empty()) text += "; ";
        text += line;
    }
    return text.empty() ? "no OpenSSL error queued" : text;
}

namespace {

// OpenSSL's name for an IANA suite id, as its cipher-list calls take it; empty if unknown.
// SSL_CIPHER_find looks through every suite OpenSSL implements, enabled or not.
std::string suite_name(SSL_CTX* context, int suite) {
    SslPtr probe{SSL_new(context)};
    if (!probe) return {};
    const unsigned char id[2] = {static_cast<unsigned char>(suite >> 8),
                                 static_cast<unsigned char>(suite & 0xff)};
    const SSL_CIPHER* cipher = SSL_CIPHER_find(probe.get(), id);
    return cipher ? SSL_CIPHER_get_name(cipher) : std::string{};
}

}  // namespace

std::unique_ptr<OpenSslLink> OpenSslLink::connect(std::uint16_t port, const OpenSslOptions& options,
                                                  std::string& error) {
    auto link = std::make_unique<OpenSslLink>(Token{});
    link->context_.reset(SSL_CTX_new(TLS_client_method()));
    SSL_CTX* context = link->context_.get();
    if (context == nullptr) {
        error = "SSL_CTX_new: " + openssl_errors();
        return nullptr;
    }
    const int version = options.tls13 ? TLS1_3_VERSION : TLS1_2_VERSION;
    const std::string name = suite_name(context, options.suite);
    if (name.empty()) {
        error = "OpenSSL has no suite " + std::to_string(options.suite);
        return nullptr;
    }
    // One version and one suite offered: a server that would pick anything else fails the
    // handshake instead of measuring another cipher.
    if (SSL_CTX_set_min_proto_version(context, version) != 1 ||
        SSL_CTX_set_max_proto_version(context, version) != 1 ||
        (options.tls13 ? SSL_CTX_set_ciphersuites(context, name.c_str())
                       : SSL_CTX_set_cipher_list(context, name.c_str())) != 1) {
        error = "cannot restrict OpenSSL to " + name + ": " + openssl_errors();
        return nullptr;
    }
    SSL_CTX_set_verify(context, SSL_VERIFY_PEER, nullptr);
    if (SSL_CTX_load_verify_locations(context, options.ca.c_str(), nullptr) != 1 ||
        SSL_CTX_use_certificate_file(context, options.certificate.c_str(), SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_use_PrivateKey_file(context, options.key.c_str(), SSL_FILETYPE_PEM) != 1) {
        error = "certificates: " + openssl_errors();
        return nullptr;
    }
    link->fd_ = connect_to(port);
    link->ssl_.reset(SSL_new(context));
    SSL* ssl = link->ssl_.get();
    if (link->fd_ < 0 || ssl == nullptr || SSL_set_fd(ssl, link->fd_) != 1) {
        error = "cannot connect to port " + std::to_string(port);
        return nullptr;
    }
    // No SNI: SSL_set_tlsext_host_name is not called, as the apps send none either.
    if (SSL_connect(ssl) != 1) {
        error = "handshake: " + openssl_errors();
        return nullptr;
    }
    const SSL_CIPHER* got = SSL_get_current_cipher(ssl);
    if (SSL_version(ssl) != version || got == nullptr ||
        SSL_CIPHER_get_protocol_id(got) != static_cast<unsigned>(options.suite)) {
        error = std::string{"negotiated "} + SSL_get_version(ssl) + " " +
                (got ? SSL_CIPHER_get_name(got) : "nothing") + ", not " + name;
        return nullptr;
    }
    return link;
}

OpenSslLink::~OpenSslLink() {
    // close_notify when the session is up; a failed one just closes.
    if (ssl_ && SSL_is_init_finished(ssl_.get())) SSL_shutdown(ssl_.get());
    ssl_.reset();
    if (fd_ >= 0) close(fd_);
}

bool OpenSslLink::send(const Bytes& bytes) {
    std::size_t written = 0;
    if (bytes.empty() || SSL_write_ex(ssl_.get(), bytes.data(), bytes.size(), &written) == 1) {
        return true;
    }
    // Loudly: a transfer that stops here is a FAILED row, and this says why.
    std::fprintf(stderr, "clipshare_bench: OpenSSL client: write: error %d, %s\n",
                 SSL_get_error(ssl_.get(), 0), openssl_errors().c_str());
    return false;
}

bool OpenSslLink::recv(std::uint8_t* out, std::size_t n) {
    while (n > 0) {
        std::size_t got = 0;
        if (SSL_read_ex(ssl_.get(), out, n, &got) != 1) {
            std::fprintf(stderr, "clipshare_bench: OpenSSL client: read: error %d, %s\n",
                         SSL_get_error(ssl_.get(), 0), openssl_errors().c_str());
            return false;
        }
        out += got;
        n -= got;
    }
    return true;
}

bool OpenSslLink::at_end() {
    // close_notify, a TCP end or a reset with no byte before it: all end the session.
    std::uint8_t byte;
    std::size_t got = 0;
    if (SSL_read_ex(ssl_.get(), &byte, 1, &got) == 1) return false;
    ERR_clear_error();
    return true;
}

}  // namespace bench
