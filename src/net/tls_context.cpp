#include "net/tls_context.hpp"

#include <filesystem>

#include "net/mbedtls_compat.hpp"
#include "net/tls.hpp"
#include "net/tls_credentials.hpp"
#include "util/log.hpp"

namespace clipshare {
namespace {

namespace fs = std::filesystem;

// Server preference order. ChaCha20-Poly1305 first: bench/cipher_speed measured it at
// about 530 MB/s against about 320 MB/s for AES-128-GCM with Debian 12's mbedTLS 2.28 on
// an x86-64 with AES-NI, and it is faster still on router CPUs without AES instructions.
// AES-GCM stays for clients that lack ChaCha20 (Android phones on TLS 1.2 offer
// ECDHE-RSA-AES-GCM). Both RSA and ECDSA server keys are covered; mbedTLS skips the suites
// a key cannot use and any the library was built without.
const int ciphersuites[] = {
#if CLIPSHARE_MBEDTLS_TLS13
    MBEDTLS_TLS1_3_CHACHA20_POLY1305_SHA256,
    MBEDTLS_TLS1_3_AES_128_GCM_SHA256,
    MBEDTLS_TLS1_3_AES_256_GCM_SHA384,
#endif
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
    MBEDTLS_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
    MBEDTLS_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
    MBEDTLS_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
    0,
};

// "tls.certificate /etc/clipshare/server.crt: " for every message about that file.
std::string about(const char* key, const fs::path& file) {
    return std::string{"tls."} + key + " " + file.string() + ": ";
}

}  // namespace

std::shared_ptr<TlsContext> TlsContext::create(const TlsSection& settings, std::string& error) {
    std::shared_ptr<TlsContext> context{new TlsContext};
    error = context->load(settings);
    if (!error.empty()) return nullptr;
    return context;
}

std::string TlsContext::load(const TlsSection& settings) {
    handshake_timeout_ms_ = static_cast<std::uint64_t>(settings.handshake_timeout) * 1000;
    if (int rc = mbedtls_compat::init_crypto(); rc != 0) {
        return "TLS: cannot initialise the crypto library: " + mbedtls_error_text(rc);
    }
    static const char personalization[] = "clipshared";
    if (int rc = mbedtls_ctr_drbg_seed(rng_.get(), mbedtls_entropy_func, entropy_.get(),
                                       reinterpret_cast<const unsigned char*>(personalization),
                                       sizeof personalization - 1);
        rc != 0) {
        return "TLS: cannot seed the random generator: " + mbedtls_error_text(rc);
    }

    std::string error = load_certificates(settings.certificate, own_chain_.get());
    if (!error.empty()) return about("certificate", settings.certificate) + error;
    error = load_private_key(settings.private_key, own_key_.get(), rng_.get());
    if (!error.empty()) return about("private_key", settings.private_key) + error;
    if (mbedtls_compat::check_key_pair(&own_chain_.get()->pk, own_key_.get(), rng_.get()) != 0) {
        return about("private_key", settings.private_key) +
               "does not belong to the certificate in " + settings.certificate.string();
    }

    error = load_certificates(settings.ca, client_ca_.get());
    if (!error.empty()) return about("ca", settings.ca) + error;

    if (settings.allowed_clients_inline) {
        allowed_ = AllowedClients{*settings.allowed_clients_inline};
    } else {
        auto loaded = AllowedClients::load(settings.allowed_clients_file, error);
        if (!loaded) return about("allowed_clients", settings.allowed_clients_file) + error;
        allowed_ = std::move(*loaded);
    }
    if (allowed_.empty()) LOG_WARN("tls.allowed_clients is empty: no TLS client can connect");

    mbedtls_ssl_config* config = config_.get();
    int rc = mbedtls_ssl_config_defaults(config, MBEDTLS_SSL_IS_SERVER,
                                         MBEDTLS_SSL_TRANSPORT_STREAM, MBEDTLS_SSL_PRESET_DEFAULT);
    if (rc != 0) return "TLS: cannot set up the configuration: " + mbedtls_error_text(rc);
    mbedtls_ssl_conf_rng(config, mbedtls_ctr_drbg_random, rng_.get());
    mbedtls_compat::set_protocol_versions(config);
    mbedtls_compat::set_key_exchange_groups(config);
    mbedtls_ssl_conf_ciphersuites(config, ciphersuites);
    // Client certificates are the only authentication there is: no certificate, no session.
    mbedtls_ssl_conf_authmode(config, MBEDTLS_SSL_VERIFY_REQUIRED);
    mbedtls_ssl_conf_ca_chain(config, client_ca_.get(), nullptr);
    rc = mbedtls_ssl_conf_own_cert(config, own_chain_.get(), own_key_.get());
    if (rc != 0) return "TLS: cannot use the server certificate: " + mbedtls_error_text(rc);
    return {};
}

std::shared_ptr<const TlsContext> make_tls_context(const TlsSection& settings, std::string& error) {
    return TlsContext::create(settings, error);
}

}  // namespace clipshare
