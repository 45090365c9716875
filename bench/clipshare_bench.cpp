// clipshare_bench: measures a fresh clipshared against this machine's own limits and prints a
// table (and writes JSON). Not a test: it asserts nothing, it reports.
//
//   build/bench/clipshare_bench [--binary build/src/clipshared] [--make-certs etc/make-certs.sh]
//                               [--seconds 2] [--connections 10000] [--mib 1024]
//                               [--tls-connections 1000] [--json bench-results.json]
//                               [--flood 5000] [--rows AES-256-GCM.tls13.upload.openssl]
//                               [--only
//                               rate,handshakes,concurrency,throughput,web,tls_bulk,hostile,flood,
//                               desktop]
//   build/bench/clipshare_bench --only writeback [--slow-dir DIR] [--compare OLD_CLIPSHARED]
//                               [--rounds 2] [--mib 1024]
//
// 1. Connection rate: negotiate + Info (v1 and v4, plain and TLS), one client and 64 in
//    parallel, step by step like a real client (no TCP_NODELAY or other client tricks), with
//    p50/p99 latency per exchange. Then TLS handshakes per second (tls_handshakes.hpp): full
//    ones with RSA and with ECDSA keys, and resumed ones, 1 and 64 clients.
// 2. Concurrency: N connections open at once, each then doing Get Text; the daemon's RSS
//    before, while they idle, and after. Then the memory of one idle connection, plain and
//    TLS, each measured on a fresh daemon (a daemon that has served before reuses freed heap,
//    which hides what new connections take): resident (VmRSS) and mapped (VmData, which also
//    counts buffers whose pages were never touched), next to TlsContext's own estimate.
// 3. Throughput: Send Files and Get Files of one large file, plain and TLS, next to the raw
//    loopback limit measured in the same run (a socket pump into a file, fsynced as the daemon
//    does, and into nothing) and next to mbedTLS's own speed for the negotiated cipher; the
//    daemon's CPU time per GiB. Then the same over TLS for each AEAD and TLS version
//    (tls_bulk.hpp), next to that cipher's speed measured in the same run, with the mbedTLS
//    client and (built with OpenSSL) an OpenSSL one, and an OpenSSL reference server.
//    --only web: the web port's upload (POST /api/files) and download (GET /api/files/NAME)
//    over plain HTTP next to Send Files / Get Files on the plain port of the same daemon,
//    same run.
// 4. Hostile clients, each against a daemon of its own: RSS per connection for 1,000
//    clients that asked for a 1 MiB Get Text and never read; peak RSS while a 10,000-entry
//    batch is received (router defaults); latency of a well-behaved client while
//    max_connections - 1 slow clients trickle request headers (router defaults).
// 5. TLS flood (tls_flood.cpp): --flood clients connect to the TLS port at the same moment
//    and ask for Info; handshakes completed per second, answers within 5 and 10 s, and the
//    latency of requests on sessions established before the burst. --only flood runs
//    just this.
// 6. Desktop (desktop_latency.cpp): Get Text and Send Text latency with the store backend and
//    with the x11 preset under a private Xvfb, its programs spawned directly and the same
//    commands run through /bin/sh. --only desktop runs just this.
// 7. Write-behind (writeback.hpp, issue #18; only with --only writeback): the delay from the
//    client's last byte to the ack of 20/50/100 MiB uploads into --slow-dir (a disk throttled
//    by bench/slow-disk.sh), and v1 upload MiB/s next to raw write+fsync on the normal disk,
//    each also for --compare's binary.
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <functional>
#include <map>
#include <mutex>
#include <optional>

#include "../src/net/mbedtls_compat.hpp"
#include "../src/net/tls.hpp"
#include "../src/net/tls_context.hpp"
#include "../src/util/log.hpp"
#include "../tests/integration/tls_client.hpp"
#include "build_config.hpp"
#include "cipher_measure.hpp"
#include "desktop_latency.hpp"
#include "link.hpp"
#ifdef CLIPSHARE_BENCH_OPENSSL
#include "openssl_link.hpp"
#include "openssl_reference.hpp"
#endif
#include "support.hpp"
#include "tls_bulk.hpp"
#include "tls_flood.hpp"
#include "tls_handshakes.hpp"
#include "writeback.hpp"

using namespace bench;
using clipshare::test::TlsClient;
using Clock = std::chrono::steady_clock;

namespace {

struct Settings {
    std::string binary = "build/src/clipshared";
    std::string make_certs = "etc/make-certs.sh";
    double seconds = 2;
    int connections = 10000;
    int tls_connections = 1000;
    std::int64_t mib = 1024;
    std::string json = "bench-results.json";
    int flood = 5000;
    std::string slow_dir;  // writeback: a throttled disk (bench/slow-disk.sh)
    std::string compare;   // writeback: another clipshared to measure alongside
    int rounds = 2;        // writeback: interleaved throughput rounds
    std::string rows;      // tls_bulk: only the rows whose name contains this
    // Which parts run (--only rate,concurrency,throughput,tls_bulk,hostile); empty: all.
    std::string only;
    bool runs(std::string_view part) const {
        if (only.empty()) return true;
        for (std::size_t at = 0; at <= only.size();) {
            std::size_t comma = std::min(only.find(',', at), only.size());
            if (std::string_view{only}.substr(at, comma - at) == part) return true;
            at = comma + 1;
        }
        return false;
    }
};

// Results in print order, for the table and the JSON file.
std::vector<std::pair<std::string, double>> results;
void record(const std::string& key, double value) {
    results.emplace_back(key, value);
}

double seconds_since(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

// ---- a transport for the exchanges: plain socket or TLS client ----

class PlainLink final : public Link {
public:
    explicit PlainLink(std::uint16_t port) : fd_(connect_to(port)) {}
    ~PlainLink() override {
        if (fd_ >= 0) close(fd_);
    }
    bool ok() const { return fd_ >= 0; }
    bool send(const Bytes& bytes) override { return send_all(fd_, bytes); }
    bool recv(std::uint8_t* out, std::size_t n) override { return recv_exact(fd_, out, n); }
    bool at_end() override {
        std::uint8_t byte;
        return ::recv(fd_, &byte, 1, 0) <= 0;
    }

private:
    int fd_;
};

class TlsLink final : public Link {
public:
    TlsLink(std::uint16_t port, const TlsClient::Options& options)
        : client_(TlsClient::connect(port, options)) {}
    bool ok() const { return client_ && client_->handshake_ok(); }
    bool send(const Bytes& bytes) override { return client_->send(bytes); }
    bool recv(std::uint8_t* out, std::size_t n) override {
        auto got = client_->recv(n);
        if (got.size() != n) return false;
        std::memcpy(out, got.data(), n);
        return true;
    }
    bool at_end() override { return client_->closed_by_peer(); }
    TlsClient& client() { return *client_; }

private:
    std::unique_ptr<TlsClient> client_;
};

std::unique_ptr<Link> open_link(const Daemon& daemon, const TlsClient::Options* tls) {
    if (tls) {
        auto link = std::make_unique<TlsLink>(daemon.tls_port(), *tls);
        return link->ok() ? std::move(link) : nullptr;
    }
    auto link = std::make_unique<PlainLink>(daemon.port());
    return link->ok() ? std::move(link) : nullptr;
}

// One negotiate + Info exchange, byte for byte as the apps do it.
bool info_exchange(const Daemon& daemon, const TlsClient::Options* tls, int version) {
    auto link = open_link(daemon, tls);
    if (!link) return false;
    std::uint8_t reply[19];
    if (!link->send({static_cast<std::uint8_t>(version)}) || !link->recv(reply, 1) ||
        reply[0] != 1) {
        return false;
    }
    if (!link->send({125}) || !link->recv(reply, 19) || reply[0] != 1) return false;
    if (version >= 4 && !link->send({1})) return false;
    return link->at_end();
}

// ---- 1. connection rate ----

void connection_rate(const Settings& s, const Daemon& daemon, const TlsClient::Options* tls,
                     int version, int parallel) {
    std::mutex lock;
    std::vector<double> latencies;
    std::atomic<long> failures{0};
    auto deadline = Clock::now() + std::chrono::duration<double>(s.seconds);
    auto start = Clock::now();
    std::vector<std::thread> threads;
    for (int t = 0; t < parallel; ++t) {
        threads.emplace_back([&] {
            std::vector<double> mine;
            while (Clock::now() < deadline) {
                auto begin = Clock::now();
                if (!info_exchange(daemon, tls, version)) {
                    ++failures;
                    continue;
                }
                mine.push_back(seconds_since(begin) * 1e6);
            }
            std::lock_guard guard{lock};
            latencies.insert(latencies.end(), mine.begin(), mine.end());
        });
    }
    for (auto& t : threads) t.join();
    double elapsed = seconds_since(start);
    std::sort(latencies.begin(), latencies.end());
    auto percentile = [&](double p) {
        return latencies.empty() ? 0.0
                                 : latencies[static_cast<std::size_t>(p * (latencies.size() - 1))];
    };
    std::string key = std::string{"rate."} + (tls ? "tls" : "plain") + ".v" +
                      std::to_string(version) + ".x" + std::to_string(parallel);
    double rate = static_cast<double>(latencies.size()) / elapsed;
    std::printf("%-28s %10.0f /s   p50 %8.0f us   p99 %8.0f us   failures %ld\n", key.c_str(), rate,
                percentile(0.5), percentile(0.99), failures.load());
    record(key + ".per_second", rate);
    record(key + ".p50_us", percentile(0.5));
    record(key + ".p99_us", percentile(0.99));
    record(key + ".failures", static_cast<double>(failures));
}

// ---- 2. concurrency ----

void concurrency(const Settings& s, const Daemon& daemon) {
    // Something to get: a short text.
    int fd = connect_to(daemon.port());
    send_all(fd, Bytes{4, 2} + i64(5) + bytes_of("hello"));
    recv_all(fd);
    close(fd);

    long before = rss_kib(daemon.pid());
    std::vector<int> fds;
    fds.reserve(static_cast<std::size_t>(s.connections));
    auto start = Clock::now();
    std::uint8_t reply[32];
    for (int i = 0; i < s.connections; ++i) {
        int c = connect_to(daemon.port());
        if (c < 0) break;
        // Negotiated, so the daemon holds a session for it, not just a queued socket.
        if (!send_all(c, Bytes{4}) || !recv_exact(c, reply, 1)) {
            close(c);
            break;
        }
        fds.push_back(c);
    }
    double open_seconds = seconds_since(start);
    long during = rss_kib(daemon.pid());
    long served = 0;
    for (int c : fds) {
        if (send_all(c, Bytes{1}) && recv_exact(c, reply, 1 + 8 + 5) && reply[0] == 1 &&
            send_all(c, Bytes{1})) {
            ++served;
        }
    }
    for (int c : fds) close(c);
    double total_seconds = seconds_since(start);
    // Give the daemon a moment to notice the closes, then read its memory.
    for (int i = 0; i < 200; ++i) {
        int probe = connect_to(daemon.port());
        std::uint8_t b;
        send_all(probe, Bytes{4, 125, 1});
        recv_exact(probe, &b, 1);
        close(probe);
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    long after = rss_kib(daemon.pid());
    double per_connection =
        fds.empty() ? 0
                    : static_cast<double>(during - before) * 1024 / static_cast<double>(fds.size());
    std::printf("%-28s %10zu open (%.1f s), %ld served Get Text (%.1f s total)\n", "concurrency",
                fds.size(), open_seconds, served, total_seconds);
    std::printf(
        "%-28s before %ld KiB, during %ld KiB, after %ld KiB: %.0f bytes per idle "
        "connection\n",
        "concurrency.rss", before, during, after, per_connection);
    record("concurrency.open", static_cast<double>(fds.size()));
    record("concurrency.served", static_cast<double>(served));
    record("concurrency.rss_before_kib", static_cast<double>(before));
    record("concurrency.rss_during_kib", static_cast<double>(during));
    record("concurrency.rss_after_kib", static_cast<double>(after));
    record("concurrency.bytes_per_idle_connection", per_connection);
}

// Bytes per idle connection on a fresh daemon: `open` opens one connection, negotiated (the
// daemon then holds a session for it), and returns something that keeps it open.
template <typename Open>
void idle_memory(const char* key, int count, const Daemon& daemon, Open open) {
    { auto warm_up = open(); }  // one-time set-up (RNG, PSA, first buffers) out of the figures
    long rss_before = rss_kib(daemon.pid());
    long data_before = data_kib(daemon.pid());
    std::vector<decltype(open())> held;
    held.reserve(static_cast<std::size_t>(count));
    for (int i = 0; i < count; ++i) {
        auto connection = open();
        if (!connection) break;
        held.push_back(std::move(connection));
    }
    long rss_during = rss_kib(daemon.pid());
    long data_during = data_kib(daemon.pid());
    double n = held.empty() ? 1 : static_cast<double>(held.size());
    double resident = static_cast<double>(rss_during - rss_before) * 1024 / n;
    double mapped = static_cast<double>(data_during - data_before) * 1024 / n;
    std::printf("%-28s %6zu idle: %7.0f bytes resident, %7.0f bytes mapped per connection\n", key,
                held.size(), resident, mapped);
    record(std::string{key} + ".connections", static_cast<double>(held.size()));
    record(std::string{key} + ".resident_bytes_per_connection", resident);
    record(std::string{key} + ".mapped_bytes_per_connection", mapped);
}

void idle_memory_plain(const Settings& s) {
    Daemon daemon{s.binary, ""};
    idle_memory("idle.plain", s.connections, daemon, [&]() -> std::unique_ptr<PlainLink> {
        auto link = std::make_unique<PlainLink>(daemon.port());
        std::uint8_t reply;
        if (!link->ok() || !link->send(Bytes{4}) || !link->recv(&reply, 1)) return nullptr;
        return link;
    });
}

void idle_memory_tls(const Settings& s, const std::string& tls_config,
                     const TlsClient::Options& tls, const clipshare::TlsSection& section) {
    Daemon daemon{s.binary, tls_config};
    idle_memory("idle.tls", s.tls_connections, daemon, [&]() -> std::unique_ptr<TlsLink> {
        auto link = std::make_unique<TlsLink>(daemon.tls_port(), tls);
        std::uint8_t reply;
        if (!link->ok() || !link->send(Bytes{4}) || !link->recv(&reply, 1)) return nullptr;
        return link;
    });
    std::string error;
    auto context = clipshare::make_tls_context(section, error);
    double estimate = context ? static_cast<double>(context->session_memory_bytes()) : 0;
    std::printf(
        "%-28s %7.0f bytes (TlsContext::session_memory_bytes, mbedTLS %s: records of "
        "%zu in, %zu out)\n",
        "idle.tls.estimate", estimate, clipshare::mbedtls_compat::version_string,
        clipshare::mbedtls_compat::in_content_length,
        clipshare::mbedtls_compat::out_content_length);
    record("idle.tls.estimate_bytes", estimate);
}

// ---- 3. throughput ----

constexpr std::size_t block_size = 1 << 20;

// MiB/s of a plain loopback socket pump: into a file (written and fsynced like the daemon's
// uploads) or into nothing.
double raw_pump(const Settings& s, const fs::path& file, bool sync = true) {
    int listener = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(listener, reinterpret_cast<sockaddr*>(&a), sizeof a);
    listen(listener, 1);
    socklen_t len = sizeof a;
    getsockname(listener, reinterpret_cast<sockaddr*>(&a), &len);
    std::int64_t total = s.mib << 20;
    Clock::time_point start;
    std::thread sender([&] {
        int fd = connect_to(ntohs(a.sin_port));
        Bytes block(block_size, 'r');
        for (std::int64_t sent = 0; sent < total; sent += static_cast<std::int64_t>(block_size)) {
            send_all(fd, block);
        }
        close(fd);
    });
    int peer = accept(listener, nullptr, nullptr);
    start = Clock::now();
    int out = file.empty() ? -1 : open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    std::vector<std::uint8_t> buffer(128 * 1024);
    for (;;) {
        ssize_t n = ::recv(peer, buffer.data(), buffer.size(), 0);
        if (n <= 0) break;
        if (out >= 0 && ::write(out, buffer.data(), static_cast<std::size_t>(n)) != n) break;
    }
    if (out >= 0) {
        if (sync) fsync(out);
        close(out);
        fs::remove(file);
    }
    double elapsed = seconds_since(start);
    sender.join();
    close(peer);
    close(listener);
    return static_cast<double>(s.mib) / elapsed;
}

struct Transfer {
    double mib_per_second = 0;
    double cpu_seconds_per_gib = 0;
    bool ok = false;
};

// Where a transfer goes: how to open its connection, and the CPU seconds its server has
// used so far (the daemon's, from /proc).
struct Target {
    std::function<std::unique_ptr<Link>()> open;
    std::function<double()> cpu_seconds;
};

Target daemon_target(const Daemon& daemon, const TlsClient::Options* tls) {
    return {[&daemon, tls] { return open_link(daemon, tls); },
            [&daemon] { return cpu_seconds(daemon.pid()); }};
}

Transfer upload(const Settings& s, const Target& target) {
    Transfer result;
    double cpu_before = target.cpu_seconds();
    auto link = target.open();
    if (!link) return result;
    std::int64_t total = s.mib << 20;
    auto start = Clock::now();
    link->send(Bytes{4, 4} + i64(1) + i64(7) + bytes_of("big.bin") + i64(total));
    Bytes block(block_size, 'u');
    for (std::int64_t sent = 0; sent < total; sent += static_cast<std::int64_t>(block_size)) {
        if (!link->send(block)) return result;
    }
    std::uint8_t reply[3];
    result.ok = link->recv(reply, 3) && reply[2] == 1;  // the ack: stored and synced
    double elapsed = seconds_since(start);
    result.mib_per_second = static_cast<double>(s.mib) / elapsed;
    result.cpu_seconds_per_gib =
        (target.cpu_seconds() - cpu_before) * 1024 / static_cast<double>(s.mib);
    return result;
}

Transfer download(const Settings& s, const Target& target) {
    Transfer result;
    double cpu_before = target.cpu_seconds();
    auto link = target.open();
    if (!link) return result;
    std::int64_t total = s.mib << 20;
    auto start = Clock::now();
    link->send(Bytes{4, 3});
    // version reply, status, count, name length; then the name and the size
    std::uint8_t head[2 + 8 + 8];
    if (!link->recv(head, sizeof head) || head[1] != 1) return result;
    std::vector<std::uint8_t> name(static_cast<std::size_t>(decode_i64(head + 10)) + 8);
    if (!link->recv(name.data(), name.size())) return result;
    std::vector<std::uint8_t> block(block_size);
    for (std::int64_t got = 0; got < total; got += static_cast<std::int64_t>(block_size)) {
        if (!link->recv(block.data(), block.size())) return result;
    }
    link->send(Bytes{1});
    result.ok = link->at_end();
    double elapsed = seconds_since(start);
    result.mib_per_second = static_cast<double>(s.mib) / elapsed;
    result.cpu_seconds_per_gib =
        (target.cpu_seconds() - cpu_before) * 1024 / static_cast<double>(s.mib);
    return result;
}

Transfer upload(const Settings& s, const Daemon& daemon, const TlsClient::Options* tls) {
    return upload(s, daemon_target(daemon, tls));
}

Transfer download(const Settings& s, const Daemon& daemon, const TlsClient::Options* tls) {
    return download(s, daemon_target(daemon, tls));
}

#ifdef CLIPSHARE_BENCH_OPENSSL
// The OpenSSL client to `port`, offering only `suite` in one TLS version; null (and why, on
// stderr) when the handshake fails or settles on anything else.
std::function<std::unique_ptr<Link>()> openssl_opener(std::uint16_t port, const fs::path& certs,
                                                      int suite, bool tls13) {
    return [port, suite, tls13, certs]() -> std::unique_ptr<Link> {
        std::string error;
        auto link = OpenSslLink::connect(
            port, {certs / "ca.crt", certs / "phone.crt", certs / "phone.key", suite, tls13},
            error);
        if (!link) std::fprintf(stderr, "clipshare_bench: OpenSSL client: %s\n", error.c_str());
        return link;
    };
}
#endif

void report_transfer(const char* key, const Transfer& t, double reference, const char* against) {
    std::printf("%-28s %10.0f MiB/s   %.2f x %s   daemon CPU %.2f s/GiB%s\n", key, t.mib_per_second,
                t.mib_per_second / reference, against, t.cpu_seconds_per_gib,
                t.ok ? "" : "   (FAILED)");
    record(std::string{key} + ".mib_per_second", t.mib_per_second);
    record(std::string{key} + ".ratio", t.mib_per_second / reference);
    record(std::string{key} + ".cpu_seconds_per_gib", t.cpu_seconds_per_gib);
}

void throughput(const Settings& s, const Daemon& daemon, const TlsClient::Options& tls) {
    std::printf("\n== throughput: %lld MiB\n", static_cast<long long>(s.mib));
    double pump_file = raw_pump(s, daemon.dir() / "raw-pump.bin");
    double pump_null = raw_pump(s, {});
    std::printf("%-28s %10.0f MiB/s\n%-28s %10.0f MiB/s\n", "raw loopback -> file", pump_file,
                "raw loopback -> nothing", pump_null);
    record("raw.to_file.mib_per_second", pump_file);
    record("raw.to_nothing.mib_per_second", pump_null);

    report_transfer("plain.upload", upload(s, daemon, nullptr), pump_file, "raw->file");
    report_transfer("plain.download", download(s, daemon, nullptr), pump_null, "raw->nothing");

    std::string suite;
    {
        auto probe = TlsClient::connect(daemon.tls_port(), tls);
        if (probe && probe->handshake_ok()) suite = probe->ciphersuite();
    }
    bool chacha = suite.find("CHACHA20") != std::string::npos;
    Aead aead = chacha ? Aead{"CHACHA20-POLY1305", MBEDTLS_CIPHER_CHACHA20_POLY1305, 256}
                       : Aead{"AES-128-GCM", MBEDTLS_CIPHER_AES_128_GCM, 128};
    double seal = measure(aead, true, 1.0) * 1e6 / (1 << 20);
    double open_speed = measure(aead, false, 1.0) * 1e6 / (1 << 20);
    std::printf("%-28s %10.0f MiB/s seal, %.0f MiB/s open (%s, negotiated %s)\n", "mbedTLS cipher",
                seal, open_speed, aead.name, suite.c_str());
    record("cipher.seal_mib_per_second", seal);
    record("cipher.open_mib_per_second", open_speed);
    report_transfer("tls.upload", upload(s, daemon, &tls), open_speed, "cipher open");
    report_transfer("tls.download", download(s, daemon, &tls), seal, "cipher seal");
}

// ---- 3b. web: the same transfers over HTTP ----

// Reads an HTTP response head off `fd`; its status, or 0.
int read_http_head(int fd) {
    std::string head;
    char c = 0;
    while (head.size() < 4 || head.compare(head.size() - 4, 4, "\r\n\r\n") != 0) {
        if (::recv(fd, &c, 1, 0) != 1) return 0;
        head += c;
    }
    return head.size() > 12 ? std::atoi(head.c_str() + 9) : 0;
}

// POST /api/files with one file of --mib MiB (Content-Length), timed to the 201.
Transfer web_upload(const Settings& s, const Daemon& daemon, std::uint16_t web_port) {
    Transfer result;
    double cpu_before = cpu_seconds(daemon.pid());
    int fd = connect_to(web_port);
    if (fd < 0) return result;
    std::int64_t total = s.mib << 20;
    Bytes stream = i64(1) + i64(7) + bytes_of("web.bin") + i64(total);
    std::string head =
        "POST /api/files HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        "Content-Type: application/x-clipshare-files\r\nContent-Length: " +
        std::to_string(static_cast<std::int64_t>(stream.size()) + total) + "\r\n\r\n";
    auto start = Clock::now();
    send_all(fd, bytes_of(head) + stream);
    Bytes block(block_size, 'w');
    for (std::int64_t sent = 0; sent < total; sent += static_cast<std::int64_t>(block_size)) {
        if (!send_all(fd, block)) return close(fd), result;
    }
    result.ok = read_http_head(fd) == 201;  // stored, synced and on the clipboard
    double elapsed = seconds_since(start);
    close(fd);
    result.mib_per_second = static_cast<double>(s.mib) / elapsed;
    result.cpu_seconds_per_gib =
        (cpu_seconds(daemon.pid()) - cpu_before) * 1024 / static_cast<double>(s.mib);
    return result;
}

// GET /api/files/web.bin, timed to its last byte.
Transfer web_download(const Settings& s, const Daemon& daemon, std::uint16_t web_port) {
    Transfer result;
    double cpu_before = cpu_seconds(daemon.pid());
    int fd = connect_to(web_port);
    if (fd < 0) return result;
    std::int64_t total = s.mib << 20;
    auto start = Clock::now();
    send_all(fd, bytes_of("GET /api/files/web.bin HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                          "Connection: close\r\n\r\n"));
    if (read_http_head(fd) != 200) return close(fd), result;
    std::vector<std::uint8_t> block(block_size);
    for (std::int64_t got = 0; got < total; got += static_cast<std::int64_t>(block_size)) {
        if (!recv_exact(fd, block.data(), block.size())) return close(fd), result;
    }
    result.ok = true;
    double elapsed = seconds_since(start);
    close(fd);
    result.mib_per_second = static_cast<double>(s.mib) / elapsed;
    result.cpu_seconds_per_gib =
        (cpu_seconds(daemon.pid()) - cpu_before) * 1024 / static_cast<double>(s.mib);
    return result;
}

// Send Files / Get Files on the plain port, then the web upload and download on a daemon of
// its own with plain HTTP, each pair measured in the same run.
void web_throughput(const Settings& s) {
    std::printf("\n== web: %lld MiB, plain protocol vs plain HTTP\n",
                static_cast<long long>(s.mib));
    // @TLS_PORT@ is only a second free port here: the web listener's.
    Daemon daemon{s.binary, "[web]\nenabled = true\ntls = false\nport = @TLS_PORT@\n"};
    auto protocol_up = upload(s, daemon, nullptr);
    auto protocol_down = download(s, daemon, nullptr);
    auto web_up = web_upload(s, daemon, daemon.tls_port());
    auto web_down = web_download(s, daemon, daemon.tls_port());
    report_transfer("web.protocol.upload", protocol_up, protocol_up.mib_per_second, "itself");
    report_transfer("web.protocol.download", protocol_down, protocol_down.mib_per_second, "itself");
    report_transfer("web.http.upload", web_up, protocol_up.mib_per_second, "Send Files");
    report_transfer("web.http.download", web_down, protocol_down.mib_per_second, "Get Files");
}

// ---- 4. hostile clients ----

// The daemon's own defaults, as on a router (only the test bind and ports are set).
const std::string router_defaults;

void non_readers(const Settings& s) {
    // Room for all of them (1 GiB budget): what is measured is what each one costs.
    Daemon daemon{s.binary, ""};
    int setter = connect_to(daemon.port());
    send_all(setter, Bytes{4, 2} + i64(1 << 20) + Bytes(1 << 20, 't'));
    recv_all(setter);
    close(setter);
    long before = rss_kib(daemon.pid());
    std::vector<int> hogs;
    std::uint8_t head[2];
    for (int i = 0; i < 1000; ++i) {
        int fd = connect_to(daemon.port());
        // The reply has begun once its first bytes arrive; the rest is never read.
        if (fd < 0 || !send_all(fd, Bytes{4, 1}) || !recv_exact(fd, head, 2)) break;
        hogs.push_back(fd);
    }
    long during = rss_kib(daemon.pid());
    double per_connection =
        hogs.empty() ? 0 : static_cast<double>(during - before) / static_cast<double>(hogs.size());
    std::printf("%-28s %10zu clients, RSS %ld -> %ld KiB: %.1f KiB each (target <= 64)\n",
                "hostile.non_readers", hogs.size(), before, during, per_connection);
    record("hostile.non_readers.clients", static_cast<double>(hogs.size()));
    record("hostile.non_readers.kib_per_connection", per_connection);
    for (int fd : hogs) close(fd);
}

void big_batch(const Settings& s) {
    Daemon daemon{s.binary, "", router_defaults};
    long before = rss_kib(daemon.pid());
    Bytes request = Bytes{4, 4} + i64(10000);
    for (int i = 0; i < 10000; ++i) {
        std::string name = "folder/file-" + std::to_string(i);
        request = request + i64(static_cast<std::int64_t>(name.size())) + bytes_of(name) +
                  i64(100) + Bytes(100, 'b');
    }
    auto start = Clock::now();
    int fd = connect_to(daemon.port());
    send_all(fd, request);
    std::uint8_t reply[3] = {};
    bool acked = recv_exact(fd, reply, 3) && reply[2] == 1;
    double elapsed = seconds_since(start);
    close(fd);
    long peak = proc_status_kib(daemon.pid(), "VmHWM");
    std::printf("%-28s %s in %.2f s, RSS %ld KiB before, peak %ld KiB (+%ld)\n",
                "hostile.batch_10000", acked ? "acked" : "NOT ACKED", elapsed, before, peak,
                peak - before);
    record("hostile.batch_10000.seconds", elapsed);
    record("hostile.batch_10000.peak_rss_growth_kib", static_cast<double>(peak - before));
}

void latency_under_slowloris(const Settings& s) {
    Daemon daemon{s.binary, "", router_defaults};
    // 255 slow clients from eight other addresses (32 each at most), trickling headers.
    std::vector<int> slow;
    const char* sources[] = {"127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5",
                             "127.0.0.6", "127.0.0.7", "127.0.0.8", "127.0.0.9"};
    for (int i = 0; i < 255; ++i) {
        int fd = connect_to(daemon.port(), sources[i % 8]);
        if (fd >= 0 && send_all(fd, Bytes{4, 4} + i64(1) + i64(2000))) slow.push_back(fd);
    }
    std::atomic<bool> stop{false};
    std::thread trickle([&] {
        while (!stop) {
            for (int fd : slow) send_all(fd, Bytes{'a'});
            std::this_thread::sleep_for(std::chrono::milliseconds(500));
        }
    });
    std::vector<double> latencies;
    int failures = 0;
    for (int i = 0; i < 300; ++i) {
        auto begin = Clock::now();
        if (info_exchange(daemon, nullptr, 4)) {
            latencies.push_back(seconds_since(begin) * 1e3);
        } else {
            ++failures;
        }
    }
    stop = true;
    trickle.join();
    for (int fd : slow) close(fd);
    std::sort(latencies.begin(), latencies.end());
    auto percentile = [&](double p) {
        return latencies.empty() ? 0.0
                                 : latencies[static_cast<std::size_t>(p * (latencies.size() - 1))];
    };
    std::printf(
        "%-28s %zu slow clients: p50 %.2f ms, p99 %.2f ms (target <= 100), %d of 300 "
        "failed\n",
        "hostile.latency", slow.size(), percentile(0.5), percentile(0.99), failures);
    record("hostile.latency.slow_clients", static_cast<double>(slow.size()));
    record("hostile.latency.p50_ms", percentile(0.5));
    record("hostile.latency.p99_ms", percentile(0.99));
    record("hostile.latency.failures", failures);
}

// ---- 5. TLS flood ----

void tls_flood(const Settings& s, const std::string& tls_config, const fs::path& certs) {
    if (s.flood <= 0) return;
    FloodSettings flood;
    flood.clients = s.flood;
    flood.ca = certs / "ca.crt";
    flood.certificate = certs / "phone.crt";
    flood.key = certs / "phone.key";
    Daemon daemon{s.binary, tls_config};
    auto f = bench::tls_flood(daemon, flood);
    std::printf(
        "%-28s %d clients at once: %d handshakes, %.0f /s; answered %d within 5 s, %d within "
        "10 s, %d within %.0f s (last at %.1f s); daemon CPU %.1f s\n",
        "flood.tls", f.clients, f.handshakes, f.handshakes_per_second, f.answered_5s,
        f.answered_10s, f.answered, flood.give_up, f.last_answer, f.daemon_cpu_seconds);
    std::printf(
        "%-28s %d requests on sessions established before: p50 %.1f ms, max %.1f ms, %d "
        "failed; client peak RSS %ld KiB\n",
        "flood.tls.established", f.probes, f.probe_p50_ms, f.probe_max_ms, f.probe_failures,
        f.client_peak_rss_kib);
    record("flood.tls.clients", f.clients);
    record("flood.tls.handshakes", f.handshakes);
    record("flood.tls.handshakes_per_second", f.handshakes_per_second);
    record("flood.tls.answered_5s", f.answered_5s);
    record("flood.tls.answered_10s", f.answered_10s);
    record("flood.tls.answered", f.answered);
    record("flood.tls.established_p50_ms", f.probe_p50_ms);
    record("flood.tls.established_max_ms", f.probe_max_ms);
    record("flood.tls.established_failures", f.probe_failures);
}

void raise_descriptor_limit(int connections) {
    rlimit limit{};
    getrlimit(RLIMIT_NOFILE, &limit);
    auto wanted = static_cast<rlim_t>(connections) * 3 + 1024;
    if (limit.rlim_max < wanted) limit.rlim_max = wanted;  // allowed for root
    limit.rlim_cur = wanted;
    if (setrlimit(RLIMIT_NOFILE, &limit) != 0) {
        getrlimit(RLIMIT_NOFILE, &limit);
        limit.rlim_cur = limit.rlim_max;
        setrlimit(RLIMIT_NOFILE, &limit);
    }
}

void write_json(const Settings& s) {
    std::ofstream out{s.json};
    out << "{\n";
    for (std::size_t i = 0; i < results.size(); ++i) {
        out << "  \"" << results[i].first << "\": " << results[i].second
            << (i + 1 < results.size() ? ",\n" : "\n");
    }
    out << "}\n";
}

}  // namespace

const char* const usage =
    "usage: clipshare_bench [--binary PATH] [--make-certs PATH] [--seconds S]\n"
    "         [--connections N] [--tls-connections N] [--mib N] [--json FILE] [--flood N]\n"
    "         [--only "
    "rate,handshakes,concurrency,throughput,web,tls_bulk,hostile,flood,writeback]\n"
    "         [--slow-dir DIR] [--compare OLD_CLIPSHARED] [--rounds N] [--rows TEXT]\n"
    "writeback runs only when named in --only: ack delays of 20/50/100 MiB uploads into\n"
    "--slow-dir (make one with 'bench/slow-disk.sh up', remove it with 'bench/slow-disk.sh\n"
    "down'), then --rounds interleaved rounds of --mib MiB v1 uploads against raw\n"
    "write+fsync on the temporary directory's disk; --compare measures another daemon too.\n"
    "--rows: tls_bulk runs only the rows whose name and client contain TEXT, e.g.\n"
    "AES-256-GCM.tls13.upload.openssl (to profile one).\n";

int main(int argc, char** argv) {
    Settings s;
    if (argc == 2 && (std::string_view{argv[1]} == "--help" || std::string_view{argv[1]} == "-h")) {
        std::fputs(usage, stdout);
        return 0;
    }
    for (int i = 1; i + 1 < argc; i += 2) {
        std::string flag = argv[i];
        std::string value = argv[i + 1];
        if (flag == "--binary")
            s.binary = value;
        else if (flag == "--make-certs")
            s.make_certs = value;
        else if (flag == "--seconds")
            s.seconds = std::atof(value.c_str());
        else if (flag == "--connections")
            s.connections = std::atoi(value.c_str());
        else if (flag == "--mib")
            s.mib = std::atoll(value.c_str());
        else if (flag == "--tls-connections")
            s.tls_connections = std::atoi(value.c_str());
        else if (flag == "--json")
            s.json = value;
        else if (flag == "--flood")
            s.flood = std::atoi(value.c_str());
        else if (flag == "--only")
            s.only = value;
        else if (flag == "--slow-dir")
            s.slow_dir = value;
        else if (flag == "--compare")
            s.compare = value;
        else if (flag == "--rounds")
            s.rounds = std::atoi(value.c_str());
        else if (flag == "--rows")
            s.rows = value;
        else {
            std::fprintf(stderr, "clipshare_bench: unknown option %s\n%s", flag.c_str(), usage);
            return 2;
        }
    }
    raise_descriptor_limit(std::max(s.connections, s.flood));
    signal(SIGPIPE, SIG_IGN);
    // The in-process TlsContext (idle.tls.estimate) would log its info lines into the table.
    clipshare::log_set_level(clipshare::LogLevel::warning);

    auto handshakes = [&] {
        std::printf("== TLS handshakes: RSA and ECDSA P-256 keys\n");
        for (auto& [key, value] : bench::tls_handshakes({s.binary, s.make_certs, s.seconds, 64})) {
            record(key, value);
        }
    };
    fs::path certs =
        fs::temp_directory_path() / ("clipshare-bench-certs-" + std::to_string(getpid()));
    std::string command = "CLIPSHARE_PFX_PASSWORD=bench sh " + s.make_certs + " -d " +
                          certs.string() + " phone >/dev/null";
    if (std::system(command.c_str()) != 0) {
        std::fprintf(stderr, "clipshare_bench: %s failed\n", s.make_certs.c_str());
        return 1;
    }
    TlsClient::Options tls{certs / "ca.crt", certs / "phone.crt", certs / "phone.key"};
    const std::string tls_config =
        "[tls]\nenabled = true\nport = @TLS_PORT@\ncertificate = \"" +
        (certs / "server.crt").string() + "\"\nprivate_key = \"" + (certs / "server.key").string() +
        "\"\nca = \"" + (certs / "ca.crt").string() + "\"\nallowed_clients = [\"phone\"]\n";
    clipshare::TlsSection section;
    section.certificate = certs / "server.crt";
    section.private_key = certs / "server.key";
    section.ca = certs / "ca.crt";
    section.allowed_clients_inline = std::vector<std::string>{"phone"};
    Daemon daemon{s.binary, tls_config};
    std::printf("clipshared pid %d, plain port %u, TLS port %u\n\n", daemon.pid(), daemon.port(),
                daemon.tls_port());

    if (s.runs("rate")) {
        std::printf("== connection rate: negotiate + Info, %.0f s each\n", s.seconds);
        const TlsClient::Options* modes[] = {nullptr, &tls};
        for (const TlsClient::Options* mode : modes) {
            for (int version : {1, 4}) {
                for (int parallel : {1, 64}) connection_rate(s, daemon, mode, version, parallel);
            }
        }
    }
    if (s.runs("handshakes")) {
        std::printf("\n");
        handshakes();
    }
    if (s.runs("concurrency")) {
        std::printf("\n== concurrency: %d connections\n", s.connections);
        concurrency(s, daemon);
        idle_memory_plain(s);
        idle_memory_tls(s, tls_config, tls, section);
    }
    if (s.runs("throughput")) throughput(s, daemon, tls);
    // A clipshared built with -Dweb=disabled has no web port to measure.
    if (s.runs("web") && CLIPSHARE_HAVE_WEB) web_throughput(s);
    if (s.runs("tls_bulk")) {
#ifdef CLIPSHARE_BENCH_OPENSSL
        ReferenceServer reference_server{certs / "server.crt", certs / "server.key",
                                         certs / "ca.crt", fs::temp_directory_path()};
        if (!reference_server.ok()) std::fprintf(stderr, "%s\n", reference_server.error().c_str());
#endif
        tls_bulk(
            tls, 1.0,
            [&](const TlsClient::Options& options) {
                auto probe = TlsClient::connect(daemon.tls_port(), options);
                return probe && probe->handshake_ok();
            },
            [&](const TlsClient::Options& options, bool down) {
                return down ? download(s, daemon, &options) : upload(s, daemon, &options);
            },
            [&](bool down) {
                return down ? download(s, daemon, nullptr) : upload(s, daemon, nullptr);
            },
            [&]([[maybe_unused]] int suite, [[maybe_unused]] bool tls13,
                [[maybe_unused]] bool down) -> std::optional<Transfer> {
#ifdef CLIPSHARE_BENCH_OPENSSL
                Target target{openssl_opener(daemon.tls_port(), certs, suite, tls13),
                              [&] { return cpu_seconds(daemon.pid()); }};
                return down ? download(s, target) : upload(s, target);
#else
                return std::nullopt;
#endif
            },
            [&]([[maybe_unused]] int suite, [[maybe_unused]] bool down) -> std::optional<Transfer> {
#ifdef CLIPSHARE_BENCH_OPENSSL
                if (!reference_server.ok()) return std::nullopt;
                Target target{openssl_opener(reference_server.port(), certs, suite, true),
                              [&] { return reference_server.cpu_seconds(); }};
                return down ? download(s, target) : upload(s, target);
#else
                return std::nullopt;
#endif
            },
            record, s.rows);
    }
    if (s.runs("hostile")) {
        std::printf("\n== hostile clients\n");
        non_readers(s);
        big_batch(s);
        latency_under_slowloris(s);
    }

    // Long (a GiB per daemon and round, and a throttled disk): only when named.
    if (!s.only.empty() && s.runs("writeback")) {
        std::printf("\n== write-behind (issue #18)\n");
        WritebackSettings w;
        w.binaries.push_back(s.binary);
        if (!s.compare.empty()) w.binaries.push_back(s.compare);
        w.slow_dir = s.slow_dir;
        w.mib = s.mib;
        w.rounds = s.rounds;
        writeback_ack_delays(w, record);
        writeback_throughput(
            w, [&](const fs::path& file, bool sync) { return raw_pump(s, file, sync); }, record);
    }

    if (s.runs("flood")) {
        std::printf("\n== TLS flood\n");
        tls_flood(s, tls_config, certs);
    }
    if (s.runs("desktop")) desktop_latency({s.binary, s.seconds}, record);

    write_json(s);
    std::printf("\nJSON: %s\n", s.json.c_str());
    std::error_code ignored;
    fs::remove_all(certs, ignored);
    return 0;
}
