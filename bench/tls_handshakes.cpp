// See tls_handshakes.hpp. The client is mbedTLS in C++ on blocking sockets, one thread per
// concurrent client, each with its own RNG and configuration, so that the daemon (one loop,
// one core) is what limits the figures, not the client.
#include "tls_handshakes.hpp"

#include <mbedtls/ssl.h>

#include <atomic>
#include <cerrno>
#include <iterator>
#include <memory>

#include "../src/net/mbedtls_compat.hpp"
#include "../src/net/mbedtls_objects.hpp"
#include "../src/net/tls_credentials.hpp"
#include "support.hpp"

namespace bench {
namespace {

using Clock = std::chrono::steady_clock;
using SavedSession = clipshare::MbedtlsObject<mbedtls_ssl_session, mbedtls_ssl_session_init,
                                              mbedtls_ssl_session_free>;

// How a client connects: a fresh full handshake every time, or offering the session of its
// previous connection.
enum class Resume {
    never,
    tickets,  // session tickets on (TLS 1.3 where both ends have it, else TLS 1.2), offered
              // with psk_dhe_ke only, as Java and Android do
    psk_ke,   // the same, offered with psk_ke too, as clipshare --tls does: the daemon
              // (resume_with_ecdhe = false) resumes without ECDHE
    cache,    // TLS 1.2 with tickets off: only the server's session cache can resume
};

const char* resume_name(Resume mode) {
    switch (mode) {
        case Resume::never:
            return "full";
        case Resume::tickets:
            return "resumed.tickets";
        case Resume::psk_ke:
            return "resumed.psk_ke";
        case Resume::cache:
            return "resumed.cache";
    }
    return "";
}

struct Pki {
    fs::path dir;
    std::size_t server_certificate_bytes = 0;  // DER, to tell a resumed handshake apart
};

// One client's mbedTLS objects, set up once and used for every connection it makes.
class HandshakeClient {
public:
    // "" or why not.
    std::string setup(const Pki& pki, Resume mode) {
        mode_ = mode;
        pki_ = &pki;
        static const unsigned char personalization[] = "clipshare-bench-handshakes";
        if (mbedtls_ctr_drbg_seed(rng_.get(), mbedtls_entropy_func, entropy_.get(), personalization,
                                  sizeof personalization - 1) != 0) {
            return "cannot seed the RNG";
        }
        if (mbedtls_x509_crt_parse_file(ca_.get(), (pki.dir / "ca.crt").c_str()) != 0 ||
            mbedtls_x509_crt_parse_file(certificate_.get(), (pki.dir / "phone.crt").c_str()) != 0) {
            return "cannot load the certificates in " + pki.dir.string();
        }
        if (auto error = clipshare::load_private_key(pki.dir / "phone.key", key_.get(), rng_.get());
            !error.empty()) {
            return "phone.key: " + error;
        }
        mbedtls_ssl_config* conf = config_.get();
        mbedtls_ssl_config_defaults(conf, MBEDTLS_SSL_IS_CLIENT, MBEDTLS_SSL_TRANSPORT_STREAM,
                                    MBEDTLS_SSL_PRESET_DEFAULT);
        mbedtls_ssl_conf_rng(conf, mbedtls_ctr_drbg_random, rng_.get());
        // Like clipshare --tls: the newest version both have, and its groups (P-256's key share).
        clipshare::mbedtls_compat::set_protocol_versions(conf, mode != Resume::cache);
        clipshare::mbedtls_compat::set_key_exchange_groups(conf);
        mbedtls_ssl_conf_authmode(conf, MBEDTLS_SSL_VERIFY_REQUIRED);
        mbedtls_ssl_conf_ca_chain(conf, ca_.get(), nullptr);
        mbedtls_ssl_conf_own_cert(conf, certificate_.get(), key_.get());
        const bool tickets = mode == Resume::tickets || mode == Resume::psk_ke;
#if defined(MBEDTLS_SSL_SESSION_TICKETS) && defined(MBEDTLS_SSL_CLI_C)
        mbedtls_ssl_conf_session_tickets(conf, tickets ? MBEDTLS_SSL_SESSION_TICKETS_ENABLED
                                                       : MBEDTLS_SSL_SESSION_TICKETS_DISABLED);
#endif
        // TLS 1.3 tickets (signalled when they come after the handshake), offered with the
        // column's modes; mbedTLS's client default would offer both.
        if (tickets) {
            clipshare::mbedtls_compat::allow_tls13_tickets(
                conf, mode == Resume::psk_ke ? clipshare::mbedtls_compat::Tls13PskModes::both
                                             : clipshare::mbedtls_compat::Tls13PskModes::dhe);
        }
        return {};
    }

    // One connection: handshake (offering the saved session when there is one), the
    // protocol's first byte and its answer, close. Sets `resumed`. False on any failure.
    bool connect_once(std::uint16_t port, bool& resumed) {
        resumed = false;
        fd_ = connect_to(port);
        if (fd_ < 0) return false;
        received_ = 0;
        clipshare::SslSession ssl;
        bool ok = mbedtls_ssl_setup(ssl.get(), config_.get()) == 0 &&
                  clipshare::mbedtls_compat::skip_host_name(ssl.get()) == 0;
        mbedtls_ssl_set_bio(ssl.get(), this, send_bytes, receive_bytes, nullptr);
        const bool offered = ok && have_session_;
        if (offered) ok = mbedtls_ssl_set_session(ssl.get(), session_.get()) == 0;
        int rc = ok ? MBEDTLS_ERR_SSL_WANT_READ : -1;
        while (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE) {
            rc = mbedtls_ssl_handshake(ssl.get());
        }
        ok = rc == 0;
        const std::size_t handshake_bytes = received_;
        if (ok && full_handshake_bytes_ == 0 && !offered) full_handshake_bytes_ = handshake_bytes;
        // Resumed when the server's flight lacked its certificate: mbedTLS has no public
        // "was this resumed" on both 2.28 and 3.x, and an offered session proves nothing.
        if (ok && offered && full_handshake_bytes_ != 0) {
            resumed = handshake_bytes + pki_->server_certificate_bytes <= full_handshake_bytes_;
        }
        if (ok && mode_ != Resume::never && !clipshare::mbedtls_compat::is_tls13(ssl.get())) {
            save_session(ssl.get());  // TLS 1.2: the session (and any ticket) is there now
        }
        // The server has accepted us once it answers the version byte (in TLS 1.3 the
        // client's handshake ends before the server has judged its certificate).
        const unsigned char version = 4;
        if (ok) {
            do {
                rc = mbedtls_ssl_write(ssl.get(), &version, 1);
            } while (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE);
            ok = rc == 1;
        }
        unsigned char answer = 0;
        while (ok) {
            rc = mbedtls_ssl_read(ssl.get(), &answer, 1);
#if defined(MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET)
            if (rc == MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET) {
                save_session(ssl.get());  // TLS 1.3: available until the next read
                continue;
            }
#endif
            if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE) continue;
            ok = rc == 1 && answer == 1;
            break;
        }
        if (ok) mbedtls_ssl_close_notify(ssl.get());
        ::close(fd_);
        fd_ = -1;
        return ok;
    }

private:
    void save_session(const mbedtls_ssl_context* ssl) {
        SavedSession fresh;
        if (mbedtls_ssl_get_session(ssl, fresh.get()) != 0) return;
        mbedtls_ssl_session_free(session_.get());
        mbedtls_ssl_session_init(session_.get());
        std::swap(*session_.get(), *fresh.get());  // the emptied one is freed with `fresh`
        have_session_ = true;
    }

    static int send_bytes(void* context, const unsigned char* data, std::size_t length) {
        ssize_t sent =
            ::send(static_cast<HandshakeClient*>(context)->fd_, data, length, MSG_NOSIGNAL);
        return sent >= 0 ? static_cast<int>(sent) : MBEDTLS_ERR_SSL_CONN_EOF;
    }
    static int receive_bytes(void* context, unsigned char* buffer, std::size_t length) {
        auto* self = static_cast<HandshakeClient*>(context);
        ssize_t got = ::recv(self->fd_, buffer, length, 0);
        if (got < 0) return errno == EINTR ? MBEDTLS_ERR_SSL_WANT_READ : MBEDTLS_ERR_SSL_CONN_EOF;
        self->received_ += static_cast<std::size_t>(got);
        return static_cast<int>(got);
    }

    // Declaration order is destruction order in reverse: the configuration goes first.
    clipshare::EntropySource entropy_;
    clipshare::RandomGenerator rng_;
    clipshare::CertificateChain ca_;
    clipshare::CertificateChain certificate_;
    clipshare::PrivateKey key_;
    clipshare::SslConfig config_;
    SavedSession session_;
    bool have_session_ = false;
    Resume mode_ = Resume::never;
    const Pki* pki_ = nullptr;
    int fd_ = -1;
    std::size_t received_ = 0;
    std::size_t full_handshake_bytes_ = 0;
};

struct Figure {
    double per_second = 0;     // completed handshakes (resumed or not)
    double resumed = 0;        // of which resumed, per second
    double daemon_cpu_ms = 0;  // the daemon's CPU time per completed handshake
    long connections = 0;
    long resumed_count = 0;
    long failures = 0;
};

Figure measure(const Pki& pki, const Daemon& daemon, Resume mode, int parallel, double seconds) {
    const std::uint16_t port = daemon.tls_port();
    std::atomic<long> done{0}, resumed{0}, failures{0};
    std::vector<std::unique_ptr<HandshakeClient>> clients;
    for (int i = 0; i < parallel; ++i) {
        clients.push_back(std::make_unique<HandshakeClient>());
        if (auto error = clients.back()->setup(pki, mode); !error.empty()) {
            std::fprintf(stderr, "tls_handshakes: %s\n", error.c_str());
            return {};
        }
    }
    const double cpu_before = cpu_seconds(daemon.pid());
    const auto start = Clock::now();
    const auto deadline = start + std::chrono::duration<double>(seconds);
    std::vector<std::thread> threads;
    for (auto& client : clients) {
        threads.emplace_back([&, c = client.get()] {
            while (Clock::now() < deadline) {
                bool was_resumed = false;
                if (!c->connect_once(port, was_resumed)) {
                    ++failures;
                    continue;
                }
                ++done;
                if (was_resumed) ++resumed;
            }
        });
    }
    for (auto& t : threads) t.join();
    const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
    const double cpu = cpu_seconds(daemon.pid()) - cpu_before;
    Figure figure;
    figure.per_second = static_cast<double>(done) / elapsed;
    figure.resumed = static_cast<double>(resumed) / elapsed;
    figure.daemon_cpu_ms = done > 0 ? cpu * 1e3 / static_cast<double>(done) : 0;
    figure.connections = done;
    figure.resumed_count = resumed;
    figure.failures = failures;
    return figure;
}

// make-certs.sh into a fresh directory with `key_types` (its -k and -c; none: its defaults).
bool make_pki(const HandshakeBenchOptions& options, const std::string& name,
              const std::string& key_types, Pki& pki) {
    pki.dir = fs::temp_directory_path() /
              ("clipshare-bench-handshakes-" + name + "-" + std::to_string(getpid()));
    std::string command = "CLIPSHARE_PFX_PASSWORD=bench sh " + options.make_certs + " " +
                          key_types + " -d " + pki.dir.string() + " phone >/dev/null 2>&1";
    if (std::system(command.c_str()) != 0) return false;
    clipshare::CertificateChain server;
    if (mbedtls_x509_crt_parse_file(server.get(), (pki.dir / "server.crt").c_str()) != 0) {
        return false;
    }
    pki.server_certificate_bytes = server.get()->raw.len;
    return true;
}

// resume_with_ecdhe = false: clients that offer psk_ke (the psk_ke columns) resume without
// ECDHE; those that offer psk_dhe_ke only (the tickets columns) keep it.
std::string tls_config(const Pki& pki) {
    auto quoted = [](const fs::path& path) { return "\"" + path.string() + "\""; };
    return "[tls]\nenabled = true\nport = @TLS_PORT@\ncertificate = " +
           quoted(pki.dir / "server.crt") + "\nprivate_key = " + quoted(pki.dir / "server.key") +
           "\nca = " + quoted(pki.dir / "ca.crt") +
           "\nallowed_clients = [\"phone\"]\nresume_with_ecdhe = false\n";
}

}  // namespace

std::vector<std::pair<std::string, double>> tls_handshakes(const HandshakeBenchOptions& options) {
    std::vector<std::pair<std::string, double>> figures;
    clipshare::mbedtls_compat::init_crypto();
    struct Column {
        Resume mode;
        int parallel;
    };
    const Column columns[] = {{Resume::never, 1},   {Resume::never, options.parallel},
                              {Resume::tickets, 1}, {Resume::tickets, options.parallel},
                              {Resume::psk_ke, 1},  {Resume::psk_ke, options.parallel},
                              {Resume::cache, 1},   {Resume::cache, options.parallel}};
    constexpr int column_count = static_cast<int>(std::size(columns));
    struct Row {
        const char* key_types;  // make-certs.sh options
        const char* label;      // in the table and the JSON keys
    };
    // All RSA (what make-certs.sh made before), all ECDSA, and its default: an ECDSA server
    // key with an RSA CA and RSA clients, which spares the daemon the ECDSA verifications
    // that cost mbedTLS far more than RSA ones.
    const Row rows[] = {{"-k rsa -c rsa", "rsa2048"}, {"-k ec -c ec", "ecdsa256"}, {"", "default"}};
    std::printf("%-10s", "keys");
    for (const Column& c : columns) {
        std::printf(" %20s",
                    (std::string{resume_name(c.mode)} + " x" + std::to_string(c.parallel)).c_str());
    }
    std::printf(
        "\n%-10s (handshakes/s, each with the daemon's CPU ms per handshake; %.0f s "
        "each; mbedTLS %s)\n",
        "", options.seconds, clipshare::mbedtls_compat::version_string);
    double full[3][2] = {};            // [row][x1, xN] handshakes/s
    double full_cpu[3][2] = {};        // [row][x1, xN] daemon CPU ms per handshake
    double cpu[3][column_count] = {};  // [row][column] daemon CPU ms per handshake
    for (int r = 0; r < 3; ++r) {
        Pki pki;
        if (!make_pki(options, rows[r].label, rows[r].key_types, pki)) {
            std::fprintf(stderr, "tls_handshakes: %s %s failed\n", options.make_certs.c_str(),
                         rows[r].key_types);
            continue;
        }
        {
            Daemon daemon{options.binary, tls_config(pki)};
            std::printf("%-10s", rows[r].label);
            std::string notes;
            for (int column = 0; column < column_count; ++column) {
                const Column& c = columns[column];
                Figure f = measure(pki, daemon, c.mode, c.parallel, options.seconds);
                if (c.mode == Resume::never || f.resumed_count != 0) {
                    cpu[r][column] = f.daemon_cpu_ms;
                }
                const std::string key = std::string{"handshake."} + rows[r].label + "." +
                                        resume_name(c.mode) + ".x" + std::to_string(c.parallel);
                char cell[64];
                if (c.mode == Resume::never) {
                    std::snprintf(cell, sizeof cell, "%.0f (%.2f ms)", f.per_second,
                                  f.daemon_cpu_ms);
                    full[r][c.parallel == 1 ? 0 : 1] = f.per_second;
                    full_cpu[r][c.parallel == 1 ? 0 : 1] = f.daemon_cpu_ms;
                } else if (f.resumed_count == 0) {
                    std::snprintf(cell, sizeof cell, "not resumed");
                } else {
                    std::snprintf(cell, sizeof cell, "%.0f (%.2f ms) %.0f%%", f.resumed,
                                  f.daemon_cpu_ms,
                                  100.0 * static_cast<double>(f.resumed_count) /
                                      static_cast<double>(f.connections));
                }
                std::printf(" %20s", cell);
                std::fflush(stdout);
                figures.emplace_back(key + ".per_second",
                                     c.mode == Resume::never ? f.per_second : f.resumed);
                figures.emplace_back(key + ".daemon_cpu_ms", f.daemon_cpu_ms);
                figures.emplace_back(key + ".connections", static_cast<double>(f.connections));
                figures.emplace_back(key + ".resumed", static_cast<double>(f.resumed_count));
                figures.emplace_back(key + ".failures", static_cast<double>(f.failures));
                if (f.failures != 0) {
                    notes += std::string{" "} + resume_name(c.mode) + " x" +
                             std::to_string(c.parallel) + ": " + std::to_string(f.failures) +
                             " failed;";
                }
            }
            std::printf("%s\n", notes.c_str());
        }
        std::error_code ignored;
        fs::remove_all(pki.dir, ignored);
    }
    // Against RSA: handshakes/s on this machine (client and daemon share its cores), and the
    // daemon's own CPU per handshake, which is what a router's one core pays.
    for (int r = 1; r < 3; ++r) {
        if (full[0][0] <= 0 || full[r][0] <= 0 || full_cpu[r][0] <= 0 || full_cpu[r][1] <= 0) {
            continue;
        }
        const double rate1 = full[r][0] / full[0][0];
        const double rate_n = full[r][1] / full[0][1];
        const double cpu1 = full_cpu[0][0] / full_cpu[r][0];
        const double cpu_n = full_cpu[0][1] / full_cpu[r][1];
        std::printf(
            "%-10s vs rsa2048, full: handshakes/s %.2fx (x1), %.2fx (x%d); rsa2048's daemon "
            "CPU per handshake / this one's: %.2f (x1), %.2f (x%d)\n",
            rows[r].label, rate1, rate_n, options.parallel, cpu1, cpu_n, options.parallel);
        const std::string key = std::string{"handshake."} + rows[r].label + "_vs_rsa2048.full";
        figures.emplace_back(key + ".rate_ratio.x1", rate1);
        figures.emplace_back(key + ".rate_ratio.x" + std::to_string(options.parallel), rate_n);
        figures.emplace_back(key + ".daemon_cpu_ratio.x1", cpu1);
        figures.emplace_back(key + ".daemon_cpu_ratio.x" + std::to_string(options.parallel), cpu_n);
    }
    // Resumed against full handshakes, by the daemon's CPU per handshake, each row against
    // its own full handshakes and against rsa2048's (issue #16 asks for 5x).
    for (int r = 0; r < 3; ++r) {
        for (int column = 0; column < column_count; ++column) {
            const Column& c = columns[column];
            if (c.mode != Resume::tickets && c.mode != Resume::psk_ke) continue;
            const int full_column = c.parallel == 1 ? 0 : 1;
            if (cpu[r][column] <= 0 || cpu[r][full_column] <= 0 || cpu[0][full_column] <= 0) {
                continue;
            }
            const double own = cpu[r][full_column] / cpu[r][column];
            const double rsa = cpu[0][full_column] / cpu[r][column];
            const std::string name =
                std::string{resume_name(c.mode)} + " x" + std::to_string(c.parallel);
            std::printf(
                "%-10s %s: full / resumed daemon CPU per handshake: %.2f (this row's full), "
                "%.2f (rsa2048's full)\n",
                rows[r].label, name.c_str(), own, rsa);
            const std::string key = std::string{"handshake."} + rows[r].label + "." +
                                    resume_name(c.mode) + ".x" + std::to_string(c.parallel);
            figures.emplace_back(key + ".full_cpu_ratio", own);
            figures.emplace_back(key + ".rsa2048_full_cpu_ratio", rsa);
        }
    }
    return figures;
}

}  // namespace bench
