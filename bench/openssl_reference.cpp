#include "openssl_reference.hpp"

#include <fcntl.h>
#include <openssl/err.h>
#include <pthread.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <random>
#include <vector>

namespace bench {

namespace {

constexpr std::size_t buffer_size = 64 * 1024;

bool read_exact(SSL* ssl, std::uint8_t* out, std::size_t n) {
    while (n > 0) {
        std::size_t got = 0;
        if (SSL_read_ex(ssl, out, n, &got) != 1) return false;
        out += got;
        n -= got;
    }
    return true;
}

bool write_all(SSL* ssl, const std::uint8_t* data, std::size_t n) {
    std::size_t written = 0;
    return SSL_write_ex(ssl, data, n, &written) == 1 && written == n;
}

bool read_i64(SSL* ssl, std::int64_t& value) {
    std::uint8_t bytes[8];
    if (!read_exact(ssl, bytes, sizeof bytes)) return false;
    value = decode_i64(bytes);
    return true;
}

}  // namespace

ReferenceServer::ReferenceServer(const std::filesystem::path& certificate,
                                 const std::filesystem::path& key, const std::filesystem::path& ca,
                                 const std::filesystem::path& base) {
    std::random_device random;
    dir_ = base / ("clipshare-bench-reference-" + std::to_string(random()));
    std::filesystem::create_directories(dir_);
    context_.reset(SSL_CTX_new(TLS_server_method()));
    SSL_CTX* context = context_.get();
    if (context == nullptr || SSL_CTX_set_min_proto_version(context, TLS1_3_VERSION) != 1 ||
        SSL_CTX_set_ciphersuites(context, "TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256") !=
            1 ||
        SSL_CTX_use_certificate_file(context, certificate.c_str(), SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_use_PrivateKey_file(context, key.c_str(), SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_load_verify_locations(context, ca.c_str(), nullptr) != 1) {
        error_ = "reference server: " + openssl_errors();
        context_.reset();
        return;
    }
    SSL_CTX_set_verify(context, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
    listener_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        listen(listener_, 4) != 0 ||
        getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
        error_ = "reference server: cannot listen on 127.0.0.1";
        close(listener_);
        listener_ = -1;
        return;
    }
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] { serve(); });
    if (pthread_getcpuclockid(thread_.native_handle(), &clock_) != 0) clock_ = -1;
}

ReferenceServer::~ReferenceServer() {
    stopping_ = true;
    if (listener_ >= 0) shutdown(listener_, SHUT_RDWR);  // wakes the blocking accept
    if (thread_.joinable()) thread_.join();
    if (listener_ >= 0) close(listener_);
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
}

double ReferenceServer::cpu_seconds() const {
    timespec used{};
    if (clock_ == -1 || clock_gettime(clock_, &used) != 0) return 0;
    return static_cast<double>(used.tv_sec) + static_cast<double>(used.tv_nsec) / 1e9;
}

void ReferenceServer::serve() {
    while (!stopping_) {
        int fd = accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd < 0) continue;  // shut down (then stopping_), or a connection that went away
        serve_one(fd);
        close(fd);
    }
}

// Version 4, then Send Files (4) or Get Files (3) of one file; anything else just closes.
void ReferenceServer::serve_one(int fd) {
    SslPtr session{SSL_new(context_.get())};
    SSL* ssl = session.get();
    if (ssl == nullptr || SSL_set_fd(ssl, fd) != 1 || SSL_accept(ssl) != 1) {
        std::fprintf(stderr, "reference server: handshake: %s\n", openssl_errors().c_str());
        return;
    }
    const fs::path file = dir_ / "file.bin";
    std::vector<std::uint8_t> buffer(buffer_size);
    std::uint8_t version = 0, method = 0;
    const std::uint8_t yes = 1;
    if (!read_exact(ssl, &version, 1) || version != 4 || !write_all(ssl, &yes, 1) ||
        !read_exact(ssl, &method, 1) || (method != 3 && method != 4) || !write_all(ssl, &yes, 1)) {
        return;
    }
    if (method == 4) {
        // count, then the one file's name length, name and size, then its bytes.
        std::int64_t count = 0, name_length = 0, size = 0;
        if (!read_i64(ssl, count) || count != 1 || !read_i64(ssl, name_length) || name_length < 0 ||
            name_length > 4096) {
            return;
        }
        std::vector<std::uint8_t> name(static_cast<std::size_t>(name_length));
        if (!read_exact(ssl, name.data(), name.size()) || !read_i64(ssl, size) || size < 0) return;
        int out = open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (out < 0) return;
        bool stored = true;
        for (std::int64_t left = size; left > 0 && stored;) {
            std::size_t got = 0;
            const auto want = static_cast<std::size_t>(
                std::min<std::int64_t>(left, static_cast<std::int64_t>(buffer.size())));
            stored = SSL_read_ex(ssl, buffer.data(), want, &got) == 1 &&
                     ::write(out, buffer.data(), got) == static_cast<ssize_t>(got);
            left -= static_cast<std::int64_t>(got);
        }
        close(out);
        if (stored) write_all(ssl, &yes, 1);
    } else {
        int in = open(file.c_str(), O_RDONLY | O_CLOEXEC);
        if (in < 0) return;
        const std::int64_t size = lseek(in, 0, SEEK_END);
        lseek(in, 0, SEEK_SET);
        const Bytes head = i64(1) + i64(8) + bytes_of("file.bin") + i64(size);
        bool sent = write_all(ssl, head.data(), head.size());
        for (std::int64_t left = size; left > 0 && sent;) {
            ssize_t got = ::read(in, buffer.data(), buffer.size());
            sent = got > 0 && write_all(ssl, buffer.data(), static_cast<std::size_t>(got));
            left -= got;
        }
        close(in);
        std::uint8_t ack = 0;
        if (sent) read_exact(ssl, &ack, 1);  // the client's
    }
    SSL_shutdown(ssl);
    ERR_clear_error();
}

}  // namespace bench
