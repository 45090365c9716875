#include "tls_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "net/mbedtls_compat.hpp"
#include "net/mbedtls_objects.hpp"
#include "net/tls_credentials.hpp"

namespace clipshare::test {

struct TlsClient::Impl {
    int fd = -1;
    EntropySource entropy;
    RandomGenerator rng;
    CertificateChain ca;
    CertificateChain certificate;
    PrivateKey key;
    SslConfig config;
    SslSession ssl;
    int ciphersuites[2] = {0, 0};
    bool deaf = false;              // the handshake reads nothing (send_hello_and_stall)
    int certificates_verified = 0;  // by the verify callback: none when resumed
    SavedSession tls13_ticket;      // the latest TLS 1.3 ticket (Options::tls13_tickets)
    bool has_tls13_ticket = false;

    // mbedtls_ssl_read, keeping a TLS 1.3 ticket that arrives on the way.
    int read(unsigned char* buffer, std::size_t length) {
        for (;;) {
            const int rc = mbedtls_ssl_read(ssl.get(), buffer, length);
            // A ticket read but not yet processed (see TlsEngine::read).
            if (rc == MBEDTLS_ERR_SSL_WANT_READ &&
                mbedtls_compat::post_handshake_message_waiting(ssl.get())) {
                continue;
            }
            if (!mbedtls_compat::is_new_ticket(rc)) return rc;
            mbedtls_ssl_session_free(tls13_ticket.get());
            mbedtls_ssl_session_init(tls13_ticket.get());
            has_tls13_ticket = mbedtls_ssl_get_session(ssl.get(), tls13_ticket.get()) == 0;
        }
    }

    ~Impl() {
        if (fd >= 0) ::close(fd);
    }

    static int send_bytes(void* context, const unsigned char* data, std::size_t length) {
        int fd = static_cast<Impl*>(context)->fd;
        ssize_t sent = ::send(fd, data, length, MSG_NOSIGNAL);
        if (sent >= 0) return static_cast<int>(sent);
        return errno == EAGAIN || errno == EWOULDBLOCK ? MBEDTLS_ERR_SSL_TIMEOUT
                                                       : MBEDTLS_ERR_SSL_CONN_EOF;
    }

    static int receive_bytes(void* context, unsigned char* buffer, std::size_t length) {
        if (static_cast<Impl*>(context)->deaf) return MBEDTLS_ERR_SSL_WANT_READ;
        int fd = static_cast<Impl*>(context)->fd;
        ssize_t got = ::recv(fd, buffer, length, 0);
        if (got >= 0) return static_cast<int>(got);
        return errno == EAGAIN || errno == EWOULDBLOCK ? MBEDTLS_ERR_SSL_TIMEOUT
                                                       : MBEDTLS_ERR_SSL_CONN_EOF;
    }

    // "" or why the setup failed.
    std::string setup(std::uint16_t port, const Options& options) {
        mbedtls_compat::init_crypto();
        static const unsigned char personalization[] = "clipshare-test";
        if (mbedtls_ctr_drbg_seed(rng.get(), mbedtls_entropy_func, entropy.get(), personalization,
                                  sizeof personalization - 1) != 0) {
            return "cannot seed the RNG";
        }
        if (mbedtls_x509_crt_parse_file(ca.get(), options.ca.c_str()) != 0) {
            return "cannot load " + options.ca.string();
        }
        mbedtls_ssl_config* conf = config.get();
        mbedtls_ssl_config_defaults(conf, MBEDTLS_SSL_IS_CLIENT, MBEDTLS_SSL_TRANSPORT_STREAM,
                                    MBEDTLS_SSL_PRESET_DEFAULT);
        mbedtls_ssl_conf_rng(conf, mbedtls_ctr_drbg_random, rng.get());
        mbedtls_compat::set_protocol_versions(conf, !options.tls12_only);
        mbedtls_ssl_conf_authmode(conf, MBEDTLS_SSL_VERIFY_REQUIRED);
        mbedtls_ssl_conf_ca_chain(conf, ca.get(), nullptr);
        mbedtls_ssl_conf_verify(
            conf,
            [](void* self, mbedtls_x509_crt*, int, std::uint32_t*) {
                ++static_cast<Impl*>(self)->certificates_verified;
                return 0;
            },
            this);
#if defined(MBEDTLS_SSL_SESSION_TICKETS)
        // Tickets where the library has them, as the ClipShare apps' TLS stacks do.
        mbedtls_ssl_conf_session_tickets(conf, options.session_tickets
                                                   ? MBEDTLS_SSL_SESSION_TICKETS_ENABLED
                                                   : MBEDTLS_SSL_SESSION_TICKETS_DISABLED);
#endif
        if (options.tls13_tickets) mbedtls_compat::allow_tls13_tickets(conf);
        if (options.ciphersuite != 0) {
            ciphersuites[0] = options.ciphersuite;
            mbedtls_ssl_conf_ciphersuites(conf, ciphersuites);
        }
        if (!options.certificate.empty()) {
            if (mbedtls_x509_crt_parse_file(certificate.get(), options.certificate.c_str()) != 0) {
                return "cannot load " + options.certificate.string();
            }
            int error = 0;
            auto text = read_key(options.key, error);
            if (error != 0 || mbedtls_compat::parse_private_key(
                                  key.get(), reinterpret_cast<const unsigned char*>(text.data()),
                                  text.size(), rng.get()) != 0) {
                return "cannot load " + options.key.string();
            }
            mbedtls_ssl_conf_own_cert(conf, certificate.get(), key.get());
        }
        if (mbedtls_ssl_setup(ssl.get(), conf) != 0) return "mbedtls_ssl_setup failed";
        // The desktop client sends no SNI and checks the server's CN itself.
        mbedtls_ssl_set_hostname(ssl.get(), nullptr);
        mbedtls_ssl_set_bio(ssl.get(), this, &send_bytes, &receive_bytes, nullptr);

        fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        timeval timeout{20, 0};  // a safety net against a hung test, never a wait
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_port = htons(port);
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
            return "cannot connect";
        }
        return {};
    }

    static std::string read_key(const std::filesystem::path& path, int& error) {
        FILE* file = std::fopen(path.c_str(), "rb");
        if (file == nullptr) {
            error = errno;
            return {};
        }
        std::string text;
        char buffer[4096];
        std::size_t got;
        while ((got = std::fread(buffer, 1, sizeof buffer, file)) > 0) text.append(buffer, got);
        std::fclose(file);
        text.push_back('\0');  // PEM input must count its NUL
        return text;
    }
};

TlsClient::TlsClient() : impl_(std::make_unique<Impl>()) {}
TlsClient::~TlsClient() = default;

std::unique_ptr<TlsClient> TlsClient::connect(std::uint16_t port, const Options& options,
                                              const TlsClient* resume_from) {
    std::unique_ptr<TlsClient> client{new TlsClient};
    client->error_ = client->impl_->setup(port, options);
    if (!client->error_.empty()) return client;
    if (resume_from != nullptr && resume_from->impl_->has_tls13_ticket) {
        if (mbedtls_ssl_set_session(client->impl_->ssl.get(),
                                    resume_from->impl_->tls13_ticket.get()) != 0) {
            client->error_ = "cannot offer the earlier ticket";
            return client;
        }
    } else if (resume_from != nullptr) {
        SavedSession session;
        // Copied from the earlier client's context (get_session may run once per session).
        if (mbedtls_ssl_get_session(resume_from->impl_->ssl.get(), session.get()) != 0 ||
            mbedtls_ssl_set_session(client->impl_->ssl.get(), session.get()) != 0) {
            client->error_ = "cannot offer the earlier session";
            return client;
        }
    }
    sockaddr_in local{};
    socklen_t length = sizeof local;
    getsockname(client->impl_->fd, reinterpret_cast<sockaddr*>(&local), &length);
    client->local_port_ = ntohs(local.sin_port);
    int rc = mbedtls_ssl_handshake(client->impl_->ssl.get());
    if (rc != 0) {
        client->error_ = mbedtls_error_text(rc);
        return client;
    }
    client->handshake_ok_ = true;
    return client;
}

void TlsClient::abandon_handshake(std::uint16_t port, const Options& options) {
    TlsClient client;
    if (!client.impl_->setup(port, options).empty()) return;
    // Step by step: the first steps write the ClientHello and read the ServerHello; after
    // them the server waits for the rest of our flight, which never comes.
    for (int step = 0; step < 3; ++step) {
        if (mbedtls_ssl_handshake_step(client.impl_->ssl.get()) != 0) break;
    }
}

std::unique_ptr<TlsClient> TlsClient::send_hello_and_stall(std::uint16_t port,
                                                           const Options& options) {
    std::unique_ptr<TlsClient> client{new TlsClient};
    client->error_ = client->impl_->setup(port, options);
    if (!client->error_.empty()) return client;
    sockaddr_in local{};
    socklen_t length = sizeof local;
    getsockname(client->impl_->fd, reinterpret_cast<sockaddr*>(&local), &length);
    client->local_port_ = ntohs(local.sin_port);
    // The handshake writes the ClientHello, then finds nothing to read and returns.
    client->impl_->deaf = true;
    int rc = mbedtls_ssl_handshake(client->impl_->ssl.get());
    if (rc != MBEDTLS_ERR_SSL_WANT_READ) client->error_ = mbedtls_error_text(rc);
    return client;
}

bool TlsClient::socket_closed_by_peer() {
    unsigned char buffer[4096];
    for (;;) {
        ssize_t got = ::recv(impl_->fd, buffer, sizeof buffer, 0);
        if (got > 0) continue;
        return got == 0 || (errno != EAGAIN && errno != EWOULDBLOCK);
    }
}

bool TlsClient::wait_readable() {
    pollfd readable{impl_->fd, POLLIN, 0};
    return ::poll(&readable, 1, 20'000) == 1;  // a safety net against a hung test
}

std::string TlsClient::server_cn() const {
    const mbedtls_x509_crt* peer = mbedtls_ssl_get_peer_cert(impl_->ssl.get());
    if (peer == nullptr) return {};
    return subject_common_name(*peer).value_or("");
}

bool TlsClient::resumed() const {
    return handshake_ok_ && impl_->certificates_verified == 0;
}

bool TlsClient::has_tls13_ticket() const {
    return impl_->has_tls13_ticket;
}

void TlsClient::tamper_with_tls13_ticket(std::size_t offset_from_end) {
#if MBEDTLS_VERSION_MAJOR >= 3
    mbedtls_ssl_session* session = impl_->tls13_ticket.get();
    unsigned char* ticket = session->MBEDTLS_PRIVATE(ticket);
    const std::size_t length = session->MBEDTLS_PRIVATE(ticket_len);
    if (ticket != nullptr && length > offset_from_end) ticket[length - offset_from_end] ^= 0x01;
#else
    (void)offset_from_end;
#endif
}

std::string TlsClient::ciphersuite() const {
    return mbedtls_ssl_get_ciphersuite(impl_->ssl.get());
}

std::string TlsClient::version() const {
    return mbedtls_ssl_get_version(impl_->ssl.get());
}

bool TlsClient::send(const std::vector<std::uint8_t>& bytes) {
    std::size_t done = 0;
    while (done < bytes.size()) {
        int rc = mbedtls_ssl_write(impl_->ssl.get(), bytes.data() + done, bytes.size() - done);
        if (rc <= 0) return false;
        done += static_cast<std::size_t>(rc);
    }
    return true;
}

void TlsClient::shutdown_write() {
    mbedtls_ssl_close_notify(impl_->ssl.get());
    ::shutdown(impl_->fd, SHUT_WR);
}

std::vector<std::uint8_t> TlsClient::recv(std::size_t n) {
    std::vector<std::uint8_t> out(n);
    std::size_t done = 0;
    while (done < n) {
        int rc = impl_->read(out.data() + done, n - done);
        if (rc <= 0) break;
        done += static_cast<std::size_t>(rc);
    }
    out.resize(done);
    return out;
}

std::vector<std::uint8_t> TlsClient::recv_all() {
    std::vector<std::uint8_t> out;
    unsigned char buffer[4096];
    for (;;) {
        int rc = impl_->read(buffer, sizeof buffer);
        if (rc <= 0) break;
        out.insert(out.end(), buffer, buffer + rc);
    }
    return out;
}

bool TlsClient::closed_by_peer() {
    unsigned char byte;
    int rc = impl_->read(&byte, 1);
    return rc == 0 || rc == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY || rc == MBEDTLS_ERR_SSL_CONN_EOF;
}

}  // namespace clipshare::test
