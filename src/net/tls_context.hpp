// Everything TLS sessions share, built from [tls]: the server's certificate chain and key,
// the CA that signs client certificates, the allowed client names, the RNG and the mbedTLS
// configuration. Immutable once built; a reload builds a new one and sessions that are
// running keep theirs (shared_ptr).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "config/config.hpp"
#include "net/allowed_clients.hpp"
#include "net/mbedtls_objects.hpp"

namespace clipshare {

class TlsContext {
public:
    // nullptr and a one-line `error` naming the file when something cannot be loaded.
    static std::shared_ptr<TlsContext> create(const TlsSection& settings, std::string& error);

    TlsContext(const TlsContext&) = delete;
    TlsContext& operator=(const TlsContext&) = delete;

    const mbedtls_ssl_config* ssl_config() const { return config_.get(); }
    bool allows(std::string_view client_name) const { return allowed_.contains(client_name); }
    std::uint64_t handshake_timeout_ms() const { return handshake_timeout_ms_; }

private:
    TlsContext() = default;
    std::string load(const TlsSection& settings);

    // Declaration order is destruction order in reverse: the config, which points at all the
    // others, goes first.
    EntropySource entropy_;
    RandomGenerator rng_;
    CertificateChain own_chain_;
    PrivateKey own_key_;
    CertificateChain client_ca_;
    SslConfig config_;
    AllowedClients allowed_;
    std::uint64_t handshake_timeout_ms_ = 10000;
};

}  // namespace clipshare
