#include "client/tls_channel.hpp"

#include <mbedtls/net_sockets.h>  // MBEDTLS_ERR_NET_*: what our callbacks return on failure
#include <mbedtls/x509.h>

#include <algorithm>
#include <array>
#include <climits>
#include <utility>

#include "client/errors.hpp"
#include "client/printable.hpp"
#include "net/mbedtls_compat.hpp"
#include "net/tls_credentials.hpp"

namespace clipshare::client {
namespace {

// TLS alert descriptions (RFC 8446 section 6 and RFC 5246), by their names in the RFCs.
struct AlertName {
    int alert;
    const char* name;
};
constexpr AlertName alert_names[] = {
    {10, "unexpected_message"},      {20, "bad_record_mac"},        {22, "record_overflow"},
    {40, "handshake_failure"},       {41, "no_certificate"},        {42, "bad_certificate"},
    {43, "unsupported_certificate"}, {44, "certificate_revoked"},   {45, "certificate_expired"},
    {46, "certificate_unknown"},     {47, "illegal_parameter"},     {48, "unknown_ca"},
    {49, "access_denied"},           {50, "decode_error"},          {51, "decrypt_error"},
    {70, "protocol_version"},        {71, "insufficient_security"}, {80, "internal_error"},
    {90, "user_canceled"},           {109, "missing_extension"},    {110, "unsupported_extension"},
    {112, "unrecognized_name"},      {116, "certificate_required"},
};

std::string describe_alert(int alert) {
    if (alert < 0) return "a TLS alert";
    for (const auto& known : alert_names) {
        if (known.alert == alert) return std::string{"TLS alert "} + known.name;
    }
    return "TLS alert " + std::to_string(alert);
}

}  // namespace

// ---- loading ------------------------------------------------------------------------------

std::shared_ptr<TlsClientContext> load_tls(const TlsSettings& settings) {
    return TlsClientContext::load(settings);
}

std::shared_ptr<TlsClientContext> TlsClientContext::load(const TlsSettings& settings) {
    std::shared_ptr<TlsClientContext> context{new TlsClientContext(settings)};
    context->load_files();
    return context;
}

void TlsClientContext::load_files() {
    if (int rc = mbedtls_compat::init_crypto(); rc != 0) {
        fail(Exit::tls, "cannot initialise the crypto library: " + mbedtls_error_text(rc));
    }
    static const char personalization[] = "clipshare";
    if (int rc = mbedtls_ctr_drbg_seed(rng_.get(), mbedtls_entropy_func, entropy_.get(),
                                       reinterpret_cast<const unsigned char*>(personalization),
                                       sizeof personalization - 1);
        rc != 0) {
        fail(Exit::tls, "cannot seed the random generator: " + mbedtls_error_text(rc));
    }

    if (auto error = load_certificates(settings_.ca, ca_.get()); !error.empty()) {
        fail(Exit::tls, "--ca " + settings_.ca + ": " + error);
    }
    if (presents_certificate()) {
        if (auto error = load_certificates(settings_.certificate, own_chain_.get());
            !error.empty()) {
            fail(Exit::tls, "--cert " + settings_.certificate + ": " + error);
        }
        if (auto error = load_private_key(settings_.key, own_key_.get(), rng_.get());
            !error.empty()) {
            fail(Exit::tls, "--key " + settings_.key + ": " + error);
        }
        if (mbedtls_compat::check_key_pair(&own_chain_.get()->pk, own_key_.get(), rng_.get()) !=
            0) {
            fail(Exit::tls, "--key " + settings_.key + ": does not belong to the certificate in " +
                                settings_.certificate);
        }
        own_name_ = subject_common_name(*own_chain_.get()).value_or("");
    }

    mbedtls_ssl_config* config = config_.get();
    int rc = mbedtls_ssl_config_defaults(config, MBEDTLS_SSL_IS_CLIENT,
                                         MBEDTLS_SSL_TRANSPORT_STREAM, MBEDTLS_SSL_PRESET_DEFAULT);
    if (rc != 0) fail(Exit::tls, "cannot set up TLS: " + mbedtls_error_text(rc));
    mbedtls_ssl_conf_rng(config, mbedtls_ctr_drbg_random, rng_.get());
    mbedtls_compat::set_protocol_versions(config);
    mbedtls_compat::refuse_resumption(config, false);  // one session per run: nothing to resume
    // In TLS 1.2 the server takes the first group of our list that it has: cheap ones first.
    mbedtls_compat::set_key_exchange_groups(config);
    mbedtls_ssl_conf_authmode(config, MBEDTLS_SSL_VERIFY_REQUIRED);
    mbedtls_ssl_conf_ca_chain(config, ca_.get(), nullptr);
    if (presents_certificate()) {
        rc = mbedtls_ssl_conf_own_cert(config, own_chain_.get(), own_key_.get());
        if (rc != 0) {
            fail(Exit::tls,
                 "--cert " + settings_.certificate + ": cannot be used: " + mbedtls_error_text(rc));
        }
    }
}

// ---- the session --------------------------------------------------------------------------

std::unique_ptr<Channel> start_tls(std::unique_ptr<Channel> transport,
                                   std::shared_ptr<TlsClientContext> context,
                                   const std::string& peer) {
    return std::make_unique<TlsChannel>(std::move(transport), std::move(context), peer);
}

TlsChannel::TlsChannel(std::unique_ptr<Channel> transport,
                       std::shared_ptr<TlsClientContext> context, std::string peer)
    : transport_(std::move(transport)), context_(std::move(context)), peer_(std::move(peer)) {
    if (int rc = mbedtls_ssl_setup(ssl_.get(), context_->ssl_config()); rc != 0) {
        fail(Exit::tls, "cannot set up a TLS session: " + mbedtls_error_text(rc));
    }
    if (int rc = mbedtls_compat::skip_host_name(ssl_.get()); rc != 0) {
        fail(Exit::tls, "cannot set up a TLS session: " + mbedtls_error_text(rc));
    }
    mbedtls_ssl_set_bio(ssl_.get(), this, &TlsChannel::send_ciphertext,
                        &TlsChannel::receive_ciphertext, nullptr);
    mbedtls_ssl_set_verify(ssl_.get(), &TlsChannel::check_server_certificate, this);
    handshake();
}

TlsChannel::~TlsChannel() {
    close();
}

int TlsChannel::send_ciphertext(void* context, const unsigned char* data, std::size_t length) {
    auto* self = static_cast<TlsChannel*>(context);
    if (self->transport_error_) return MBEDTLS_ERR_NET_SEND_FAILED;
    try {
        length = std::min<std::size_t>(length, INT_MAX);
        self->transport_->write_all({data, length});
        return static_cast<int>(length);
    } catch (...) {
        self->transport_error_ = std::current_exception();
        return MBEDTLS_ERR_NET_SEND_FAILED;
    }
}

int TlsChannel::receive_ciphertext(void* context, unsigned char* buffer, std::size_t length) {
    auto* self = static_cast<TlsChannel*>(context);
    if (self->transport_error_) return MBEDTLS_ERR_NET_RECV_FAILED;
    try {
        length = std::min<std::size_t>(length, INT_MAX);
        return static_cast<int>(self->transport_->read_some({buffer, length}));  // 0: EOF
    } catch (...) {
        self->transport_error_ = std::current_exception();
        return MBEDTLS_ERR_NET_RECV_FAILED;
    }
}

int TlsChannel::check_server_certificate(void* context, mbedtls_x509_crt* certificate, int depth,
                                         std::uint32_t* flags) {
    // Called for each certificate of the chain, the server's own (depth 0) last.
    if (depth != 0) return 0;
    auto* self = static_cast<TlsChannel*>(context);
    self->server_certificate_seen_ = true;
    self->server_name_ = subject_common_name(*certificate);
    const std::string& expected = self->context_->settings().server_name;
    // Exactly, case and all: a name is an identity here, not a DNS name.
    if (!expected.empty() && self->server_name_ != expected) {
        *flags |= MBEDTLS_X509_BADCERT_CN_MISMATCH;  // fails the handshake, with an alert
    }
    return 0;
}

void TlsChannel::handshake() {
    int rc;
    do {
        rc = mbedtls_ssl_handshake(ssl_.get());
    } while ((rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE) &&
             !transport_error_);
    if (rc != 0) fail_handshake(rc);
    // VERIFY_REQUIRED makes this unreachable; kept so that a configuration mistake can never
    // let an unchecked server through.
    if (mbedtls_ssl_get_verify_result(ssl_.get()) != 0) {
        fail_handshake(MBEDTLS_ERR_X509_CERT_VERIFY_FAILED);
    }
    verdict_pending_ = mbedtls_compat::is_tls13(ssl_.get());
}

std::size_t TlsChannel::read_some(std::span<std::uint8_t> out) {
    if (ended_ || out.empty()) return 0;
    const std::size_t wanted = std::min<std::size_t>(out.size(), INT_MAX);
    for (;;) {
        int rc = mbedtls_ssl_read(ssl_.get(), out.data(), wanted);
        if (rc > 0) {
            verdict_pending_ = false;
            return static_cast<std::size_t>(rc);
        }
        if (transport_error_) fail_transport();
        if (rc == 0 || rc == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY || rc == MBEDTLS_ERR_SSL_CONN_EOF) {
            if (verdict_pending_) {
                broken_ = true;
                fail(Exit::tls, closed_during_handshake());
            }
            // A plain end of the TCP stream counts as the end too, as it does without TLS:
            // the protocol's own lengths and acknowledgements tell a cut transfer.
            ended_ = true;
            return 0;
        }
        if (!mbedtls_compat::read_again(rc)) fail_session(rc);
    }
}

void TlsChannel::write_all(std::span<const std::uint8_t> data) {
    while (!data.empty()) {
        const std::size_t chunk = std::min<std::size_t>(data.size(), INT_MAX);
        int rc = mbedtls_ssl_write(ssl_.get(), data.data(), chunk);
        if (rc > 0) {
            // mbedTLS takes at most one record's worth; the rest goes in the next round.
            data = data.subspan(static_cast<std::size_t>(rc));
            continue;
        }
        if (transport_error_) fail_transport();
        if (rc != MBEDTLS_ERR_SSL_WANT_READ && rc != MBEDTLS_ERR_SSL_WANT_WRITE) fail_session(rc);
    }
}

void TlsChannel::close() noexcept {
    if (closed_ || broken_) return;
    closed_ = true;
    int rc;
    do {
        rc = mbedtls_ssl_close_notify(ssl_.get());
    } while ((rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE) &&
             !transport_error_);
    transport_error_ = nullptr;
}

// ---- failures -----------------------------------------------------------------------------

void TlsChannel::fail_handshake(int code) {
    broken_ = true;
    if (transport_error_) {
        auto error = std::exchange(transport_error_, nullptr);
        try {
            std::rethrow_exception(error);
        } catch (const ConnectionLost&) {
            // A server that refuses our certificate sends its alert and closes at once, so
            // the rest of our flight can fail before mbedTLS gets to read that alert.
            int alert = unread_plaintext_alert();
            fail(Exit::tls, alert >= 0 ? refusal(alert) : closed_during_handshake());
        }
        // Anything else (a timeout, Ctrl-C) propagates as it is.
    }
    const std::uint32_t flags = mbedtls_ssl_get_verify_result(ssl_.get());
    if (code == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED ||
        (flags != 0 && flags != static_cast<std::uint32_t>(-1))) {
        fail(Exit::tls, untrusted_server(flags));
    }
    if (code == MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE) {
        fail(Exit::tls, refusal(mbedtls_compat::received_alert(ssl_.get())));
    }
    if (code == MBEDTLS_ERR_SSL_CONN_EOF) fail(Exit::tls, closed_during_handshake());
    fail(Exit::tls, "TLS handshake with " + peer_ + " failed: " + mbedtls_error_text(code) +
                        " (does the server speak TLS on this port?)");
}

void TlsChannel::fail_transport() {
    broken_ = true;
    auto error = std::exchange(transport_error_, nullptr);
    if (verdict_pending_) {
        try {
            std::rethrow_exception(error);
        } catch (const ConnectionLost&) {
            fail(Exit::tls, closed_during_handshake());
        } catch (...) {
        }
    }
    std::rethrow_exception(error);
}

void TlsChannel::fail_session(int code) {
    broken_ = true;
    if (code == MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE) {
        int alert = mbedtls_compat::received_alert(ssl_.get());
        if (verdict_pending_) fail(Exit::tls, refusal(alert));
        fail(Exit::tls,
             "the server " + peer_ + " ended the TLS session with " + describe_alert(alert));
    }
    if (verdict_pending_ && code == MBEDTLS_ERR_SSL_INVALID_MAC) {
        // The first record after a TLS 1.3 handshake does not decrypt: an mbedTLS 3.6 server
        // (Mbed-TLS/mbedtls#10877) that refused our certificate sends its alert under the
        // wrong keys. No reason can be read, but a refusal is by far the likeliest story.
        fail(Exit::tls, unreadable_refusal());
    }
    fail(Exit::tls, "TLS error in the session with " + peer_ + ": " + mbedtls_error_text(code));
}

int TlsChannel::unread_plaintext_alert() {
    // One TLS 1.2 record: type 21 (alert), version 3.x, length 2, then level and description.
    // Before the server's Finished it is not encrypted. The connection is already broken, so
    // these reads find what the kernel holds, or the end, at once.
    std::array<std::uint8_t, 7> record{};
    std::size_t got = 0;
    try {
        while (got < record.size()) {
            std::size_t n = transport_->read_some(std::span{record}.subspan(got));
            if (n == 0) break;
            got += n;
        }
    } catch (const ClientError& error) {
        if (error.code() == Exit::interrupted) throw;
    }
    const bool alert = got == record.size() && record[0] == MBEDTLS_SSL_MSG_ALERT &&
                       record[1] == 3 && record[3] == 0 && record[4] == 2;
    return alert ? record[6] : -1;
}

std::string TlsChannel::our_certificate() const {
    const std::string& name = context_->own_name();
    return "our certificate (" +
           (name.empty() ? std::string{"without a CN"} : "CN=" + printable(name)) + ")";
}

std::string TlsChannel::refusal(int alert) const {
    constexpr int certificate_required = 116;  // TLS 1.3; 2.28 has no name for it
    const std::string server = "the server " + peer_;
    const std::string why = " (" + describe_alert(alert) + ")";
    if (!context_->presents_certificate() &&
        (alert < 0 || alert == MBEDTLS_SSL_ALERT_MSG_HANDSHAKE_FAILURE ||
         alert == MBEDTLS_SSL_ALERT_MSG_NO_CERT || alert == MBEDTLS_SSL_ALERT_MSG_BAD_CERT ||
         alert == certificate_required)) {
        return server + " requires a client certificate: give clipshare one with --cert and " +
               "--key" + why;
    }
    switch (alert) {
        case MBEDTLS_SSL_ALERT_MSG_ACCESS_DENIED:  // clipshared: the CN is not allowed
            return server + " refused " + our_certificate() +
                   ": that name is not one of its allowed clients" + why;
        case MBEDTLS_SSL_ALERT_MSG_UNKNOWN_CA:
            return server + " does not trust " + our_certificate() +
                   ": it is not signed by the CA the server accepts clients from" + why;
        case MBEDTLS_SSL_ALERT_MSG_CERT_EXPIRED:
            return server + " refused " + our_certificate() + ": it has expired" + why;
        case MBEDTLS_SSL_ALERT_MSG_CERT_REVOKED:
            return server + " refused " + our_certificate() + ": it is revoked" + why;
        case MBEDTLS_SSL_ALERT_MSG_BAD_CERT:
        case MBEDTLS_SSL_ALERT_MSG_UNSUPPORTED_CERT:
        case MBEDTLS_SSL_ALERT_MSG_CERT_UNKNOWN:
        case certificate_required:
            return server + " refused " + our_certificate() + why;
        case MBEDTLS_SSL_ALERT_MSG_PROTOCOL_VERSION:
            return server + " has no TLS version in common with clipshare" + why;
        case MBEDTLS_SSL_ALERT_MSG_HANDSHAKE_FAILURE:
        case MBEDTLS_SSL_ALERT_MSG_INSUFFICIENT_SECURITY:
            return server + " refused the TLS handshake: no TLS version or cipher suite in " +
                   "common, or it refused " + our_certificate() + why;
        default:
            return server + " ended the TLS handshake with " + describe_alert(alert);
    }
}

std::string TlsChannel::unreadable_refusal() const {
    const std::string server = "the server " + peer_;
    const std::string why =
        " (its TLS 1.3 alert could not be decrypted, as with mbedTLS 3.6 servers: "
        "Mbed-TLS/mbedtls#10877)";
    if (!context_->presents_certificate()) {
        return server + " requires a client certificate: give clipshare one with --cert and " +
               "--key" + why;
    }
    return server + " refused " + our_certificate() +
           ": it is not signed by a CA the server accepts, or its name is not one of the " +
           "server's allowed clients" + why;
}

std::string TlsChannel::closed_during_handshake() const {
    const std::string server = "the server " + peer_;
    if (!server_certificate_seen_) {
        // A plain ClipShare server, for one, answers a ClientHello with a version refusal.
        return server + " closed the connection without answering the TLS handshake: it " +
               "does not speak TLS on this port";
    }
    if (!context_->presents_certificate()) {
        return server + " closed the connection during the TLS handshake: it requires a " +
               "client certificate (give clipshare one with --cert and --key)";
    }
    return server + " closed the connection during the TLS handshake: it refused " +
           our_certificate();
}

std::string TlsChannel::untrusted_server(std::uint32_t flags) const {
    const std::string server = "the server " + peer_;
    const std::string certificate = server_name_
                                        ? "its certificate (CN=" + printable(*server_name_) + ")"
                                        : std::string{"its certificate"};
    const std::string& ca = context_->settings().ca;
    if (flags & MBEDTLS_X509_BADCERT_MISSING) return server + " sent no certificate";
    if (flags & MBEDTLS_X509_BADCERT_NOT_TRUSTED) {
        return server + " is not trusted: " + certificate + " is not signed by the CA in " + ca +
               " (--ca)";
    }
    if (flags & MBEDTLS_X509_BADCERT_EXPIRED) {
        return server + " is not trusted: " + certificate + " has expired";
    }
    if (flags & MBEDTLS_X509_BADCERT_FUTURE) {
        return server + " is not trusted: " + certificate + " is not valid yet";
    }
    if (flags & MBEDTLS_X509_BADCERT_REVOKED) {
        return server + " is not trusted: " + certificate + " is revoked";
    }
    if (flags & (MBEDTLS_X509_BADCERT_KEY_USAGE | MBEDTLS_X509_BADCERT_EXT_KEY_USAGE |
                 MBEDTLS_X509_BADCERT_NS_CERT_TYPE)) {
        return server + " is not trusted: " + certificate + " is not meant for a TLS server";
    }
    if (flags & (MBEDTLS_X509_BADCERT_BAD_MD | MBEDTLS_X509_BADCERT_BAD_PK |
                 MBEDTLS_X509_BADCERT_BAD_KEY)) {
        return server + " is not trusted: " + certificate + " uses a hash or key that is too weak";
    }
    if (flags & MBEDTLS_X509_BADCERT_CN_MISMATCH) {
        const std::string& expected = context_->settings().server_name;
        return server + " is not '" + printable(expected) + "' (--server-name): " +
               (server_name_ ? "its certificate is for CN=" + printable(*server_name_)
                             : std::string{"its certificate has no single CN"});
    }
    return server + " is not trusted: " + certificate +
           " failed verification: " + mbedtls_compat::verify_flags_text(flags);
}

}  // namespace clipshare::client
