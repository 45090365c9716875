#include "net/tls_identity.hpp"

#include "net/mbedtls_compat.hpp"
#include "net/tls_credentials.hpp"

namespace clipshare {
namespace {

// "tls.certificate /etc/clipshare/server.crt: " for every message about that file.
std::string about(std::string_view label, const std::filesystem::path& file) {
    return std::string{label} + " " + file.string() + ": ";
}

}  // namespace

std::string TlsIdentity::seed(std::string_view personalization) {
    if (int rc = mbedtls_compat::init_crypto(); rc != 0) {
        return "cannot initialise the crypto library: " + mbedtls_error_text(rc);
    }
    if (int rc = mbedtls_ctr_drbg_seed(
            rng_.get(), mbedtls_entropy_func, entropy_.get(),
            reinterpret_cast<const unsigned char*>(personalization.data()), personalization.size());
        rc != 0) {
        return "cannot seed the random generator: " + mbedtls_error_text(rc);
    }
    return {};
}

std::string TlsIdentity::load_own(const std::filesystem::path& certificate,
                                  std::string_view certificate_label,
                                  const std::filesystem::path& key, std::string_view key_label) {
    if (auto error = load_certificates(certificate, own_chain_.get()); !error.empty()) {
        return about(certificate_label, certificate) + error;
    }
    if (auto error = load_private_key(key, own_key_.get(), rng_.get()); !error.empty()) {
        return about(key_label, key) + error;
    }
    if (mbedtls_compat::check_key_pair(&own_chain_.get()->pk, own_key_.get(), rng_.get()) != 0) {
        return about(key_label, key) + "does not belong to the certificate in " +
               certificate.string();
    }
    has_own_ = true;
    return {};
}

std::string TlsIdentity::load_ca(const std::filesystem::path& ca, std::string_view label) {
    if (auto error = load_certificates(ca, ca_.get()); !error.empty())
        return about(label, ca) + error;
    return {};
}

std::optional<TlsConfigError> TlsIdentity::configure(mbedtls_ssl_config* config,
                                                     const TlsConfigOptions& options) {
    int rc = mbedtls_ssl_config_defaults(
        config, options.server ? MBEDTLS_SSL_IS_SERVER : MBEDTLS_SSL_IS_CLIENT,
        MBEDTLS_SSL_TRANSPORT_STREAM, MBEDTLS_SSL_PRESET_DEFAULT);
    if (rc != 0) return TlsConfigError{false, rc};
    mbedtls_ssl_conf_rng(config, mbedtls_ctr_drbg_random, rng_.get());
    mbedtls_compat::set_protocol_range(config, options.min_tls13, options.max_tls13);
    // Cheap groups first, P-256 leading: in TLS 1.2 the server's order picks, in TLS 1.3 the
    // client's first key share (see set_key_exchange_groups).
    mbedtls_compat::set_key_exchange_groups(config);
    if (options.suites != nullptr) mbedtls_ssl_conf_ciphersuites(config, options.suites);
    // No resumption unless the owner turns it on: the daemon's TlsResumption (TLS 1.2, with
    // the stored certificate checked again), the client's allow_tls12_tickets.
    mbedtls_compat::refuse_resumption(config, options.server);
    // Certificates are the only authentication there is: no certificate, no session.
    mbedtls_ssl_conf_authmode(config, MBEDTLS_SSL_VERIFY_REQUIRED);
    mbedtls_ssl_conf_ca_chain(config, ca_.get(), nullptr);
    if (has_own_) {
        rc = mbedtls_ssl_conf_own_cert(config, own_chain_.get(), own_key_.get());
        if (rc != 0) return TlsConfigError{true, rc};
    }
    return std::nullopt;
}

}  // namespace clipshare
