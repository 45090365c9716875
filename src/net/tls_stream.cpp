#include "net/tls_stream.hpp"

#include <mbedtls/x509.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstring>
#include <string_view>

#include "net/mbedtls_compat.hpp"
#include "net/tls.hpp"
#include "net/tls_client_hello.hpp"
#include "net/tls_context.hpp"
#include "net/tls_credentials.hpp"
#include "util/log.hpp"

namespace clipshare {
namespace {

// No new record is sealed while this much ciphertext waits for the socket. The send callback
// itself never refuses bytes: a WANT_WRITE from it would leave a half-sent record inside
// mbedTLS that the next mbedtls_ssl_read or close_notify could flush behind our back, after
// which "retry mbedtls_ssl_write with the same arguments" would send the data twice.
constexpr std::size_t ciphertext_high_water = 256 * 1024;

// One plaintext buffer for every session, as TcpStream shares its read buffer: the user
// consumes or copies delivered bytes before returning, and delivery never nests (it runs only
// from libuv callbacks, never from a call the user makes).
std::array<unsigned char, 16 * 1024> plaintext_buffer;

// A certificate field is attacker-chosen bytes: keep log lines printable and short.
std::string printable(std::string_view text) {
    constexpr std::size_t longest = 128;
    std::string out;
    for (unsigned char ch : text.substr(0, longest)) {
        if (ch >= 0x20 && ch < 0x7f && ch != '\\') {
            out += static_cast<char>(ch);
        } else {
            char escaped[5];
            std::snprintf(escaped, sizeof escaped, "\\x%02x", ch);
            out += escaped;
        }
    }
    if (text.size() > longest) out += "...";
    return out;
}

const char* describe_verify_failure(std::uint32_t flags) {
    if (flags & MBEDTLS_X509_BADCERT_MISSING) return "is missing";
    if (flags & MBEDTLS_X509_BADCERT_NOT_TRUSTED) return "is not signed by the configured CA";
    if (flags & MBEDTLS_X509_BADCERT_EXPIRED) return "has expired";
    if (flags & MBEDTLS_X509_BADCERT_FUTURE) return "is not valid yet";
    if (flags & MBEDTLS_X509_BADCERT_REVOKED) return "is revoked";
    if (flags & (MBEDTLS_X509_BADCERT_KEY_USAGE | MBEDTLS_X509_BADCERT_EXT_KEY_USAGE |
                 MBEDTLS_X509_BADCERT_NS_CERT_TYPE)) {
        return "is not meant for client authentication";
    }
    if (flags & (MBEDTLS_X509_BADCERT_BAD_MD | MBEDTLS_X509_BADCERT_BAD_PK |
                 MBEDTLS_X509_BADCERT_BAD_KEY)) {
        return "uses a hash or key that is too weak";
    }
    return "failed verification";
}

// The alert that tells a client why its certificate was refused (RFC 8446 6.2).
unsigned char alert_for(std::uint32_t flags) {
    if (flags & MBEDTLS_X509_BADCERT_NOT_TRUSTED) return MBEDTLS_SSL_ALERT_MSG_UNKNOWN_CA;
    if (flags & MBEDTLS_X509_BADCERT_EXPIRED) return MBEDTLS_SSL_ALERT_MSG_CERT_EXPIRED;
    if (flags & MBEDTLS_X509_BADCERT_REVOKED) return MBEDTLS_SSL_ALERT_MSG_CERT_REVOKED;
    if (flags & (MBEDTLS_X509_BADCERT_KEY_USAGE | MBEDTLS_X509_BADCERT_EXT_KEY_USAGE |
                 MBEDTLS_X509_BADCERT_NS_CERT_TYPE)) {
        return MBEDTLS_SSL_ALERT_MSG_UNSUPPORTED_CERT;
    }
    return MBEDTLS_SSL_ALERT_MSG_BAD_CERT;
}

// TLS 1.3's "you sent no certificate" (RFC 8446 6.2); 2.28 has no name for it.
constexpr unsigned char alert_certificate_required = 116;

// No verify result to speak of (mbedTLS's "not available" value, or none yet).
constexpr std::uint32_t no_verify_result = 0xFFFFFFFFu;

}  // namespace

std::unique_ptr<Stream> wrap_in_tls(std::unique_ptr<Stream> inner,
                                    std::shared_ptr<const TlsContext> context, uv_loop_t* loop) {
    return TlsStream::create(std::move(inner), std::move(context), loop);
}

std::unique_ptr<TlsStream> TlsStream::create(std::unique_ptr<Stream> inner,
                                             std::shared_ptr<const TlsContext> context,
                                             uv_loop_t* loop) {
    std::unique_ptr<TlsStream> stream{new TlsStream(std::move(inner), std::move(context))};
    if (!stream->init(loop)) return nullptr;
    return stream;
}

TlsStream::TlsStream(std::unique_ptr<Stream> inner, std::shared_ptr<const TlsContext> context)
    : inner_(std::move(inner)), context_(std::move(context)), peer_(inner_->peer()) {
    inner_->set_handler(this);
}

TlsStream::~TlsStream() = default;

bool TlsStream::set_up_session() {
    const auto offer = read_client_hello_offer(
        std::span{incoming_}.subspan(incoming_offset_));
    if (mbedtls_ssl_setup(ssl_.get(), context_->ssl_config(offer.suites)) != 0) return false;
    session_set_up_ = true;
    mbedtls_ssl_set_bio(ssl_.get(), this, &TlsStream::send_ciphertext,
                        &TlsStream::receive_ciphertext, nullptr);
    // Per session rather than per configuration, so the callback knows whose certificate it
    // is looking at.
    mbedtls_ssl_set_verify(ssl_.get(), &TlsStream::verify_certificate, this);
    return true;
}

bool TlsStream::init(uv_loop_t* loop) {
    if (uv_timer_init(loop, handshake_timer_.get()) != 0) return false;
    handshake_timer_.mark_initialized();
    handshake_timer_.get()->data = this;
    uv_timer_start(
        handshake_timer_.get(),
        [](uv_timer_t* timer) {
            auto* self = static_cast<TlsStream*>(timer->data);
            if (self == nullptr || self->closing_) return;
            if (self->phase_ == Phase::handshake) {
                LOG_INFO(
                    "%s: TLS handshake not finished after %llu s, closing", self->peer_.c_str(),
                    static_cast<unsigned long long>(self->context_->handshake_timeout_ms() / 1000));
                self->phase_ = Phase::failed;
                self->end(UV_ETIMEDOUT);
            } else if (self->phase_ == Phase::failed) {
                self->end(self->failure_status_);  // its alert never drained: stop waiting
            }
        },
        context_->handshake_timeout_ms(), 0);

    // The client's handshake flight often comes one message per write; see set_quick_ack.
    inner_->set_quick_ack(true);

    if (uv_idle_init(loop, resume_.get()) != 0) return false;
    resume_.mark_initialized();
    resume_.get()->data = this;
    return true;
}

// ---- the user's side ----------------------------------------------------------------------

void TlsStream::read_start() {
    if (closing_ || reading_) return;
    reading_ = true;
    started_ = true;
    if (phase_ == Phase::established && resume_.open()) {
        uv_idle_start(resume_.get(), [](uv_idle_t* idle) {
            uv_idle_stop(idle);
            auto* self = static_cast<TlsStream*>(idle->data);
            if (self != nullptr) self->advance();
        });
    }
    update_inner_reading();
}

void TlsStream::read_stop() {
    if (!reading_) return;
    reading_ = false;
    update_inner_reading();
}

void TlsStream::write(std::vector<std::uint8_t> bytes) {
    if (closing_ || bytes.empty() || phase_ == Phase::failed || close_notify_sent_) return;
    plaintext_bytes_ += bytes.size();
    plaintext_.push_back(std::move(bytes));
    user_wrote_ = true;
    if (phase_ != Phase::established) return;  // sealed once the handshake is done
    seal_plaintext();
    flush_ciphertext();
}

std::size_t TlsStream::pending_write_bytes() const {
    return plaintext_bytes_ + outgoing_.size() + inner_->pending_write_bytes();
}

void TlsStream::shutdown_write() {
    if (closing_ || shutdown_requested_) return;
    shutdown_requested_ = true;
    send_close_notify_if_due();
}

void TlsStream::close() {
    if (closing_) return;
    closing_ = true;
    reading_ = false;
    handshake_timer_.close();
    resume_.close();
    inner_->close();  // its on_stream_closed is ours to pass on
}

// ---- the inner stream's side --------------------------------------------------------------

void TlsStream::on_stream_data(std::span<const std::uint8_t> data) {
    if (closing_ || phase_ == Phase::failed) return;
    if (!received_any_ && !data.empty()) {
        received_any_ = true;
        // Every TLS session starts with a handshake record (type 22). A plain ClipShare
        // client starts with its version byte and would otherwise wait out the handshake
        // timeout for bytes that never come: tell it at once.
        constexpr std::uint8_t handshake_record = 22;
        if (data.front() != handshake_record) {
            LOG_INFO("%s: not TLS (first byte %u): a plain ClipShare client on the TLS port?",
                     peer_.c_str(), static_cast<unsigned>(data.front()));
            fail(UV_EPROTO);
            return;
        }
    }
    // Drop what mbedTLS consumed. What is left is a partial record, or what came while the
    // user paused (one inner read at most: the inner stream stops reading then), so this
    // stays small however long the stream runs.
    incoming_.erase(incoming_.begin(),
                    incoming_.begin() + static_cast<std::ptrdiff_t>(incoming_offset_));
    incoming_offset_ = 0;
    incoming_.insert(incoming_.end(), data.begin(), data.end());
    if (!session_set_up_) {
        const auto offer = read_client_hello_offer(incoming_);
        if (offer.status == ClientHelloOffer::Status::incomplete) return;  // more is coming
        if (!set_up_session()) {
            LOG_WARN("%s: refused: cannot set up a TLS session", peer_.c_str());
            fail(UV_ENOMEM);
            return;
        }
    }
    advance();
}

void TlsStream::on_stream_end(int status) {
    inner_ended_ = true;
    if (closing_) return;
    if (status < 0) {
        end(phase_ == Phase::failed ? failure_status_ : status);
        return;
    }
    if (phase_ == Phase::failed) {
        finish_failure_if_flushed();  // a refused client that has read its alert and gone
        return;
    }
    // An orderly end: mbedTLS sees it (the receive callback returns 0) once it has consumed
    // what is still queued, which may be a handshake message or data the user paused on.
    if (!session_set_up_ && !set_up_session()) {
        end(UV_ENOMEM);
        return;
    }
    advance();
}

void TlsStream::on_stream_drained() {
    if (closing_) return;
    if (phase_ == Phase::failed) {
        finish_failure_if_flushed();
        return;
    }
    advance();
    if (!closing_) notify_drained_if_empty();
}

void TlsStream::on_stream_closed() {
    if (handler_) handler_->on_stream_closed();
}

// ---- mbedTLS callbacks --------------------------------------------------------------------

int TlsStream::send_ciphertext(void* context, const unsigned char* data, std::size_t length) {
    auto* self = static_cast<TlsStream*>(context);
    self->outgoing_.insert(self->outgoing_.end(), data, data + length);
    return static_cast<int>(length);
}

int TlsStream::receive_ciphertext(void* context, unsigned char* buffer, std::size_t length) {
    auto* self = static_cast<TlsStream*>(context);
    std::size_t available = self->incoming_.size() - self->incoming_offset_;
    if (available == 0) return self->inner_ended_ ? 0 : MBEDTLS_ERR_SSL_WANT_READ;
    std::size_t count = std::min(length, available);
    std::memcpy(buffer, self->incoming_.data() + self->incoming_offset_, count);
    self->incoming_offset_ += count;
    return static_cast<int>(count);
}

int TlsStream::verify_certificate(void* context, mbedtls_x509_crt* certificate, int depth,
                                  std::uint32_t* flags) {
    // Called for each certificate of the chain, the client's own (depth 0) last.
    if (depth != 0) return 0;
    auto* self = static_cast<TlsStream*>(context);
    auto common_name = subject_common_name(*certificate);
    self->certificate_seen_ = true;
    self->client_cn_ = common_name.value_or("");
    if (*flags != 0) return 0;  // refused already; fail_handshake or judge_client says why
    if (common_name && self->context_->allows(*common_name)) {
        self->client_allowed_ = true;
    } else {
        self->client_refused_ = true;
        *flags |= MBEDTLS_X509_BADCERT_OTHER;  // fails the handshake with an alert
    }
    return 0;
}

// ---- the engine ---------------------------------------------------------------------------

void TlsStream::advance() {
    if (closing_ || phase_ == Phase::failed) return;
    if (phase_ == Phase::handshake) continue_handshake();
    if (phase_ == Phase::established) {
        seal_plaintext();
        send_close_notify_if_due();
        deliver_plaintext();
    }
    if (closing_) return;
    release_consumed_ciphertext();
    flush_ciphertext();
    update_inner_reading();
}

void TlsStream::release_consumed_ciphertext() {
    // An idle session holds no received ciphertext: a transfer's last reads (up to 64 KiB
    // each) are given back once mbedTLS has consumed them.
    if (incoming_offset_ == incoming_.size() && incoming_.capacity() != 0) {
        std::vector<std::uint8_t>{}.swap(incoming_);
        incoming_offset_ = 0;
    }
}

void TlsStream::continue_handshake() {
    if (!session_set_up_) return;
    int rc = mbedtls_ssl_handshake(ssl_.get());
    if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE) return;
    if (rc != 0) {
        fail_handshake(rc);
        return;
    }
    on_handshake_done();
}

void TlsStream::on_handshake_done() {
    if (context_->tls13_verdict_deferred() && mbedtls_compat::is_tls13(ssl_.get()) &&
        !judge_client()) {
        return;
    }
    if (!client_allowed_) {
        // Unreachable with MBEDTLS_SSL_VERIFY_REQUIRED and the verify callback; kept so that a
        // configuration mistake can never let an unchecked client in.
        LOG_WARN("%s: TLS client refused: CN=%s: no verified client certificate", peer_.c_str(),
                 client_cn_.empty() ? "(none)" : printable(client_cn_).c_str());
        mbedtls_ssl_send_alert_message(ssl_.get(), MBEDTLS_SSL_ALERT_LEVEL_FATAL,
                                       MBEDTLS_SSL_ALERT_MSG_ACCESS_DENIED);
        fail(UV_EACCES);
        return;
    }
    uv_timer_stop(handshake_timer_.get());
    inner_->set_quick_ack(false);
    phase_ = Phase::established;
    peer_ += " CN=" + printable(client_cn_);
    LOG_INFO("%s: TLS established (%s, %s)", peer_.c_str(), mbedtls_ssl_get_version(ssl_.get()),
             mbedtls_ssl_get_ciphersuite(ssl_.get()));
}

bool TlsStream::judge_client() {
    const std::uint32_t flags = mbedtls_ssl_get_verify_result(ssl_.get());
    if (flags == 0 && client_allowed_) return true;
    // The handshake is complete, so this alert goes out under the session's traffic keys and
    // the client can read it, unlike the one mbedTLS 3.6 sends inside a TLS 1.3 handshake.
    const unsigned char alert = log_refusal(flags);
    mbedtls_ssl_send_alert_message(ssl_.get(), MBEDTLS_SSL_ALERT_LEVEL_FATAL, alert);
    fail(UV_EACCES);
    return false;
}

unsigned char TlsStream::log_refusal(std::uint32_t flags) {
    const std::string cn =
        certificate_seen_ && !client_cn_.empty() ? printable(client_cn_) : std::string{"(none)"};
    if (client_refused_) {
        LOG_WARN("%s: TLS client refused: CN=%s is not in allowed_clients", peer_.c_str(),
                 cn.c_str());
        return MBEDTLS_SSL_ALERT_MSG_ACCESS_DENIED;
    }
    if (!certificate_seen_ || (flags != no_verify_result && (flags & MBEDTLS_X509_BADCERT_MISSING))) {
        LOG_WARN("%s: TLS client refused: CN=(none): no client certificate", peer_.c_str());
        return alert_certificate_required;
    }
    LOG_WARN("%s: TLS client refused: CN=%s: certificate %s", peer_.c_str(), cn.c_str(),
             describe_verify_failure(flags));
    return alert_for(flags);
}

void TlsStream::fail_handshake(int code) {
    const std::uint32_t verify_result = mbedtls_ssl_get_verify_result(ssl_.get());
    const bool judged = verify_result != 0 && verify_result != no_verify_result;
    int status = UV_EACCES;
    if (client_refused_ || code == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED ||
        (certificate_seen_ && judged)) {
        // Not allowed, not trusted, or (MBEDTLS_ERR_SSL_BAD_CERTIFICATE) a certificate whose
        // key usage or extended key usage is not for a client.
        log_refusal(verify_result);
    } else if (!certificate_seen_ && judged && (verify_result & MBEDTLS_X509_BADCERT_MISSING)) {
        log_refusal(verify_result);
    } else if (code == MBEDTLS_ERR_SSL_CONN_EOF || inner_ended_) {
        // Port scanners and clients that give up: not worth a warning.
        LOG_INFO("%s: TLS handshake not finished: the client closed the connection", peer_.c_str());
        status = 0;
    } else {
        LOG_INFO("%s: TLS handshake failed: %s", peer_.c_str(), mbedtls_error_text(code).c_str());
        status = UV_EPROTO;
    }
    fail(status);
}

void TlsStream::seal_plaintext() {
    while (!plaintext_.empty() && !closing_ && phase_ == Phase::established &&
           outgoing_.size() + inner_->pending_write_bytes() < ciphertext_high_water) {
        const std::vector<std::uint8_t>& front = plaintext_.front();
        // One record per call at most, so it often takes less than offered. After WANT_*
        // the next call repeats the same pointer and length, as mbedTLS requires: the front
        // buffer and the offset stay put until bytes are accepted.
        int rc = mbedtls_ssl_write(ssl_.get(), front.data() + plaintext_offset_,
                                   front.size() - plaintext_offset_);
        if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE || rc == 0) return;
        if (rc < 0) {
            LOG_INFO("%s: TLS write failed: %s", peer_.c_str(), mbedtls_error_text(rc).c_str());
            fail(UV_EPROTO);
            return;
        }
        plaintext_offset_ += static_cast<std::size_t>(rc);
        plaintext_bytes_ -= static_cast<std::size_t>(rc);
        if (plaintext_offset_ == front.size()) {
            plaintext_.pop_front();
            plaintext_offset_ = 0;
        }
    }
}

void TlsStream::send_close_notify_if_due() {
    if (!shutdown_requested_ || close_notify_sent_ || closing_ || phase_ != Phase::established ||
        !plaintext_.empty()) {
        return;
    }
    close_notify_sent_ = true;
    // Cannot return WANT_WRITE (the send callback takes everything); any other error means
    // the session is broken, and the TCP end below is all that is left to say.
    mbedtls_ssl_close_notify(ssl_.get());
    flush_ciphertext();
    if (!closing_) inner_->shutdown_write();
}

void TlsStream::deliver_plaintext() {
    if (delivering_) return;
    delivering_ = true;
    while (reading_ && !closing_ && !ended_ && phase_ == Phase::established) {
        int rc = mbedtls_ssl_read(ssl_.get(), plaintext_buffer.data(), plaintext_buffer.size());
        if (rc > 0) {
            if (handler_) {
                handler_->on_stream_data({plaintext_buffer.data(), static_cast<std::size_t>(rc)});
            }
            continue;
        }
        if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE) break;
        if (rc == 0 || rc == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY || rc == MBEDTLS_ERR_SSL_CONN_EOF) {
            // close_notify, or a TCP end without one (clients often just close): nothing more
            // will come either way, and the protocol's own lengths reveal a message cut short.
            end(0);
            break;
        }
        LOG_INFO("%s: TLS error: %s", peer_.c_str(), mbedtls_error_text(rc).c_str());
        fail(UV_EPROTO);
        break;
    }
    delivering_ = false;
}

void TlsStream::flush_ciphertext() {
    if (outgoing_.empty() || closing_) return;
    std::vector<std::uint8_t> batch;
    batch.swap(outgoing_);
    inner_->write(std::move(batch));  // one write per batch of records, not per record
}

void TlsStream::update_inner_reading() {
    if (closing_) return;
    bool wanted = started_ && !inner_ended_ && !ended_ &&
                  (phase_ == Phase::handshake || (phase_ == Phase::established && reading_) ||
                   (phase_ == Phase::failed && lingering_));
    if (wanted) {
        inner_->read_start();
    } else {
        inner_->read_stop();
    }
}

void TlsStream::notify_drained_if_empty() {
    if (!user_wrote_ || !plaintext_.empty() || !outgoing_.empty() ||
        inner_->pending_write_bytes() != 0) {
        return;
    }
    user_wrote_ = false;
    if (handler_) handler_->on_stream_drained();
}

void TlsStream::end(int status) {
    if (ended_) return;
    ended_ = true;
    failure_pending_ = false;
    update_inner_reading();
    if (handler_) handler_->on_stream_end(status);
}

void TlsStream::fail(int status) {
    phase_ = Phase::failed;
    failure_status_ = status;
    failure_pending_ = true;
    lingering_ = status == UV_EACCES && !inner_ended_;
    update_inner_reading();
    flush_ciphertext();  // the alert mbedTLS queued, if any
    finish_failure_if_flushed();
}

void TlsStream::finish_failure_if_flushed() {
    if (closing_ || !failure_pending_ || inner_->pending_write_bytes() != 0) return;
    if (lingering_ && !inner_ended_) {
        if (!write_shut_) {
            write_shut_ = true;
            inner_->shutdown_write();
        }
        return;  // on_stream_end (the client closed) or the handshake timer ends it
    }
    end(failure_status_);
}

}  // namespace clipshare
