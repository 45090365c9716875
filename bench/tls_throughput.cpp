// tls_throughput: how many bytes per second one TlsStream moves over loopback. The server
// side is the daemon's own stack (libuv loop, Listener, TcpStream, TlsStream) with a handler
// that discards what it reads or produces data with backpressure (pausing above 1 MiB of
// pending_write_bytes, resuming on on_stream_drained), as the protocol's methods do. The
// client is a blocking mbedTLS client in a second thread. Timing starts after the handshake.
//
//   etc/make-certs.sh -d /tmp/bench-certs phone
//   build/bench/tls_throughput /tmp/bench-certs [MiB]
//
// Compare with build/bench/cipher_speed: each side does one cipher pass per byte, and the
// two sides share this machine's cores.
#include <arpa/inet.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <memory>
#include <thread>

#include "../tests/integration/tls_client.hpp"
#include "net/listener.hpp"
#include "net/tls.hpp"
#include "util/log.hpp"

namespace {

using namespace clipshare;
using clock_type = std::chrono::steady_clock;

std::uint16_t free_port() {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
    socklen_t length = sizeof address;
    getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
    close(fd);
    return ntohs(address.sin_port);
}

// One connection's server side: discards (upload) or produces (download) `total` bytes.
class Server final : public ListenerHandler, public StreamHandler {
public:
    Server(std::shared_ptr<const TlsContext> context, bool download, std::size_t total)
        : context_(std::move(context)), download_(download), total_(total) {
        uv_loop_init(&loop_);
        port_ = free_port();
        auto error = listener_.open(&loop_, "127.0.0.1", port_, false);
        if (error.empty()) error = listener_.listen();
        if (!error.empty()) {
            std::fprintf(stderr, "%s\n", error.c_str());
            std::exit(1);
        }
    }
    ~Server() {
        listener_.close();
        stream_.reset();
        uv_run(&loop_, UV_RUN_DEFAULT);
        uv_loop_close(&loop_);
    }

    std::uint16_t port() const { return port_; }
    void run() {
        while (!closed_) uv_run(&loop_, UV_RUN_ONCE);
    }

private:
    void on_incoming(Listener& listener) override {
        int error = 0;
        stream_ = wrap_in_tls(listener.accept(error), context_, &loop_);
        listener_.close();
        if (!stream_) {
            std::fprintf(stderr, "accept failed: %s\n", uv_strerror(error));
            std::exit(1);
        }
        stream_->set_handler(this);
        stream_->read_start();
        if (download_) produce();
    }

    void produce() {
        constexpr std::size_t chunk = 64 * 1024;
        while (produced_ < total_ && stream_->pending_write_bytes() < 1024 * 1024) {
            std::size_t size = std::min(chunk, total_ - produced_);
            stream_->write(std::vector<std::uint8_t>(size, 0x5a));
            produced_ += size;
        }
        if (produced_ == total_) stream_->shutdown_write();
    }

    void on_stream_data(std::span<const std::uint8_t> data) override {
        if (download_) return;
        consumed_ += data.size();
        if (consumed_ == total_) stream_->write({1});  // tells the client all has arrived
    }
    void on_stream_end(int) override { stream_->close(); }
    void on_stream_drained() override {
        if (download_) produce();
    }
    void on_stream_closed() override { closed_ = true; }

    uv_loop_t loop_{};
    std::shared_ptr<const TlsContext> context_;
    Listener listener_{"tls", *this};
    std::unique_ptr<Stream> stream_;
    std::uint16_t port_ = 0;
    bool download_;
    std::size_t total_;
    std::size_t produced_ = 0;
    std::size_t consumed_ = 0;
    bool closed_ = false;
};

// Seconds the client spent moving `total` bytes, or a negative number on failure.
double run(const std::shared_ptr<const TlsContext>& context,
           const test::TlsClient::Options& options, bool download, std::size_t total,
           std::string& suite) {
    Server server{context, download, total};
    double seconds = -1;
    std::thread client_thread{[&] {
        auto client = test::TlsClient::connect(server.port(), options);
        if (!client->handshake_ok()) {
            std::fprintf(stderr, "handshake failed: %s\n", client->error().c_str());
            return;
        }
        suite = client->ciphersuite();
        auto start = clock_type::now();
        std::size_t moved = 0;
        if (download) {
            while (moved < total) {
                auto bytes = client->recv(1024 * 1024);
                if (bytes.empty()) break;
                moved += bytes.size();
            }
        } else {
            std::vector<std::uint8_t> block(1024 * 1024, 0xa5);
            while (moved < total) {
                block.resize(std::min(block.size(), total - moved));
                if (!client->send(block)) break;
                moved += block.size();
            }
            if (client->recv(1).size() != 1) moved = 0;
        }
        if (moved == total) {
            seconds = std::chrono::duration<double>(clock_type::now() - start).count();
        }
    }};
    server.run();
    client_thread.join();
    return seconds;
}

bool server_key_is_ecdsa(const std::filesystem::path& certificate) {
    mbedtls_x509_crt chain;
    mbedtls_x509_crt_init(&chain);
    const bool ecdsa = mbedtls_x509_crt_parse_file(&chain, certificate.c_str()) == 0 &&
                       mbedtls_pk_can_do(&chain.pk, MBEDTLS_PK_ECDSA) != 0;
    mbedtls_x509_crt_free(&chain);
    return ecdsa;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(
            stderr,
            "usage: %s CERTDIR [MiB]\n  (CERTDIR from: etc/make-certs.sh -d CERTDIR phone)\n",
            argv[0]);
        return 2;
    }
    std::filesystem::path dir = argv[1];
    std::size_t mib = argc > 2 ? std::strtoul(argv[2], nullptr, 10) : 512;
    if (mib == 0) mib = 512;
    log_set_level(LogLevel::warning);

    TlsSection settings;
    settings.certificate = dir / "server.crt";
    settings.private_key = dir / "server.key";
    settings.ca = dir / "ca.crt";
    settings.allowed_clients_inline = std::vector<std::string>{"phone"};
    std::string error;
    auto context = make_tls_context(settings, error);
    if (!context) {
        std::fprintf(stderr, "%s\n", error.c_str());
        return 1;
    }

    std::printf("TlsStream over loopback, %zu MiB per run, timed after the handshake\n", mib);
    std::printf("%-10s %-45s %10s\n", "direction", "ciphersuite", "MB/s");
    // The TLS 1.2 suites for the server's key: make-certs.sh makes ECDSA keys unless -k rsa.
    const bool ecdsa = server_key_is_ecdsa(settings.certificate);
    for (int suite_id : {ecdsa ? MBEDTLS_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256
                               : MBEDTLS_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
                         ecdsa ? MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256
                               : MBEDTLS_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256}) {
        test::TlsClient::Options options{dir / "ca.crt", dir / "phone.crt", dir / "phone.key"};
        options.tls12_only = true;
        options.ciphersuite = suite_id;
        for (bool download : {true, false}) {
            std::string suite;
            std::size_t total = mib * 1024 * 1024;
            double seconds = run(context, options, download, total, suite);
            if (seconds < 0) return 1;
            std::printf("%-10s %-45s %10.0f\n", download ? "download" : "upload", suite.c_str(),
                        static_cast<double>(total) / seconds / 1e6);
            std::fflush(stdout);
        }
    }
    return 0;
}
