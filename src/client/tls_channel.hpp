// The client's TLS: a blocking mbedTLS session over another Channel (the SocketChannel), so
// that every wait is still the plain channel's poll() with the user's timeout and Ctrl-C, and
// the protocol code above cannot tell TLS from plain TCP.
//
// Like the ClipShare apps, the client presents its certificate, requires the server's to be
// signed by the given CA, and sends no SNI; a server name, when given, must equal the server
// certificate's CN exactly (as the desktop client checks its trusted list).
#pragma once

#include <cstdint>
#include <exception>
#include <memory>
#include <optional>
#include <string>

#include "client/channel.hpp"
#include "client/tls.hpp"
#include "net/mbedtls_objects.hpp"

namespace clipshare::client {

// Everything this run's one session needs, loaded before connecting: the RNG, the CA, our
// certificate and key, the mbedTLS configuration.
class TlsClientContext {
public:
    // Throws ClientError(Exit::tls) naming the file that cannot be used.
    static std::shared_ptr<TlsClientContext> load(const TlsSettings& settings);

    TlsClientContext(const TlsClientContext&) = delete;
    TlsClientContext& operator=(const TlsClientContext&) = delete;

    const mbedtls_ssl_config* ssl_config() const { return config_.get(); }
    const TlsSettings& settings() const { return settings_; }
    bool presents_certificate() const { return !settings_.certificate.empty(); }
    // Our certificate's CN, for messages ("" when it has none, or none is presented).
    const std::string& own_name() const { return own_name_; }

private:
    explicit TlsClientContext(TlsSettings settings) : settings_(std::move(settings)) {}
    void load_files();

    TlsSettings settings_;
    std::string own_name_;
    // Declaration order is destruction order in reverse: the config, which points at all the
    // others, goes first.
    EntropySource entropy_;
    RandomGenerator rng_;
    CertificateChain ca_;
    CertificateChain own_chain_;
    PrivateKey own_key_;
    SslConfig config_;
};

class TlsChannel final : public Channel {
public:
    // Runs the handshake over `transport`; throws ClientError as start_tls says.
    TlsChannel(std::unique_ptr<Channel> transport, std::shared_ptr<TlsClientContext> context,
               std::string peer);
    // Sends close_notify unless the session broke (see close()).
    ~TlsChannel() override;
    TlsChannel(const TlsChannel&) = delete;
    TlsChannel& operator=(const TlsChannel&) = delete;

    std::size_t read_some(std::span<std::uint8_t> out) override;
    void write_all(std::span<const std::uint8_t> data) override;

    // Ends the session with a close_notify, once. Never throws: when it runs the exchange is
    // over, and a server that has already gone is no failure.
    void close() noexcept;

private:
    static int send_ciphertext(void* self, const unsigned char* data, std::size_t length);
    static int receive_ciphertext(void* self, unsigned char* buffer, std::size_t length);
    static int check_server_certificate(void* self, mbedtls_x509_crt* certificate, int depth,
                                        std::uint32_t* flags);

    void handshake();
    [[noreturn]] void fail_handshake(int code);
    // After a read or write failed: because of the transport (its error, rethrown), or of
    // TLS itself (mbedTLS's `code`).
    [[noreturn]] void fail_transport();
    [[noreturn]] void fail_session(int code);

    // The description of a fatal alert the server sent in clear before the connection broke,
    // which mbedTLS did not get to read; -1 if there is none.
    int unread_plaintext_alert();

    // Messages, each starting with "the server HOST:PORT". `alert` < 0: none was received.
    std::string refusal(int alert) const;
    std::string untrusted_server(std::uint32_t flags) const;
    std::string closed_during_handshake() const;
    std::string unreadable_refusal() const;
    std::string our_certificate() const;

    // Declared first, destroyed last: the session's callbacks use it until the end.
    std::unique_ptr<Channel> transport_;
    std::shared_ptr<TlsClientContext> context_;
    SslSession ssl_;
    std::string peer_;
    bool server_certificate_seen_ = false;
    std::optional<std::string> server_name_;  // the server certificate's CN, once seen

    // What the transport threw inside an mbedTLS callback, rethrown once mbedTLS returns
    // (exceptions must not cross mbedTLS's C frames). While it is set the callbacks refuse at
    // once, so mbedTLS cannot wait on a broken connection again.
    std::exception_ptr transport_error_;
    bool verdict_pending_ = false;  // TLS 1.3: nothing read yet, the server may still refuse us
    bool ended_ = false;            // the server ended the session: reads return 0
    bool broken_ = false;           // no close_notify: the session failed
    bool closed_ = false;
};

}  // namespace clipshare::client
