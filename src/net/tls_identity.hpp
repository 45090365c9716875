// What one end of a TLS connection loads before its first handshake, for the daemon's [tls]
// and the client's --tls alike: the random generator, its own certificate chain and key, the
// CA it trusts, and the mbedTLS configuration over them. Each side names its files its own way
// in messages ("tls.certificate PATH" or "--cert PATH"), and keeps its own order of loading.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "net/mbedtls_objects.hpp"

namespace clipshare {

// What a configuration over a TlsIdentity may negotiate.
struct TlsConfigOptions {
    bool server = false;
    bool min_tls13 = false;       // TLS 1.3 only (where the library has it)
    bool max_tls13 = true;        // up to TLS 1.3 (where the library has it)
    const int* suites = nullptr;  // 0-terminated cipher suites; nullptr: the library's list
};

// Why TlsIdentity::configure failed: which step, and mbedTLS's code.
struct TlsConfigError {
    bool at_own_certificate = false;  // else: at the defaults
    int code = 0;
};

class TlsIdentity {
public:
    TlsIdentity() = default;
    TlsIdentity(const TlsIdentity&) = delete;
    TlsIdentity& operator=(const TlsIdentity&) = delete;

    // Initialises the crypto library and seeds the random generator. "" or why not, without a
    // prefix ("cannot seed the random generator: ...").
    std::string seed(std::string_view personalization);
    // Our chain and key, which must belong together. The labels name the settings in
    // messages ("tls.certificate", "--cert"): "LABEL PATH: why" or "".
    std::string load_own(const std::filesystem::path& certificate,
                         std::string_view certificate_label, const std::filesystem::path& key,
                         std::string_view key_label);
    // The CA the peer's certificate must be signed by, with messages as load_own's.
    std::string load_ca(const std::filesystem::path& ca, std::string_view label);

    // Sets `config` up for `options` over what was loaded: the peer must present a
    // certificate signed by the CA; ours is presented when one was loaded.
    std::optional<TlsConfigError> configure(mbedtls_ssl_config* config,
                                            const TlsConfigOptions& options);

    bool has_own() const { return has_own_; }
    const mbedtls_x509_crt* own_chain() const { return own_chain_.get(); }
    // The seeded generator, for what else draws keys beside the configurations (tickets).
    mbedtls_ctr_drbg_context* rng() { return rng_.get(); }

private:
    // Declaration order is destruction order in reverse: configurations made over this object
    // must be freed before it.
    EntropySource entropy_;
    RandomGenerator rng_;
    CertificateChain own_chain_;
    PrivateKey own_key_;
    CertificateChain ca_;
    bool has_own_ = false;
};

}  // namespace clipshare
