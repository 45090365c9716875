// Session resumption for the daemon: session tickets (mbedTLS's ticket module, TLS 1.2 and,
// with mbedTLS 3.6, TLS 1.3) and a small session cache for TLS 1.2 clients that resume by
// session id. All are guarded: a stored session resumes only if its client's certificate was
// verified and its CN is still allowed; any other is treated as unknown, so the client gets a
// full handshake, where it is judged afresh.
//
// A TLS 1.2 session holds the client's certificate, and the check reads it. mbedTLS 3.6's
// TLS 1.3 sessions hold none, so a TLS 1.3 ticket carries the CN itself: the write callback
// seals the verified, allowed CN (from the session's certificate after a full handshake, from
// the ticket it resumed after an abbreviated one: TicketPeer) with AES-256-GCM under a key
// of this object, bound to mbedTLS's own ticket as additional data; the parse callback opens
// it, checks the CN against the allowlist of now, and hands it to the engine (TicketPeer),
// which logs and judges the connection under it. The CN is sealed, not just signed, because
// a TLS 1.3 ticket travels in the clear in the next ClientHello, while the full handshake
// hides the client's certificate.
//
// One per TlsContext, so a reload (a new context) starts with new ticket keys, a new name key
// and an empty cache: every ticket and cached session from before it is void. All keys exist
// only in memory, drawn from the context's random generator.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "net/mbedtls_objects.hpp"

namespace clipshare {

class TlsResumption {
public:
    struct Settings {
        bool tickets = true;
        std::size_t cache_entries = 64;  // 0: no cache
        std::uint32_t lifetime_seconds = 3600;
    };

    // `allows` says whether a client name may connect; it must outlive this object.
    explicit TlsResumption(std::function<bool(std::string_view)> allows)
        : allows_(std::move(allows)) {}
    TlsResumption(const TlsResumption&) = delete;
    TlsResumption& operator=(const TlsResumption&) = delete;

    // Makes the ticket keys and the cache. "" or why not (an mbedTLS error, without prefix).
    std::string set_up(const Settings& settings, mbedtls_ctr_drbg_context* rng);
    // Lets sessions of `config` resume through this object. Call after set_up.
    void configure(mbedtls_ssl_config* config);
    // The most this object holds: the ticket keys and a full cache (whose entries hold the
    // client's certificate). For the daemon's memory budget.
    std::size_t memory_bytes() const;

    bool tickets() const { return tickets_; }
    // TLS 1.3 tickets too (mbedTLS 3.6).
    bool tls13_tickets() const { return tls13_tickets_; }
    std::size_t cache_entries() const { return cache_entries_; }

    // For mbedtls_compat's cache adapter: the cache, and whether a stored session may resume.
#if defined(MBEDTLS_SSL_CACHE_C)
    mbedtls_ssl_cache_context* cache() {
        return cache_.get();
    }
#endif
    bool accept(const mbedtls_ssl_session& session) const;

private:
    static int write_ticket(void* self, const mbedtls_ssl_session* session, unsigned char* start,
                            const unsigned char* end, std::size_t* length, std::uint32_t* lifetime);
    static int parse_ticket(void* self, mbedtls_ssl_session* session, unsigned char* ticket,
                            std::size_t length);

    // TLS 1.3: mbedTLS's ticket with the sealed client name after it (see the .cpp).
    int write_named_ticket(const mbedtls_ssl_session& session, unsigned char* start,
                           const unsigned char* end, std::size_t* length, std::uint32_t* lifetime);
    int parse_named_ticket(mbedtls_ssl_session* session, unsigned char* ticket, std::size_t length);
    // The name a TLS 1.3 ticket for `session` carries: its verified and allowed CN, or ""
    // (a ticket that will not resume).
    std::string ticket_name(const mbedtls_ssl_session& session) const;

    std::function<bool(std::string_view)> allows_;
    mbedtls_ctr_drbg_context* rng_ = nullptr;
#if defined(MBEDTLS_SSL_TICKET_C)
    TicketKeys ticket_keys_;
#endif
#if defined(MBEDTLS_GCM_C)
    GcmKey name_key_;  // seals the client name into TLS 1.3 tickets
#endif
    bool tls13_tickets_ = false;
#if defined(MBEDTLS_SSL_CACHE_C)
    SessionCache cache_;
#endif
    bool tickets_ = false;
    std::size_t cache_entries_ = 0;
};

}  // namespace clipshare
