#include "tls_flood.hpp"

#include <fcntl.h>
#include <mbedtls/ssl.h>
#include <sys/epoll.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <mutex>

#include "../src/net/mbedtls_compat.hpp"
#include "../src/net/mbedtls_objects.hpp"
#include "../tests/integration/tls_client.hpp"

namespace bench {
namespace {

using Clock = std::chrono::steady_clock;
using clipshare::CertificateChain;
using clipshare::EntropySource;
using clipshare::PrivateKey;
using clipshare::RandomGenerator;
using clipshare::SslConfig;
using clipshare::SslSession;

double since(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

std::string read_text(const std::filesystem::path& path) {
    std::ifstream in{path, std::ios::binary};
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    text.push_back('\0');  // PEM input must count its NUL
    return text;
}

// What one client thread shares among its clients: mbedTLS's RNG is not for two threads.
struct ClientSetup {
    EntropySource entropy;
    RandomGenerator rng;
    CertificateChain ca, certificate;
    PrivateKey key;
    SslConfig config;

    bool load(const FloodSettings& s) {
        clipshare::mbedtls_compat::init_crypto();
        if (mbedtls_ctr_drbg_seed(rng.get(), mbedtls_entropy_func, entropy.get(), nullptr, 0) != 0)
            return false;
        if (mbedtls_x509_crt_parse_file(ca.get(), s.ca.c_str()) != 0 ||
            mbedtls_x509_crt_parse_file(certificate.get(), s.certificate.c_str()) != 0) {
            return false;
        }
        auto text = read_text(s.key);
        if (clipshare::mbedtls_compat::parse_private_key(
                key.get(), reinterpret_cast<const unsigned char*>(text.data()), text.size(),
                rng.get()) != 0) {
            return false;
        }
        mbedtls_ssl_config* conf = config.get();
        mbedtls_ssl_config_defaults(conf, MBEDTLS_SSL_IS_CLIENT, MBEDTLS_SSL_TRANSPORT_STREAM,
                                    MBEDTLS_SSL_PRESET_DEFAULT);
        mbedtls_ssl_conf_rng(conf, mbedtls_ctr_drbg_random, rng.get());
        clipshare::mbedtls_compat::set_protocol_versions(conf, true);
        mbedtls_ssl_conf_authmode(conf, MBEDTLS_SSL_VERIFY_REQUIRED);
        mbedtls_ssl_conf_ca_chain(conf, ca.get(), nullptr);
        return mbedtls_ssl_conf_own_cert(conf, certificate.get(), key.get()) == 0;
    }
};

struct FloodClient {
    enum class Stage { connecting, handshake, request, reply, done, failed };
    int fd = -1;
    std::unique_ptr<SslSession> ssl;
    Stage stage = Stage::connecting;
    bool wants_write = false;
    double handshake_at = -1;
    double answer_at = -1;
    std::uint8_t reply[20] = {};
    std::size_t got = 0;

    static int send_bytes(void* context, const unsigned char* data, std::size_t length) {
        auto* self = static_cast<FloodClient*>(context);
        ssize_t sent = ::send(self->fd, data, length, MSG_NOSIGNAL);
        if (sent >= 0) return static_cast<int>(sent);
        return errno == EAGAIN ? MBEDTLS_ERR_SSL_WANT_WRITE : MBEDTLS_ERR_SSL_CONN_EOF;
    }
    static int receive_bytes(void* context, unsigned char* buffer, std::size_t length) {
        auto* self = static_cast<FloodClient*>(context);
        ssize_t got = ::recv(self->fd, buffer, length, 0);
        if (got > 0) return static_cast<int>(got);
        if (got == 0) return MBEDTLS_ERR_SSL_CONN_EOF;
        return errno == EAGAIN ? MBEDTLS_ERR_SSL_WANT_READ : MBEDTLS_ERR_SSL_CONN_EOF;
    }

    void finish(Stage how) {
        stage = how;
        if (fd >= 0) ::close(fd);
        fd = -1;
        ssl.reset();  // a client's memory goes with it: 5,000 sessions are a lot
    }

    // Does what can be done now; returns whether it still waits for the socket.
    bool drive(double now) {
        auto wait = [&](int rc) {
            if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE) {
                wants_write = rc == MBEDTLS_ERR_SSL_WANT_WRITE;
                return true;
            }
            finish(Stage::failed);
            return false;
        };
        if (stage == Stage::connecting) {
            int error = 0;
            socklen_t length = sizeof error;
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length);
            if (error != 0) {
                finish(Stage::failed);
                return false;
            }
            stage = Stage::handshake;
        }
        if (stage == Stage::handshake) {
            int rc = mbedtls_ssl_handshake(ssl->get());
            if (rc != 0) return wait(rc);
            handshake_at = now;
            stage = Stage::request;
        }
        if (stage == Stage::request) {
            static const unsigned char info[] = {4, 125, 1};  // version 4, Info, done
            int rc = mbedtls_ssl_write(ssl->get(), info, sizeof info);
            if (rc < 0) return wait(rc);
            stage = Stage::reply;
        }
        while (stage == Stage::reply) {
            int rc = mbedtls_ssl_read(ssl->get(), reply + got, sizeof reply - got);
            if (rc <= 0) return wait(rc);
            got += static_cast<std::size_t>(rc);
            if (got == sizeof reply) {
                // version accepted, then Info's status
                answer_at = now;
                finish(reply[0] == 1 && reply[1] == 1 ? Stage::done : Stage::failed);
            }
        }
        return false;
    }
};

// One thread's share of the clients, all connecting at `start`.
void run_clients(const FloodSettings& s, std::uint16_t port, std::vector<FloodClient>& clients,
                 std::atomic<int>& ready, int threads, Clock::time_point& start,
                 std::atomic<bool>& go) {
    ClientSetup setup;
    if (!setup.load(s)) {
        std::fprintf(stderr, "tls_flood: cannot load the client certificates\n");
        for (auto& c : clients) c.stage = FloodClient::Stage::failed;
        ++ready;
        return;
    }
    for (auto& c : clients) {
        c.ssl = std::make_unique<SslSession>();
        if (mbedtls_ssl_setup(c.ssl->get(), setup.config.get()) != 0) {
            c.stage = FloodClient::Stage::failed;
            c.ssl.reset();
            continue;
        }
        // As the apps: no SNI, the server's CN is checked elsewhere (mbedTLS 3.6 insists on
        // being told so).
        mbedtls_ssl_set_hostname(c.ssl->get(), nullptr);
        mbedtls_ssl_set_bio(c.ssl->get(), &c, &FloodClient::send_bytes, &FloodClient::receive_bytes,
                            nullptr);
    }
    int poller = epoll_create1(EPOLL_CLOEXEC);
    ++ready;
    while (!go) std::this_thread::yield();  // every thread's clients set up: all at once now
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int open = 0;
    for (auto& c : clients) {
        if (c.stage == FloodClient::Stage::failed) continue;
        c.fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (c.fd < 0 ||
            (::connect(c.fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 &&
             errno != EINPROGRESS)) {
            c.finish(FloodClient::Stage::failed);
            continue;
        }
        epoll_event event{};
        event.events = EPOLLIN | EPOLLOUT;
        event.data.ptr = &c;
        epoll_ctl(poller, EPOLL_CTL_ADD, c.fd, &event);
        ++open;
    }
    (void)threads;
    std::vector<epoll_event> events(512);
    while (open > 0) {
        int n = epoll_wait(poller, events.data(), static_cast<int>(events.size()), 100);
        double now = since(start);
        for (int i = 0; i < n; ++i) {
            auto* c = static_cast<FloodClient*>(events[static_cast<std::size_t>(i)].data.ptr);
            if (c->fd < 0) continue;
            int fd = c->fd;
            if (c->drive(now)) {
                epoll_event event{};
                event.events = EPOLLIN | (c->wants_write ? EPOLLOUT : 0u);
                event.data.ptr = c;
                epoll_ctl(poller, EPOLL_CTL_MOD, fd, &event);
            } else {
                --open;  // closed: the descriptor left the epoll set with it
            }
        }
        if (now > s.give_up) {
            for (auto& c : clients) {
                if (c.fd >= 0) {
                    c.finish(FloodClient::Stage::failed);
                    --open;
                }
            }
        }
    }
    ::close(poller);
}

}  // namespace

FloodFigures tls_flood(const Daemon& daemon, const FloodSettings& s) {
    FloodFigures figures;
    figures.clients = s.clients;
    clipshare::test::TlsClient::Options options{s.ca, s.certificate, s.key};
    // Sessions established before the burst, each already past its version byte: during the
    // burst each sends one Info request, as a client already being served would.
    std::vector<std::unique_ptr<clipshare::test::TlsClient>> probes;
    for (int i = 0; i < s.probes; ++i) {
        auto probe = clipshare::test::TlsClient::connect(daemon.tls_port(), options);
        if (!probe->handshake_ok() || !probe->send({4}) || probe->recv(1) != Bytes{1}) continue;
        probes.push_back(std::move(probe));
    }

    const int threads = std::max(1, s.threads);
    std::vector<std::vector<FloodClient>> shares(static_cast<std::size_t>(threads));
    for (int i = 0; i < threads; ++i) {
        shares[static_cast<std::size_t>(i)] = std::vector<FloodClient>(
            static_cast<std::size_t>(s.clients / threads + (i < s.clients % threads ? 1 : 0)));
    }
    std::atomic<int> ready{0};
    std::atomic<bool> go{false};
    Clock::time_point start;
    std::vector<std::thread> workers;
    for (auto& share : shares) {
        workers.emplace_back([&, &share = share] {
            run_clients(s, daemon.tls_port(), share, ready, threads, start, go);
        });
    }
    while (ready < threads) std::this_thread::yield();
    double cpu_before = cpu_seconds(daemon.pid());
    start = Clock::now();
    go = true;

    std::vector<double> latencies;
    std::atomic<bool> done{false};
    std::thread prober([&] {
        for (auto& probe : probes) {
            if (done) break;
            auto begin = Clock::now();
            bool ok = probe->send({125}) && probe->recv(19).size() == 19 && probe->send({1});
            if (ok) {
                latencies.push_back(since(begin) * 1e3);
            } else {
                ++figures.probe_failures;
            }
            std::this_thread::sleep_for(std::chrono::duration<double>(s.probe_every));  // pacing
        }
    });
    for (auto& worker : workers) worker.join();
    done = true;
    prober.join();
    figures.daemon_cpu_seconds = cpu_seconds(daemon.pid()) - cpu_before;
    figures.client_peak_rss_kib = proc_status_kib(getpid(), "VmHWM");

    double last_handshake = 0;
    for (const auto& share : shares) {
        for (const auto& c : share) {
            if (c.handshake_at >= 0) {
                ++figures.handshakes;
                last_handshake = std::max(last_handshake, c.handshake_at);
            }
            if (c.stage == FloodClient::Stage::done) {
                ++figures.answered;
                figures.answered_5s += c.answer_at <= 5;
                figures.answered_10s += c.answer_at <= 10;
                figures.last_answer = std::max(figures.last_answer, c.answer_at);
            }
        }
    }
    figures.handshakes_per_second =
        last_handshake > 0 ? static_cast<double>(figures.handshakes) / last_handshake : 0;
    std::sort(latencies.begin(), latencies.end());
    figures.probes = static_cast<int>(latencies.size());
    if (!latencies.empty()) {
        figures.probe_p50_ms = latencies[latencies.size() / 2];
        figures.probe_max_ms = latencies.back();
    }
    return figures;
}

}  // namespace bench
