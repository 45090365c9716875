// Everything TLS sessions share, built from [tls]: the server's certificate chain and key,
// the CA that signs client certificates, the allowed client names, the RNG and the mbedTLS
// configurations. Immutable once built; a reload builds a new one and sessions that are
// running keep theirs (shared_ptr).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "net/allowed_clients.hpp"
#include "net/mbedtls_objects.hpp"
#include "net/tls_client_hello.hpp"
#include "net/tls_identity.hpp"
#include "net/tls_resumption.hpp"
#include "net/tls_settings.hpp"

namespace clipshare {

class TlsContext {
public:
    // nullptr and a one-line `error` naming the file when something cannot be loaded.
    static std::shared_ptr<TlsContext> create(const TlsSection& settings, std::string& error);

    TlsContext(const TlsContext&) = delete;
    TlsContext& operator=(const TlsContext&) = delete;

    // The configuration for a session whose client offered the cipher suites `offered` (from
    // its ClientHello; empty when they could not be read). mbedTLS lets the client's order
    // pick the TLS 1.3 suite, so for TLS 1.3 this is a configuration whose 1.3 list holds only
    // the first of [tls] ciphers that the client offers; TLS 1.2 follows the server's order
    // by itself. `p256_key_share`: its ClientHello carries a P-256 key share; the configuration
    // then leaves X25519 out, so that the handshake takes that share, the cheaper one in mbedTLS
    // (mbedtls_compat::set_key_exchange_groups_for_p256_share). `offers_psk_ke`: it resumes
    // a TLS 1.3 session and offers psk_ke; with [tls] resume_with_ecdhe = false the
    // configuration then has psk_ke as its only mode (mbedTLS prefers psk_dhe_ke and even a
    // full handshake to it), and needs a fallback: see session_configs.
    const mbedtls_ssl_config* ssl_config(std::span<const std::uint16_t> offered = {},
                                         bool p256_key_share = false,
                                         bool offers_psk_ke = false) const;
    // What a server session whose client sent `offer` starts with (TlsStream): the
    // configuration above, and where that is a psk_ke-only one, the configuration without
    // that restriction, for TlsEngine::ServerSide::fallback (else nullptr).
    struct SessionConfigs {
        const mbedtls_ssl_config* config = nullptr;
        const mbedtls_ssl_config* fallback = nullptr;
    };
    SessionConfigs session_configs(const ClientHelloOffer& offer) const;
    // [tls] resume_with_ecdhe = false took effect: TLS 1.3 tickets can be resumed with psk_ke
    // (mbedTLS 3.6 with tickets on and the psk_ke mode built in).
    bool resumes_without_ecdhe() const { return psk_ke_variants_; }
    bool allows(std::string_view client_name) const { return allowed_.contains(client_name); }
    std::uint64_t handshake_timeout_ms() const { return handshake_timeout_ms_; }
    // A TLS 1.3 handshake completes without judging the client's certificate (see
    // mbedtls_compat::defer_tls13_client_verdict): the session must judge it afterwards.
    bool tls13_verdict_deferred() const { return tls13_verdict_deferred_; }

    // The best estimate of what one established TLS session holds in memory: mbedTLS's input
    // and output record buffers as this library sizes them, its session state, and the
    // TlsEngine and TlsStream around it (see the definition for the figures, measured with
    // bench/clipshare_bench). For the daemon's memory budget.
    std::size_t session_memory_bytes() const;
    // What the context holds for resumption whatever the number of sessions: the ticket keys
    // and a full session cache (TlsResumption::memory_bytes).
    std::size_t resumption_memory_bytes() const { return resumption_.memory_bytes(); }
    // What its mbedTLS configurations hold: one per combination of the dimensions in use
    // (1 with TLS 1.2 only; with TLS 1.3 up to 16, twice as many with resume_with_ecdhe =
    // false). Made at start-up and on reload, so charged with the context, not per session.
    std::size_t configurations_memory_bytes() const;
    std::size_t configuration_count() const { return variants_.size(); }

private:
    // One mbedTLS configuration and the cipher suite list it points at.
    struct Variant {
        SslConfig config;
        std::vector<int> suites;  // 0-terminated
    };
    // Which variant: `suites` 0 offers every suite in the server's order, 1 + i restricts
    // TLS 1.3 to tls13_order_[i]; `p256_share` leaves X25519 out of the groups; `psk_ke`
    // resumes TLS 1.3 with psk_ke only.
    struct VariantKey {
        std::size_t suites = 0;
        bool p256_share = false;
        bool psk_ke = false;
        auto operator<=>(const VariantKey&) const = default;
    };

    TlsContext() : resumption_([this](std::string_view name) { return allows(name); }) {}
    std::string load(const TlsSection& settings);
    std::string configure(Variant& variant, const TlsSection& settings, VariantKey key);

    // Declaration order is destruction order in reverse: the configurations, which point at
    // all the others, go first.
    TlsIdentity identity_;  // the RNG, our chain and key, the CA that signs clients
    AllowedClients allowed_;
    TlsResumption resumption_;  // ticket keys and session cache, over allowed_ and the RNG
    // Every combination of the dimensions in use: p256_share only where needed (TLS 1.3 with
    // both P-256 and X25519 in the build), psk_ke only with resume_with_ecdhe = false.
    std::map<VariantKey, std::unique_ptr<Variant>> variants_;
    bool p256_variants_ = false;
    bool psk_ke_variants_ = false;
    std::vector<std::uint16_t> tls13_order_;
    std::uint64_t handshake_timeout_ms_ = 10000;
    bool tls13_verdict_deferred_ = false;
};

}  // namespace clipshare
