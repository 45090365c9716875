// TLS 1.2 session resumption for the daemon: session tickets (mbedTLS's ticket module) and a
// small session cache for clients that resume by session id. Both hold only what mbedTLS
// stores for a session, the client's certificate included, and both are guarded: a stored
// session resumes only if its certificate was verified and its CN is still allowed; any other
// is treated as unknown, so the client gets a full handshake, where it is judged afresh.
//
// One per TlsContext, so a reload (a new context) starts with new ticket keys and an empty
// cache: every ticket and cached session from before it is void. Ticket keys exist only in
// memory, drawn from the context's random generator.
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

    std::function<bool(std::string_view)> allows_;
#if defined(MBEDTLS_SSL_TICKET_C)
    TicketKeys ticket_keys_;
#endif
#if defined(MBEDTLS_SSL_CACHE_C)
    SessionCache cache_;
#endif
    bool tickets_ = false;
    std::size_t cache_entries_ = 0;
};

}  // namespace clipshare
