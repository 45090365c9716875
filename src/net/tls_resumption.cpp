#include "net/tls_resumption.hpp"

#include "net/mbedtls_compat.hpp"
#include "net/tls_credentials.hpp"
#include "net/tls_reasons.hpp"
#include "util/log.hpp"

namespace clipshare {
namespace {

// What one cache entry may hold beyond its struct (200 bytes on 2.28, 72 on 3.6): the
// client's certificate (DER; make-certs.sh's RSA-2048 ones are 942 bytes, 2 KiB leaves room
// for longer names and RSA-4096), 3.6's serialised session around it (about 100 bytes more),
// and the allocator's overhead.
constexpr std::size_t cache_entry_payload = 2 * 1024 + 256;
// The two ticket keys' AES-256-GCM contexts (key schedule and GCM tables) and their
// allocations.
constexpr std::size_t ticket_keys_bytes = 2 * 1024;

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
    std::size_t bytes = tickets_ ? ticket_keys_bytes : 0;
#if defined(MBEDTLS_SSL_CACHE_C)
    bytes += cache_entries_ * (sizeof(mbedtls_ssl_cache_entry) + cache_entry_payload);
#endif
    return bytes;
}

int TlsResumption::write_ticket(void* self, const mbedtls_ssl_session* session,
                                unsigned char* start, const unsigned char* end, std::size_t* length,
                                std::uint32_t* lifetime) {
#if CLIPSHARE_MBEDTLS_TICKETS
    return mbedtls_ssl_ticket_write(static_cast<TlsResumption*>(self)->ticket_keys_.get(), session,
                                    start, end, length, lifetime);
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
    // A forged or damaged ticket fails authentication here, an old one its age check; either
    // way mbedTLS goes on with a full handshake.
    const int rc =
        mbedtls_ssl_ticket_parse(resumption->ticket_keys_.get(), session, ticket, length);
    if (rc != 0) {
        LOG_DEBUG("TLS: a session ticket was not accepted (%s): full handshake",
                  mbedtls_error_text(rc).c_str());
        return rc;
    }
    return resumption->accept(*session) ? 0 : MBEDTLS_ERR_SSL_INVALID_MAC;
#else
    (void)self;
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
