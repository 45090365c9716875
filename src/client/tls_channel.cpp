#include "client/tls_channel.hpp"

#include <algorithm>
#include <utility>

#include "client/errors.hpp"
#include "client/transport_hints.hpp"
#include "net/mbedtls_compat.hpp"
#include "net/tls_credentials.hpp"

namespace clipshare::client {
namespace {

// Ciphertext sealed per round of write_all before it goes to the socket.
constexpr std::size_t sealed_per_round = 64 * 1024;
// One record and its overhead: what one transport read takes at most.
constexpr std::size_t receive_buffer_bytes = 16 * 1024 + 512;

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
    if (auto error = identity_.seed("clipshare"); !error.empty()) fail(Exit::tls, error);
    if (auto error = identity_.load_ca(settings_.ca, "--ca"); !error.empty()) {
        fail(Exit::tls, error);
    }
    if (presents_certificate()) {
        if (auto error =
                identity_.load_own(settings_.certificate, "--cert", settings_.key, "--key");
            !error.empty()) {
            fail(Exit::tls, error);
        }
        own_name_ = subject_common_name(*identity_.own_chain()).value_or("");
    }
    // Up to TLS 1.3 where the library has it.
    if (auto problem = identity_.configure(config_.get(), TlsConfigOptions{})) {
        if (problem->at_own_certificate) {
            fail(Exit::tls, "--cert " + settings_.certificate +
                                ": cannot be used: " + mbedtls_error_text(problem->code));
        }
        fail(Exit::tls, "cannot set up TLS: " + mbedtls_error_text(problem->code));
    }
    // A later connection of this run resumes an earlier one's session: TLS 1.2 by ticket, or
    // by session id where the server keeps a cache; TLS 1.3 by the ticket the server sent
    // after its handshake (mbedTLS 3.6), offered with psk_dhe_ke and psk_ke: the server
    // chooses, and ours by default (and OpenSSL) take psk_dhe_ke, a fresh ECDHE exchange;
    // a clipshared set to resume_with_ecdhe = false takes psk_ke, which spares it that.
    mbedtls_compat::allow_tls12_tickets(config_.get());
    mbedtls_compat::allow_tls13_tickets(config_.get(), mbedtls_compat::Tls13PskModes::both);
}

void TlsClientContext::save_session(TlsEngine& engine) {
    auto session = std::make_unique<SavedSession>();
    if (engine.save_session(session->get())) saved_ = std::move(session);
}

// ---- the session --------------------------------------------------------------------------

std::unique_ptr<Channel> start_tls(std::unique_ptr<Channel> transport,
                                   std::shared_ptr<TlsClientContext> context,
                                   const std::string& peer) {
    return std::make_unique<TlsChannel>(std::move(transport), std::move(context), peer);
}

TlsChannel::TlsChannel(std::unique_ptr<Channel> transport,
                       std::shared_ptr<TlsClientContext> context, std::string peer)
    : transport_(std::move(transport)),
      context_(std::move(context)),
      peer_(std::move(peer)),
      received_(receive_buffer_bytes) {
    const TlsSettings& settings = context_->settings();
    TlsEngine::ClientSide side{peer_, settings.server_name, settings.ca,
                               context_->presents_certificate(), context_->own_name()};
    int error = 0;
    engine_ = TlsEngine::create(context_->ssl_config(), std::move(side), error);
    if (!engine_) fail(Exit::tls, "cannot set up a TLS session: " + mbedtls_error_text(error));
    // A session the server no longer knows costs nothing: it answers with a full handshake.
    if (const mbedtls_ssl_session* saved = context_->saved_session()) {
        engine_->offer_session(saved);
    }
    handshake();
    context_->save_session(*engine_);
}

TlsChannel::~TlsChannel() {
    close();
}

tls_reasons::ClientView TlsChannel::view() const {
    const TlsSettings& settings = context_->settings();
    return {peer_, settings.server_name, settings.ca, context_->presents_certificate(),
            context_->own_name()};
}

bool TlsChannel::send_output() {
    std::vector<std::uint8_t> bytes = engine_->take_output();
    if (bytes.empty()) return true;
    try {
        transport_->write_all(bytes);
        return true;
    } catch (const ConnectionLost&) {
        lost_error_ = std::current_exception();
        return false;
    } catch (...) {
        broken_ = true;
        throw;
    }
}

bool TlsChannel::receive_more(bool lost) {
    std::size_t count = 0;
    try {
        count = transport_->read_some(received_);
    } catch (const ConnectionLost&) {
        lost_error_ = std::current_exception();
        engine_->feed_end();
        return false;
    } catch (const ClientError& error) {
        if (!lost || error.code() == Exit::interrupted) {
            broken_ = true;
            throw;
        }
        engine_->feed_end();  // the connection is gone anyway: whatever it held is read
        return false;
    }
    if (count == 0) {
        engine_->feed_end();
    } else {
        if (!first_byte_) first_byte_ = received_[0];
        engine_->feed(std::span{received_}.first(count));
    }
    return true;
}

void TlsChannel::handshake() {
    // A server that refuses our certificate may send its alert and close at once, so the
    // rest of our flight can fail before we read that alert: once the connection is lost,
    // nothing more is sent, but what the server sent is still read for its reason.
    bool lost = false;
    for (;;) {
        const TlsEngine::Progress progress = engine_->handshake();
        if (!lost && !send_output()) lost = true;
        if (progress == TlsEngine::Progress::failed) fail_with_engine_reason();
        if (progress == TlsEngine::Progress::done) {
            if (lost) fail_closed_during_handshake();
            return;
        }
        if (!receive_more(lost)) lost = true;
    }
}

void TlsChannel::send_or_fail() {
    if (send_output()) return;
    broken_ = true;
    if (engine_->verdict_pending()) fail_closed_during_handshake();
    std::rethrow_exception(lost_error_);
}

void TlsChannel::receive_or_fail() {
    if (receive_more(false)) return;
    // Lost: during a TLS 1.3 verdict that is the server refusing us, which the engine tells
    // from the end it was fed; otherwise the connection's loss is the error.
    if (!engine_->verdict_pending()) {
        broken_ = true;
        std::rethrow_exception(lost_error_);
    }
}

std::size_t TlsChannel::read_some(std::span<std::uint8_t> out) {
    if (ended_ || out.empty()) return 0;
    for (;;) {
        const TlsEngine::ReadResult result = engine_->read(out);
        // A TLS 1.3 ticket comes after the handshake, with the server's first records.
        if (engine_->ticket_arrived()) context_->save_session(*engine_);
        send_or_fail();
        switch (result.kind) {
            case TlsEngine::ReadResult::Kind::data:
                return result.bytes;
            case TlsEngine::ReadResult::Kind::ended:
                // A plain end of the TCP stream counts as the end too, as it does without
                // TLS: the protocol's own lengths and acknowledgements tell a cut transfer.
                ended_ = true;
                return 0;
            case TlsEngine::ReadResult::Kind::failed:
                fail_with_engine_reason();
            case TlsEngine::ReadResult::Kind::want_more:
                receive_or_fail();
                break;
        }
    }
}

void TlsChannel::write_all(std::span<const std::uint8_t> data) {
    while (!data.empty()) {
        const std::optional<std::size_t> taken = engine_->write(data, sealed_per_round);
        if (!taken) fail_with_engine_reason();
        send_or_fail();
        data = data.subspan(*taken);
        // Nothing taken: mbedTLS waits for something from the server first.
        if (*taken == 0) receive_or_fail();
    }
}

void TlsChannel::close() noexcept {
    if (closed_ || broken_) return;
    closed_ = true;
    engine_->close_notify();
    try {
        transport_->write_all(engine_->take_output());
    } catch (...) {
        // The exchange is over: a server that has already gone is no failure.
    }
}

void TlsChannel::fail_with_engine_reason() {
    broken_ = true;
    fail(Exit::tls, with_transport_hint(engine_->failure().reason));
}

void TlsChannel::fail_closed_during_handshake() {
    broken_ = true;
    fail(Exit::tls, with_transport_hint(tls_reasons::closed_during_handshake(view(), true)));
}

std::string TlsChannel::with_transport_hint(std::string reason) const {
    // A plain ClipShare server answers the ClientHello's first byte (22) as a protocol
    // version: with 03 and its own version, which no TLS server would send first.
    if (first_byte_ && !starts_tls_record(*first_byte_))
        reason += std::string{"; "} + drop_tls_hint;
    return reason;
}

}  // namespace clipshare::client
