#include "net/tls_engine.hpp"

#include <mbedtls/x509.h>

#include <algorithm>
#include <climits>
#include <cstring>
#include <utility>

#include "net/mbedtls_compat.hpp"
#include "net/tls_credentials.hpp"
#include "net/tls_reasons.hpp"

namespace clipshare {
namespace {

// No verify result to speak of (mbedTLS's "not available" value, or none yet).
constexpr std::uint32_t no_verify_result = 0xFFFFFFFFu;

// What one record may add beyond output_limit: the last record begins below the limit.
constexpr std::size_t record_slack = 16 * 1024 + 256;
// Larger limits (the client's "no limit") grow as needed.
constexpr std::size_t max_reserved_output = 1024 * 1024;

bool wants_io(int rc) {
    return rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE;
}

bool is_end(int rc) {
    return rc == 0 || rc == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY || rc == MBEDTLS_ERR_SSL_CONN_EOF;
}

tls_reasons::ClientView view(const TlsEngine::ClientSide& client) {
    return {client.peer, client.server_name, client.ca, client.presents_certificate,
            client.own_name};
}

}  // namespace

std::unique_ptr<TlsEngine> TlsEngine::create(const mbedtls_ssl_config* config, Side side,
                                             int& error) {
    std::unique_ptr<TlsEngine> engine{new TlsEngine(std::move(side))};
    error = engine->set_up(config);
    if (error != 0) return nullptr;
    return engine;
}

int TlsEngine::set_up(const mbedtls_ssl_config* config) {
    mbedtls_ssl_context* ssl = ssl_.get();
    int error = mbedtls_ssl_setup(ssl, config);
    if (error == 0 && !is_server()) error = mbedtls_compat::skip_host_name(ssl);
    if (error != 0) return error;
    // The callbacks work on the engine's own queues, so mbedTLS never waits on a socket.
    mbedtls_ssl_set_bio(ssl, this, &TlsEngine::send_ciphertext, &TlsEngine::receive_ciphertext,
                        nullptr);
    // Per session rather than per configuration, so the callback knows whose certificate it
    // is looking at.
    mbedtls_ssl_set_verify(ssl, &TlsEngine::verify_certificate, this);
    return 0;
}

TlsEngine::TlsEngine(Side side) : side_(std::move(side)) {}

TlsEngine::~TlsEngine() = default;

// ---- ciphertext ---------------------------------------------------------------------------

void TlsEngine::feed(std::span<const std::uint8_t> ciphertext) {
    keep_lent_rest();  // a loan's bytes come first
    compact_input();
    input_.insert(input_.end(), ciphertext.begin(), ciphertext.end());
}

TlsEngine::LentInput TlsEngine::lend(std::span<const std::uint8_t> ciphertext) {
    keep_lent_rest();
    lent_ = ciphertext;
    return LentInput{*this};
}

void TlsEngine::keep_lent_rest() {
    if (lent_.empty()) return;
    compact_input();
    input_.insert(input_.end(), lent_.begin(), lent_.end());
    lent_ = {};
}

void TlsEngine::drop_loan() noexcept {
    if (lent_.empty()) return;
    lent_ = {};
    failed_ = true;
}

void TlsEngine::compact_input() {
    input_.erase(input_.begin(), input_.begin() + static_cast<std::ptrdiff_t>(input_offset_));
    input_offset_ = 0;
}

void TlsEngine::feed_end() {
    input_ended_ = true;
}

std::vector<std::uint8_t> TlsEngine::take_output() {
    return std::exchange(output_, {});
}

void TlsEngine::release_consumed_input() {
    // An idle session holds no received ciphertext: a transfer's last reads (up to 64 KiB
    // each) are given back once mbedTLS has consumed them.
    if (input_offset_ == input_.size() && input_.capacity() != 0) {
        std::vector<std::uint8_t>{}.swap(input_);
        input_offset_ = 0;
    }
}

int TlsEngine::send_ciphertext(void* context, const unsigned char* data, std::size_t length) {
    // Never refuses: a WANT_WRITE here would leave a half-sent record inside mbedTLS that a
    // later read or close_notify could flush behind the caller's back, after which retrying
    // mbedtls_ssl_write with the same arguments would send the data twice.
    auto* self = static_cast<TlsEngine*>(context);
    length = std::min<std::size_t>(length, INT_MAX);
    self->output_.insert(self->output_.end(), data, data + length);
    return static_cast<int>(length);
}

int TlsEngine::receive_ciphertext(void* context, unsigned char* buffer, std::size_t length) {
    auto* self = static_cast<TlsEngine*>(context);
    length = std::min(length, std::size_t{INT_MAX});
    // Held input first (it came before), then the loan; mbedTLS asks again for the rest of a
    // record that straddles the two.
    if (const std::size_t held = self->input_.size() - self->input_offset_; held != 0) {
        const std::size_t count = std::min(length, held);
        std::memcpy(buffer, self->input_.data() + self->input_offset_, count);
        self->input_offset_ += count;
        return static_cast<int>(count);
    }
    if (!self->lent_.empty()) {
        const std::size_t count = std::min(length, self->lent_.size());
        std::memcpy(buffer, self->lent_.data(), count);
        self->lent_ = self->lent_.subspan(count);
        return static_cast<int>(count);
    }
    return self->input_ended_ ? 0 : MBEDTLS_ERR_SSL_WANT_READ;
}

int TlsEngine::verify_certificate(void* context, mbedtls_x509_crt* certificate, int depth,
                                  std::uint32_t* flags) {
    // Called for each certificate of the chain, the peer's own (depth 0) last.
    if (depth != 0) return 0;
    auto* self = static_cast<TlsEngine*>(context);
    self->certificate_seen_ = true;
    self->peer_name_ = subject_common_name(*certificate);
    if (const auto* server = std::get_if<ServerSide>(&self->side_)) {
        if (*flags != 0) return 0;  // refused already; the failure says why
        if (self->peer_name_ && server->allows(*self->peer_name_)) {
            self->peer_allowed_ = true;
        } else {
            self->peer_refused_ = true;
            *flags |= MBEDTLS_X509_BADCERT_OTHER;  // fails the handshake with an alert
        }
        return 0;
    }
    const std::string& expected = std::get<ClientSide>(self->side_).server_name;
    // Exactly, case and all: a name is an identity here, not a DNS name.
    if (!expected.empty() && self->peer_name_ != expected) {
        *flags |= MBEDTLS_X509_BADCERT_CN_MISMATCH;  // fails the handshake, with an alert
    }
    return 0;
}

// ---- the handshake ------------------------------------------------------------------------

TlsEngine::Progress TlsEngine::handshake() {
    if (failed_) return Progress::failed;
    if (handshake_done_) return Progress::done;
    // The ticket callbacks, which mbedTLS calls with no word of the session, find our
    // ticket_peer_ while this call runs.
    const TicketPeerScope scope{ticket_peer_};
    const auto* server = std::get_if<ServerSide>(&side_);
    const bool may_start_over =
        first_step_ && server != nullptr && server->fallback != nullptr && lent_.empty();
    first_step_ = false;
    // Where the ClientHello begins, in case the step must run again. No copy of it is made:
    // mbedTLS only moves input_offset_ on while it reads, and nothing drops input_ before
    // this call returns (compact_input runs from feed and lend, release_consumed_input after
    // the step), so the bytes are still there to read again. That keeps the start-over within
    // the connection's memory charge (tls_session_memory), which counts no second copy.
    const std::size_t first_offset = input_offset_;
    int rc = mbedtls_ssl_handshake(ssl_.get());
    if (may_start_over && rc != 0 && !wants_io(rc)) rc = start_over(first_offset);
    if (wants_io(rc)) {
        release_consumed_input();
        return Progress::want_more;
    }
    if (rc != 0) return fail_handshake(rc);
    return on_handshake_done();
}

int TlsEngine::start_over(std::size_t first_offset) {
    started_over_ = true;
    mbedtls_ssl_free(ssl_.get());
    mbedtls_ssl_init(ssl_.get());
    if (const int error = set_up(std::get<ServerSide>(side_).fallback); error != 0) return error;
    // The ClientHello again, from its first byte.
    input_offset_ = first_offset;
    output_.clear();  // the alert of the failed step, which the client must not see
    ticket_peer_ = {};
    return mbedtls_ssl_handshake(ssl_.get());
}

bool TlsEngine::resumed_without_ecdhe() const {
    const auto* server = std::get_if<ServerSide>(&side_);
    return server != nullptr && server->fallback != nullptr && !started_over_ && resumed_ &&
           mbedtls_compat::is_tls13(ssl_.get());
}

TlsEngine::Progress TlsEngine::on_handshake_done() {
    const std::uint32_t flags = mbedtls_ssl_get_verify_result(ssl_.get());
    const bool tls13 = mbedtls_compat::is_tls13(ssl_.get());
    // A full TLS 1.2 handshake always shows the verify callback the peer's certificate
    // (VERIFY_REQUIRED: none is a failed handshake); one that did not was a resumption. In
    // TLS 1.3 a full handshake without a certificate is a client that sent none, whose verify
    // result says "missing" (refused below: tls13_verdict_deferred); mbedTLS sets the result
    // to 0 only when a ticket's PSK replaced the certificates.
    resumed_ = !certificate_seen_ && (!tls13 || flags == 0);
    if (resumed_) {
        if (tls13) {
            // Server: the client's name sealed into the ticket. The client knows the server
            // from the connection that got the ticket (it checked the certificate then).
            if (is_server()) peer_name_ = ticket_peer_.resumed_name;
        } else if (const mbedtls_x509_crt* stored = mbedtls_ssl_get_peer_cert(ssl_.get())) {
            peer_name_ = subject_common_name(*stored);
        }
        if (is_server()) {
            if (Progress verdict = judge_resumed_client(); verdict != Progress::done) {
                return verdict;
            }
        }
    }
    if (const auto* server = std::get_if<ServerSide>(&side_)) {
        if (server->tls13_verdict_deferred && tls13 && (flags != 0 || !peer_allowed_)) {
            return refuse_after_handshake(flags);
        }
        if (!peer_allowed_) {
            // Unreachable with MBEDTLS_SSL_VERIFY_REQUIRED and the verify callback; kept so
            // that a configuration mistake can never let an unchecked client in.
            return deny_access("no verified client certificate");
        }
    } else {
        // VERIFY_REQUIRED makes this unreachable; kept so that a configuration mistake can
        // never let an unchecked server through.
        if (flags != 0) return fail_handshake(MBEDTLS_ERR_X509_CERT_VERIFY_FAILED);
        verdict_pending_ = tls13;
    }
    handshake_done_ = true;
    release_consumed_input();
    return Progress::done;
}

TlsEngine::Progress TlsEngine::deny_access(std::string_view why) {
    mbedtls_ssl_send_alert_message(ssl_.get(), MBEDTLS_SSL_ALERT_LEVEL_FATAL,
                                   MBEDTLS_SSL_ALERT_MSG_ACCESS_DENIED);
    const std::string cn = peer_name_.value_or("");
    return fail(TlsFailure::Kind::refused,
                "TLS client refused: CN=" +
                    (cn.empty() ? std::string{"(none)"} : tls_reasons::loggable(cn)) + ": " +
                    std::string{why});
}

TlsEngine::Progress TlsEngine::judge_resumed_client() {
    // TlsResumption let only allowed clients' sessions resume; this check holds even if a
    // session came from elsewhere (a context's engines may be given another allowlist): no
    // client is admitted without its CN checked against the allowlist of this session. TLS
    // 1.2 sessions name it by their certificate, TLS 1.3 ones by the name sealed into their
    // ticket (TlsResumption checked its seal).
    const bool named = mbedtls_compat::is_tls13(ssl_.get())
                           ? ticket_peer_.resumed_name.has_value()
                           : mbedtls_ssl_get_peer_cert(ssl_.get()) != nullptr;
    const auto& server = std::get<ServerSide>(side_);
    if (named && mbedtls_ssl_get_verify_result(ssl_.get()) == 0 && peer_name_ &&
        server.allows(*peer_name_)) {
        peer_allowed_ = true;
        return Progress::done;
    }
    return deny_access(!named ? "a resumed session without a client certificate"
                              : "a resumed session of a client not allowed");
}

TlsEngine::Progress TlsEngine::refuse_after_handshake(std::uint32_t verify_flags) {
    auto refusal = tls_reasons::server_refusal(peer_refused_, certificate_seen_,
                                               peer_name_.value_or(""), verify_flags);
    // The handshake is complete, so this alert goes out under the session's traffic keys and
    // the client can read it, unlike the one mbedTLS 3.6 sends inside a TLS 1.3 handshake.
    mbedtls_ssl_send_alert_message(ssl_.get(), MBEDTLS_SSL_ALERT_LEVEL_FATAL, refusal.alert);
    return fail(TlsFailure::Kind::refused, std::move(refusal.reason));
}

TlsEngine::Progress TlsEngine::fail_handshake(int code) {
    const std::uint32_t flags = mbedtls_ssl_get_verify_result(ssl_.get());
    const bool judged = flags != 0 && flags != no_verify_result;
    if (is_server()) {
        // Not allowed, not trusted, or (MBEDTLS_ERR_SSL_BAD_CERTIFICATE) a certificate whose
        // key usage or extended key usage is not for a client; or no certificate at all.
        if (peer_refused_ || code == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED ||
            (certificate_seen_ && judged) ||
            (!certificate_seen_ && judged && (flags & MBEDTLS_X509_BADCERT_MISSING))) {
            return fail(TlsFailure::Kind::refused,
                        tls_reasons::server_refusal(peer_refused_, certificate_seen_,
                                                    peer_name_.value_or(""), flags)
                            .reason);
        }
        if (code == MBEDTLS_ERR_SSL_CONN_EOF || input_ended_) {
            return fail(TlsFailure::Kind::peer_closed, tls_reasons::client_closed_handshake);
        }
        return fail(TlsFailure::Kind::error, "TLS handshake failed: " + mbedtls_error_text(code));
    }
    const auto client = view(std::get<ClientSide>(side_));
    if (code == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED || judged) {
        return fail(TlsFailure::Kind::refused,
                    tls_reasons::untrusted_server(client, peer_name_, flags));
    }
    if (code == MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE) {
        return fail(TlsFailure::Kind::refused,
                    tls_reasons::refusal(client, mbedtls_compat::received_alert(ssl_.get())));
    }
    if (code == MBEDTLS_ERR_SSL_CONN_EOF) {
        return fail(TlsFailure::Kind::peer_closed,
                    tls_reasons::closed_during_handshake(client, certificate_seen_));
    }
    return fail(TlsFailure::Kind::error, "TLS handshake with " + std::string{client.peer} +
                                             " failed: " + mbedtls_error_text(code) +
                                             " (does the server speak TLS on this port?)");
}

TlsEngine::Progress TlsEngine::fail(TlsFailure::Kind kind, std::string reason) {
    failed_ = true;
    failure_ = {kind, std::move(reason)};
    return Progress::failed;
}

// ---- application data ---------------------------------------------------------------------

TlsEngine::ReadResult TlsEngine::read(std::span<std::uint8_t> out) {
    using Kind = ReadResult::Kind;
    if (failed_) return {Kind::failed};
    if (end_reported_) return {Kind::ended};
    const std::size_t wanted = std::min<std::size_t>(out.size(), INT_MAX);
    bool stepped = false;
    for (;;) {
        const int rc = mbedtls_ssl_read(ssl_.get(), out.data(), wanted);
        if (rc > 0) {
            verdict_pending_ = false;
            return {Kind::data, static_cast<std::size_t>(rc)};
        }
        if (wants_io(rc)) {
            // mbedTLS 3.6 answers a TLS 1.3 ticket it has read but not yet processed with
            // WANT_READ; the next call processes it without new input. Without that call no
            // socket event would ever come for what follows the ticket.
            if (!stepped && mbedtls_compat::post_handshake_message_waiting(ssl_.get())) {
                stepped = true;
                continue;
            }
            release_consumed_input();
            return {Kind::want_more};
        }
        if (mbedtls_compat::is_new_ticket(rc)) {
            ticket_arrived_ = true;  // for save_session; mbedTLS keeps the latest one
            stepped = false;
            continue;
        }
        if (mbedtls_compat::read_again(rc)) continue;
        if (is_end(rc) && !verdict_pending_) {
            // close_notify, or a TCP end without one (peers often just close): nothing more
            // will come either way, and the protocol's own lengths reveal a message cut short.
            end_reported_ = true;
            return {Kind::ended};
        }
        fail_session(rc, false);
        return {Kind::failed};
    }
}

std::optional<std::size_t> TlsEngine::write(std::span<const std::uint8_t> plaintext,
                                            std::size_t output_limit) {
    if (failed_) return std::nullopt;
    // Room for the whole batch up front: growing by doubling copies the ciphertext again on
    // every step, and with small records (4 KiB with the 3.6 subproject) that dominated.
    // No more than this call can produce, so a short reply stays a short buffer: headers and
    // tags add under 1/64 to records of 1 KiB or more.
    if (output_limit <= max_reserved_output) {
        const std::size_t wanted =
            std::min(output_limit + record_slack,
                     output_.size() + plaintext.size() + plaintext.size() / 64 + 512);
        if (output_.capacity() < wanted) output_.reserve(wanted);
    }
    std::size_t taken = 0;
    while (taken < plaintext.size() && output_.size() < output_limit) {
        // One record per call at most, so it often takes less than offered. After WANT_*
        // the caller's next call starts at the same byte with the same length, as mbedTLS
        // requires.
        const std::size_t chunk = std::min<std::size_t>(plaintext.size() - taken, INT_MAX);
        const int rc = mbedtls_ssl_write(ssl_.get(), plaintext.data() + taken, chunk);
        if (rc > 0) {
            taken += static_cast<std::size_t>(rc);
            continue;
        }
        if (rc == 0 || wants_io(rc)) break;
        fail_session(rc, true);
        return std::nullopt;
    }
    return taken;
}

void TlsEngine::close_notify() {
    if (close_notify_sent_ || failed_) return;
    close_notify_sent_ = true;
    // Cannot return WANT_WRITE (the send callback takes everything); any other error means
    // the session is broken, and the end of the connection is all that is left to say.
    mbedtls_ssl_close_notify(ssl_.get());
}

bool TlsEngine::input_pending() {
    if (failed_) return false;
    return input_offset_ < input_.size() || !lent_.empty() ||
           mbedtls_ssl_get_bytes_avail(ssl_.get()) > 0 ||
           mbedtls_ssl_check_pending(ssl_.get()) != 0 || (input_ended_ && !end_reported_);
}

void TlsEngine::fail_session(int code, bool writing) {
    if (is_server()) {
        fail(TlsFailure::Kind::error,
             (writing ? "TLS write failed: " : "TLS error: ") + mbedtls_error_text(code));
        return;
    }
    const auto client = view(std::get<ClientSide>(side_));
    if (verdict_pending_ && is_end(code)) {
        fail(TlsFailure::Kind::refused, tls_reasons::closed_during_handshake(client, true));
        return;
    }
    if (code == MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE) {
        const int alert = mbedtls_compat::received_alert(ssl_.get());
        if (verdict_pending_) {
            fail(TlsFailure::Kind::refused, tls_reasons::refusal(client, alert));
        } else {
            fail(TlsFailure::Kind::error, "the server " + std::string{client.peer} +
                                              " ended the TLS session with " +
                                              tls_reasons::describe_alert(alert));
        }
        return;
    }
    if (verdict_pending_ && code == MBEDTLS_ERR_SSL_INVALID_MAC) {
        // The first record after a TLS 1.3 handshake does not decrypt: an mbedTLS 3.6 server
        // (Mbed-TLS/mbedtls#10877) that refused our certificate sends its alert under the
        // wrong keys. No reason can be read, but a refusal is by far the likeliest story.
        fail(TlsFailure::Kind::refused, tls_reasons::unreadable_refusal(client));
        return;
    }
    fail(TlsFailure::Kind::error, "TLS error in the session with " + std::string{client.peer} +
                                      ": " + mbedtls_error_text(code));
}

bool TlsEngine::offer_session(const mbedtls_ssl_session* session) {
    return mbedtls_ssl_set_session(ssl_.get(), session) == 0;
}

bool TlsEngine::save_session(mbedtls_ssl_session* out) {
    if (!handshake_done_ || failed_) return false;
    if (mbedtls_compat::is_tls13(ssl_.get())) {
        // Right after the handshake a TLS 1.3 session has no ticket yet: saving it would
        // replace a resumable session with one that is not.
        if (!ticket_arrived_) return false;
        ticket_arrived_ = false;
    }
    return mbedtls_ssl_get_session(ssl_.get(), out) == 0;
}

std::string TlsEngine::version() const {
    return mbedtls_ssl_get_version(ssl_.get());
}

std::string TlsEngine::ciphersuite() const {
    return mbedtls_ssl_get_ciphersuite(ssl_.get());
}

}  // namespace clipshare
