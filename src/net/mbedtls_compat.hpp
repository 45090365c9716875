// Every difference between mbedTLS 2.28 (Debian 12) and 3.x (OpenWrt, Debian 13) that
// clipshare meets lives in this one file, so the rest of the code calls one API.
//
// What differs, and how it is handled here:
// - 3.x added RNG arguments to mbedtls_pk_parse_key and mbedtls_pk_check_pair (blinding).
// - 3.2 replaced mbedtls_ssl_conf_{min,max}_version(major, minor) by
//   mbedtls_ssl_conf_{min,max}_tls_version(enum); the old ones are deprecated.
// - 3.x can speak TLS 1.3 (MBEDTLS_SSL_PROTO_TLS1_3), which needs psa_crypto_init() before the
//   first handshake; so does MBEDTLS_USE_PSA_CRYPTO.
// - 2.28's default curve order puts secp521r1 first (slow ECDHE); 3.x's default group list
//   already starts with X25519 and P-256, and mbedtls_ssl_conf_curves is deprecated there.
// - 3.x made most struct fields private (MBEDTLS_PRIVATE). clipshare reads fields that are
//   public in both (the X.509 subject name list), uses functions, and reads exactly one
//   private thing, through received_alert below: which alert the peer sent (neither 2.28 nor
//   3.x has a getter for it).
// - 3.2 added mbedtls_ssl_get_version_number; TLS 1.3 exists only from there on (above).
// - 3.x TLS 1.3 clients may see MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET from
//   mbedtls_ssl_read, which only means "read again".
// - 3.6.3 refuses to verify a server certificate unless mbedtls_ssl_set_hostname was called,
//   even if only with NULL to say "no name to check"; 2.28 accepts NULL as "no name" too.
// - 3.x can be built without mbedtls_x509_crt_verify_info (MBEDTLS_X509_REMOVE_INFO).
//
// Tested: compiled and run against Debian 12's libmbedtls-dev 2.28.3. Debian 12 has no
// mbedTLS 3.x package (apt-cache search mbedtls lists only 2.28.3), so the 3.x branches were
// written against the 3.x headers' declarations but not compiled here.
#pragma once

#include <mbedtls/version.h>  // first: pulls in the build configuration on 2.28 and 3.x

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/pk.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

#if MBEDTLS_VERSION_MAJOR >= 3 && defined(MBEDTLS_PSA_CRYPTO_C)
#include <psa/crypto.h>
#endif

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

// A macro as well as a constant: the TLS 1.3 ciphersuite names exist only in 3.x headers.
#if MBEDTLS_VERSION_MAJOR >= 3 && defined(MBEDTLS_SSL_PROTO_TLS1_3)
#define CLIPSHARE_MBEDTLS_TLS13 1
#else
#define CLIPSHARE_MBEDTLS_TLS13 0
#endif

namespace clipshare::mbedtls_compat {

inline constexpr bool has_tls13 = CLIPSHARE_MBEDTLS_TLS13 == 1;

// Once per process before any key is parsed or handshake run. Returns 0 or an error code.
inline int init_crypto() {
#if MBEDTLS_VERSION_MAJOR >= 3 && defined(MBEDTLS_PSA_CRYPTO_C)
    return psa_crypto_init() == PSA_SUCCESS ? 0 : MBEDTLS_ERR_SSL_INTERNAL_ERROR;
#else
    return 0;
#endif
}

// `text` must include a terminating NUL in `length` when it is PEM (as mbedTLS requires).
inline int parse_private_key(mbedtls_pk_context* key, const unsigned char* text, std::size_t length,
                             mbedtls_ctr_drbg_context* rng) {
#if MBEDTLS_VERSION_MAJOR >= 3
    return mbedtls_pk_parse_key(key, text, length, nullptr, 0, mbedtls_ctr_drbg_random, rng);
#else
    (void)rng;
    return mbedtls_pk_parse_key(key, text, length, nullptr, 0);
#endif
}

inline int check_key_pair(const mbedtls_pk_context* certificate_key,
                          const mbedtls_pk_context* private_key, mbedtls_ctr_drbg_context* rng) {
#if MBEDTLS_VERSION_MAJOR >= 3
    return mbedtls_pk_check_pair(certificate_key, private_key, mbedtls_ctr_drbg_random, rng);
#else
    (void)rng;
    return mbedtls_pk_check_pair(certificate_key, private_key);
#endif
}

// TLS 1.2 always; up to TLS 1.3 where the library has it, unless `tls13` is false (the tests
// use that to act like an old phone).
inline void set_protocol_versions(mbedtls_ssl_config* config, bool tls13 = true) {
#if MBEDTLS_VERSION_NUMBER >= 0x03020000
    mbedtls_ssl_conf_min_tls_version(config, MBEDTLS_SSL_VERSION_TLS1_2);
    mbedtls_ssl_conf_max_tls_version(
        config, has_tls13 && tls13 ? MBEDTLS_SSL_VERSION_TLS1_3 : MBEDTLS_SSL_VERSION_TLS1_2);
#else
    (void)tls13;
    mbedtls_ssl_conf_min_version(config, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
    mbedtls_ssl_conf_max_version(config, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
#endif
}

// ECDHE groups, cheapest first: X25519 and P-256 cost a fraction of P-521 per handshake,
// which matters on a router's CPU.
inline void set_key_exchange_groups(mbedtls_ssl_config* config) {
#if MBEDTLS_VERSION_MAJOR >= 3
    (void)config;  // the 3.x default list is already in this order
#else
    static const mbedtls_ecp_group_id groups[] = {
#if defined(MBEDTLS_ECP_DP_CURVE25519_ENABLED)
        MBEDTLS_ECP_DP_CURVE25519,
#endif
#if defined(MBEDTLS_ECP_DP_SECP256R1_ENABLED)
        MBEDTLS_ECP_DP_SECP256R1,
#endif
#if defined(MBEDTLS_ECP_DP_SECP384R1_ENABLED)
        MBEDTLS_ECP_DP_SECP384R1,
#endif
#if defined(MBEDTLS_ECP_DP_SECP521R1_ENABLED)
        MBEDTLS_ECP_DP_SECP521R1,
#endif
        MBEDTLS_ECP_DP_NONE,
    };
    mbedtls_ssl_conf_curves(config, groups);
#endif
}

// Client side: send no SNI, and have mbedTLS match no host name against the server's
// certificate (clipshare compares the CN itself, exactly, as the ClipShare desktop client
// does). Returns 0 or an error code.
inline int skip_host_name(mbedtls_ssl_context* ssl) {
    return mbedtls_ssl_set_hostname(ssl, nullptr);
}

// True when the session negotiated TLS 1.3, where a client's handshake is over before the
// server has judged the client's certificate: the server's refusal then comes as the first
// thing read.
inline bool is_tls13(const mbedtls_ssl_context* ssl) {
#if CLIPSHARE_MBEDTLS_TLS13 && MBEDTLS_VERSION_NUMBER >= 0x03020000
    return mbedtls_ssl_get_version_number(ssl) == MBEDTLS_SSL_VERSION_TLS1_3;
#else
    (void)ssl;
    return false;
#endif
}

// mbedtls_ssl_read results that mean only "call it again".
inline bool read_again(int rc) {
    if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE) return true;
#if defined(MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET)
    if (rc == MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET) return true;
#endif
    return false;
}

// Right after a call returned MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE: the description byte of the
// alert the peer sent (49 access_denied, 48 unknown_ca, ...), or -1 when it cannot be told.
// mbedTLS leaves the alert record as the current input message; 3.x only made the fields
// private, so they are read through MBEDTLS_PRIVATE there.
inline int received_alert(const mbedtls_ssl_context* ssl) {
#if MBEDTLS_VERSION_MAJOR >= 3
    const int type = ssl->MBEDTLS_PRIVATE(in_msgtype);
    const unsigned char* message = ssl->MBEDTLS_PRIVATE(in_msg);
    const std::size_t length = ssl->MBEDTLS_PRIVATE(in_msglen);
#else
    const int type = ssl->in_msgtype;
    const unsigned char* message = ssl->in_msg;
    const std::size_t length = ssl->in_msglen;
#endif
    if (type != MBEDTLS_SSL_MSG_ALERT || message == nullptr || length < 2) return -1;
    return message[1];
}

// mbedTLS's words for certificate verification flags, on one line; the flags in hex where
// the library was built without those words.
inline std::string verify_flags_text(std::uint32_t flags) {
    char text[512] = {};
#if !defined(MBEDTLS_X509_REMOVE_INFO)
    mbedtls_x509_crt_verify_info(text, sizeof text, "", flags);
    std::string line = text;
    for (char& c : line) {
        if (c == '\n') c = ' ';
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    return line;
#else
    std::snprintf(text, sizeof text, "verification flags 0x%08x", static_cast<unsigned>(flags));
    return text;
#endif
}

}  // namespace clipshare::mbedtls_compat
