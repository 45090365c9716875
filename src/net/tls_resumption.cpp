#include "net/tls_resumption.hpp"

#include <cstring>
#include <optional>

#include "net/mbedtls_compat.hpp"
#include "net/tls_credentials.hpp"
#include "net/tls_reasons.hpp"
#include "net/tls_ticket_peer.hpp"
#include "util/log.hpp"

namespace clipshare {
namespace {

// Our tickets start with a format byte: mbedTLS's ticket as it is (TLS 1.2, whose session
// holds the client's certificate), or, for TLS 1.3, that ticket with the client's name sealed
// after it:
//   named, inner length (2 bytes), mbedTLS's ticket, nonce (12), sealed name (65), tag (16)
// The sealed name is its length and the name padded to 64 bytes (X.509's upper bound for a
// CN), so the ticket's size does not tell the name's length either. The first three parts
// are the GCM additional data: a name cannot be moved to another ticket.
constexpr unsigned char plain_format = 0;
constexpr unsigned char named_format = 1;
// (The format constants are unused where mbedTLS has no TLS 1.3 tickets, as in 2.28.)
[[maybe_unused]] constexpr std::size_t named_header_bytes = 3;
constexpr std::size_t nonce_bytes = 12;
constexpr std::size_t max_name_bytes = 64;
constexpr std::size_t sealed_name_bytes = 1 + max_name_bytes;
constexpr std::size_t tag_bytes = 16;
[[maybe_unused]] constexpr std::size_t named_trailer_bytes =
    nonce_bytes + sealed_name_bytes + tag_bytes;

// What one cache entry may hold beyond its struct (200 bytes on 2.28, 72 on 3.6): the
// client's certificate (DER; make-certs.sh's RSA-2048 ones are 942 bytes, 2 KiB leaves room
// for longer names and RSA-4096), 3.6's serialised session around it (about 100 bytes more),
// and the allocator's overhead.
constexpr std::size_t cache_entry_payload = 2 * 1024 + 256;
// The two ticket keys' AES-256-GCM contexts (key schedule and GCM tables) and their
// allocations.
constexpr std::size_t ticket_keys_bytes = 2 * 1024;
// The name key's GCM context (an mbedtls_gcm_context holds its tables and AES key schedule:
// about 0.5 KiB on 3.6 x86-64), with room for the allocator and other builds.
constexpr std::size_t name_key_bytes = 1024;

}  // namespace

std::string TlsResumption::set_up(const Settings& settings, mbedtls_ctr_drbg_context* rng) {
#if CLIPSHARE_MBEDTLS_TICKETS
    if (settings.tickets) {
        // AES-256-GCM: the AEAD mbedTLS recommends for tickets, accepted by the ticket module
        // of 2.28 and 3.6 alike, and built into OpenWrt's mbedTLS. A ticket is sealed and
        // opened once per handshake (about 1 KiB with the client's certificate): microseconds
        // even without AES instructions, against the milliseconds of the handshake it saves.
        if (int rc =
                mbedtls_ssl_ticket_setup(ticket_keys_.get(), mbedtls_ctr_drbg_random, rng,
                                         MBEDTLS_CIPHER_AES_256_GCM, settings.lifetime_seconds);
            rc != 0) {
            return "cannot set up session tickets: " + mbedtls_error_text(rc);
        }
        tickets_ = true;
#if CLIPSHARE_MBEDTLS_TLS13_TICKETS
        unsigned char key[32];
        if (int rc = mbedtls_ctr_drbg_random(rng, key, sizeof key); rc != 0) {
            return "cannot make the ticket name key: " + mbedtls_error_text(rc);
        }
        const int rc = mbedtls_gcm_setkey(name_key_.get(), MBEDTLS_CIPHER_ID_AES, key, 256);
        std::memset(key, 0, sizeof key);  // the GCM context holds it now; no other copy stays
        if (rc != 0) return "cannot set up the ticket name key: " + mbedtls_error_text(rc);
        rng_ = rng;
        tls13_tickets_ = true;
#endif
    }
#else
    (void)rng;
#endif
#if CLIPSHARE_MBEDTLS_CACHE
    if (settings.cache_entries > 0) {
        mbedtls_ssl_cache_set_max_entries(cache_.get(), static_cast<int>(settings.cache_entries));
        mbedtls_ssl_cache_set_timeout(cache_.get(), static_cast<int>(settings.lifetime_seconds));
        cache_entries_ = settings.cache_entries;
    }
#endif
    if ((settings.tickets && !tickets_) || (settings.cache_entries > 0 && cache_entries_ == 0)) {
        LOG_INFO(
            "TLS: this mbedTLS (%s) cannot resume sessions with the client's certificate "
            "(tickets: %s, cache: %s): those clients get full handshakes",
            mbedtls_compat::version_string, mbedtls_compat::has_tickets ? "yes" : "no",
            mbedtls_compat::has_session_cache ? "yes" : "no");
    }
    return {};
}

void TlsResumption::configure(mbedtls_ssl_config* config) {
#if CLIPSHARE_MBEDTLS_TICKETS
    if (tickets_) {
        // mbedTLS's own writer and reader; ours checks what the reader opens (accept).
        mbedtls_ssl_conf_session_tickets_cb(config, &TlsResumption::write_ticket,
                                            &TlsResumption::parse_ticket, this);
        if (tls13_tickets_) mbedtls_compat::issue_tls13_tickets(config);
    }
#endif
#if CLIPSHARE_MBEDTLS_CACHE
    if (cache_entries_ > 0) {
        mbedtls_ssl_conf_session_cache(config, this,
                                       mbedtls_compat::checked_cache_get<TlsResumption>,
                                       mbedtls_compat::cache_set<TlsResumption>);
    }
#endif
    (void)config;
}

std::size_t TlsResumption::memory_bytes() const {
    std::size_t bytes = (tickets_ ? ticket_keys_bytes : 0) + (tls13_tickets_ ? name_key_bytes : 0);
#if defined(MBEDTLS_SSL_CACHE_C)
    bytes += cache_entries_ * (sizeof(mbedtls_ssl_cache_entry) + cache_entry_payload);
#endif
    return bytes;
}

int TlsResumption::write_ticket(void* self, const mbedtls_ssl_session* session,
                                unsigned char* start, const unsigned char* end, std::size_t* length,
                                std::uint32_t* lifetime) {
#if CLIPSHARE_MBEDTLS_TICKETS
    auto* resumption = static_cast<TlsResumption*>(self);
    if (start >= end) return MBEDTLS_ERR_SSL_BUFFER_TOO_SMALL;
    if (mbedtls_compat::stored_is_tls13(*session)) {
        // Only configured (issue_tls13_tickets) where named tickets can be made.
        return resumption->write_named_ticket(*session, start, end, length, lifetime);
    }
    start[0] = plain_format;
    const int rc = mbedtls_ssl_ticket_write(resumption->ticket_keys_.get(), session, start + 1, end,
                                            length, lifetime);
    if (rc == 0) *length += 1;
    return rc;
#else
    (void)self;
    (void)session;
    (void)start;
    (void)end;
    (void)length;
    (void)lifetime;
    return MBEDTLS_ERR_SSL_FEATURE_UNAVAILABLE;
#endif
}

int TlsResumption::parse_ticket(void* self, mbedtls_ssl_session* session, unsigned char* ticket,
                                std::size_t length) {
#if CLIPSHARE_MBEDTLS_TICKETS
    auto* resumption = static_cast<TlsResumption*>(self);
    if (length > 0 && ticket[0] == named_format) {
        return resumption->parse_named_ticket(session, ticket, length);
    }
    // A forged or damaged ticket fails authentication here, an old one its age check; either
    // way mbedTLS goes on with a full handshake.
    const int rc = length == 0 || ticket[0] != plain_format
                       ? MBEDTLS_ERR_SSL_INVALID_MAC
                       : mbedtls_ssl_ticket_parse(resumption->ticket_keys_.get(), session,
                                                  ticket + 1, length - 1);
    if (rc != 0) {
        LOG_DEBUG("TLS: a session ticket was not accepted (%s): full handshake",
                  mbedtls_error_text(rc).c_str());
        return rc;
    }
    // A TLS 1.3 session must come with its name: without, nobody could say whose it is.
    if (mbedtls_compat::stored_is_tls13(*session)) return MBEDTLS_ERR_SSL_INVALID_MAC;
    return resumption->accept(*session) ? 0 : MBEDTLS_ERR_SSL_INVALID_MAC;
#else
    (void)self;
    (void)session;
    (void)ticket;
    (void)length;
    return MBEDTLS_ERR_SSL_FEATURE_UNAVAILABLE;
#endif
}

std::string TlsResumption::ticket_name(const mbedtls_ssl_session& session) const {
    std::optional<std::string> name;
    if (const mbedtls_x509_crt* certificate = mbedtls_compat::stored_peer_certificate(session)) {
        // A full handshake: the certificate it verified. The write runs before TlsEngine
        // judges a TLS 1.3 client, so a refused client gets a ticket too: one that names
        // nobody and never resumes.
        if (mbedtls_compat::stored_verify_result(session) == 0) {
            name = subject_common_name(*certificate);
        }
    } else if (const TicketPeer* peer = TicketPeerScope::current()) {
        // An abbreviated handshake: the name of the ticket it resumed.
        name = peer->resumed_name;
    }
    if (!name || name->empty() || name->size() > max_name_bytes || !allows_(*name)) return {};
    return *name;
}

int TlsResumption::write_named_ticket(const mbedtls_ssl_session& session, unsigned char* start,
                                      const unsigned char* end, std::size_t* length,
                                      std::uint32_t* lifetime) {
#if CLIPSHARE_MBEDTLS_TLS13_TICKETS
    if (!tls13_tickets_) return MBEDTLS_ERR_SSL_FEATURE_UNAVAILABLE;
    const auto room = static_cast<std::size_t>(end - start);
    if (room < named_header_bytes + named_trailer_bytes + 1) {
        return MBEDTLS_ERR_SSL_BUFFER_TOO_SMALL;
    }
    unsigned char* inner = start + named_header_bytes;
    std::size_t inner_length = 0;
    if (int rc = mbedtls_ssl_ticket_write(ticket_keys_.get(), &session, inner,
                                          end - named_trailer_bytes, &inner_length, lifetime);
        rc != 0) {
        return rc;
    }
    if (inner_length > 0xFFFF) return MBEDTLS_ERR_SSL_BUFFER_TOO_SMALL;
    start[0] = named_format;
    start[1] = static_cast<unsigned char>(inner_length >> 8);
    start[2] = static_cast<unsigned char>(inner_length & 0xFF);
    unsigned char* nonce = inner + inner_length;
    unsigned char* sealed = nonce + nonce_bytes;
    unsigned char* tag = sealed + sealed_name_bytes;
    // Random nonces: a key lives until the next reload, far fewer tickets than 2^32.
    if (int rc = mbedtls_ctr_drbg_random(rng_, nonce, nonce_bytes); rc != 0) return rc;
    const std::string name = ticket_name(session);
    unsigned char plain[sealed_name_bytes] = {};
    plain[0] = static_cast<unsigned char>(name.size());
    std::memcpy(plain + 1, name.data(), name.size());
    if (int rc = mbedtls_gcm_crypt_and_tag(
            name_key_.get(), MBEDTLS_GCM_ENCRYPT, sizeof plain, nonce, nonce_bytes, start,
            named_header_bytes + inner_length, plain, sealed, tag_bytes, tag);
        rc != 0) {
        return rc;
    }
    *length = named_header_bytes + inner_length + named_trailer_bytes;
    return 0;
#else
    (void)session;
    (void)start;
    (void)end;
    (void)length;
    (void)lifetime;
    return MBEDTLS_ERR_SSL_FEATURE_UNAVAILABLE;
#endif
}

int TlsResumption::parse_named_ticket(mbedtls_ssl_session* session, unsigned char* ticket,
                                      std::size_t length) {
#if CLIPSHARE_MBEDTLS_TLS13_TICKETS
    const auto refuse = [](const char* why) {
        LOG_DEBUG("TLS: a TLS 1.3 session ticket was not accepted (%s): full handshake", why);
        return MBEDTLS_ERR_SSL_INVALID_MAC;
    };
    TicketPeer* peer = TicketPeerScope::current();
    if (!tls13_tickets_ || peer == nullptr) return refuse("no TLS 1.3 tickets here");
    if (length < named_header_bytes + named_trailer_bytes) return refuse("too short");
    const std::size_t inner_length = (std::size_t{ticket[1]} << 8) | ticket[2];
    if (length != named_header_bytes + inner_length + named_trailer_bytes) {
        return refuse("inconsistent lengths");
    }
    unsigned char* inner = ticket + named_header_bytes;
    const unsigned char* nonce = inner + inner_length;
    const unsigned char* sealed = nonce + nonce_bytes;
    const unsigned char* tag = sealed + sealed_name_bytes;
    unsigned char plain[sealed_name_bytes];
    // The name first: it is checked before mbedTLS's part, which it authenticates too.
    if (mbedtls_gcm_auth_decrypt(name_key_.get(), sizeof plain, nonce, nonce_bytes, ticket,
                                 named_header_bytes + inner_length, tag, tag_bytes, sealed,
                                 plain) != 0) {
        return refuse("not sealed by this daemon");
    }
    const std::size_t name_length = plain[0];
    if (name_length == 0 || name_length > max_name_bytes) {
        return refuse("issued to a client that was not admitted");
    }
    std::string name(reinterpret_cast<const char*>(plain + 1), name_length);
    if (!allows_(name)) {
        LOG_DEBUG(
            "TLS: a TLS 1.3 session ticket of CN=%s was not accepted (not allowed any "
            "more): full handshake",
            tls_reasons::loggable(name).c_str());
        return MBEDTLS_ERR_SSL_INVALID_MAC;
    }
    // Age and the ticket keys' own authentication.
    if (int rc = mbedtls_ssl_ticket_parse(ticket_keys_.get(), session, inner, inner_length);
        rc != 0) {
        LOG_DEBUG("TLS: a session ticket was not accepted (%s): full handshake",
                  mbedtls_error_text(rc).c_str());
        return rc;
    }
    if (!mbedtls_compat::stored_is_tls13(*session)) return refuse("not a TLS 1.3 session");
    peer->resumed_name = std::move(name);
    return 0;
#else
    (void)session;
    (void)ticket;
    (void)length;
    return MBEDTLS_ERR_SSL_FEATURE_UNAVAILABLE;
#endif
}

bool TlsResumption::accept(const mbedtls_ssl_session& session) const {
    const mbedtls_x509_crt* certificate = mbedtls_compat::stored_peer_certificate(session);
    if (certificate == nullptr) {
        LOG_DEBUG("TLS: a stored session holds no client certificate: full handshake");
        return false;
    }
    const auto name = subject_common_name(*certificate);
    if (mbedtls_compat::stored_verify_result(session) != 0 || !name || !allows_(*name)) {
        LOG_DEBUG("TLS: a stored session of CN=%s may not resume: full handshake",
                  tls_reasons::loggable(name.value_or("")).c_str());
        return false;
    }
    return true;
}

}  // namespace clipshare
