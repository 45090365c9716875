// The client's TLS: a blocking adapter over a TlsEngine (memory in, memory out) and another
// Channel (the SocketChannel), so that every wait is still the plain channel's poll() with the
// user's timeout and Ctrl-C, and the protocol code above cannot tell TLS from plain TCP.
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
#include <vector>

#include "client/channel.hpp"
#include "client/tls.hpp"
#include "net/mbedtls_objects.hpp"
#include "net/tls_engine.hpp"
#include "net/tls_identity.hpp"
#include "net/tls_reasons.hpp"

namespace clipshare::client {

// Everything this run's sessions need, loaded before connecting: the RNG, the CA, our
// certificate and key, the mbedTLS configuration; and the last session (TLS 1.2, or a TLS
// 1.3 ticket), which the run's next connection offers to resume (kept in memory only: see
// clipshare(1)).
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

    // The session a new connection offers to resume; nullptr before the first one is saved.
    const mbedtls_ssl_session* saved_session() const { return saved_ ? saved_->get() : nullptr; }
    // Keeps the session of `engine`'s finished handshake for the next connection, if it has
    // one to resume.
    void save_session(TlsEngine& engine);

private:
    explicit TlsClientContext(TlsSettings settings) : settings_(std::move(settings)) {}
    void load_files();

    TlsSettings settings_;
    std::string own_name_;
    // Declaration order is destruction order in reverse: the config, which points into the
    // identity, goes first.
    TlsIdentity identity_;
    SslConfig config_;
    std::unique_ptr<SavedSession> saved_;
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
    void handshake();
    // Sends what the engine has for the server. Returns false when the connection broke
    // under us (ConnectionLost, kept in lost_error_); other transport errors propagate.
    bool send_output();
    // Feeds the engine what the server sends next, or the end. Returns false when the
    // connection broke; after `lost`, any error but Ctrl-C counts as the end.
    bool receive_more(bool lost);
    // The same, where a TLS 1.3 refusal may still come: a lost connection is one.
    void send_or_fail();
    void receive_or_fail();
    [[noreturn]] void fail_with_engine_reason();
    [[noreturn]] void fail_closed_during_handshake();
    // `reason`, with a hint to drop --tls when the server's first byte started no TLS record.
    std::string with_transport_hint(std::string reason) const;
    tls_reasons::ClientView view() const;

    // Declared first, destroyed last.
    std::unique_ptr<Channel> transport_;
    std::shared_ptr<TlsClientContext> context_;
    std::string peer_;
    std::unique_ptr<TlsEngine> engine_;
    std::vector<std::uint8_t> received_;      // one transport read of ciphertext
    std::exception_ptr lost_error_;           // the transport's ConnectionLost, to rethrow
    std::optional<std::uint8_t> first_byte_;  // the server's first byte, once it came

    bool ended_ = false;   // the server ended the session: reads return 0
    bool broken_ = false;  // no close_notify: the session failed
    bool closed_ = false;
};

}  // namespace clipshare::client
