// RAII for mbedTLS contexts: each is initialised on construction and freed on destruction.
// They never move, because mbedTLS keeps raw pointers between them (an SSL context points at
// its config, the config at the RNG, the certificates and the key).
#pragma once

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/pk.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

#if defined(MBEDTLS_SSL_CACHE_C)
#include <mbedtls/ssl_cache.h>
#endif
#if defined(MBEDTLS_SSL_TICKET_C)
#include <mbedtls/ssl_ticket.h>
#endif
#if defined(MBEDTLS_GCM_C)
#include <mbedtls/gcm.h>
#endif

namespace clipshare {

template <typename T, void (*Init)(T*), void (*Free)(T*)>
class MbedtlsObject {
public:
    MbedtlsObject() { Init(&value_); }
    ~MbedtlsObject() { Free(&value_); }
    MbedtlsObject(const MbedtlsObject&) = delete;
    MbedtlsObject& operator=(const MbedtlsObject&) = delete;

    T* get() { return &value_; }
    const T* get() const { return &value_; }

private:
    T value_;
};

using EntropySource =
    MbedtlsObject<mbedtls_entropy_context, mbedtls_entropy_init, mbedtls_entropy_free>;
using RandomGenerator =
    MbedtlsObject<mbedtls_ctr_drbg_context, mbedtls_ctr_drbg_init, mbedtls_ctr_drbg_free>;
using CertificateChain =
    MbedtlsObject<mbedtls_x509_crt, mbedtls_x509_crt_init, mbedtls_x509_crt_free>;
using PrivateKey = MbedtlsObject<mbedtls_pk_context, mbedtls_pk_init, mbedtls_pk_free>;
using SslConfig =
    MbedtlsObject<mbedtls_ssl_config, mbedtls_ssl_config_init, mbedtls_ssl_config_free>;
using SslSession = MbedtlsObject<mbedtls_ssl_context, mbedtls_ssl_init, mbedtls_ssl_free>;
// A negotiated session kept to resume it (the client's copy: its master secret and ticket).
using SavedSession =
    MbedtlsObject<mbedtls_ssl_session, mbedtls_ssl_session_init, mbedtls_ssl_session_free>;
#if defined(MBEDTLS_SSL_TICKET_C)
using TicketKeys =
    MbedtlsObject<mbedtls_ssl_ticket_context, mbedtls_ssl_ticket_init, mbedtls_ssl_ticket_free>;
#endif
#if defined(MBEDTLS_GCM_C)
using GcmKey = MbedtlsObject<mbedtls_gcm_context, mbedtls_gcm_init, mbedtls_gcm_free>;
#endif
#if defined(MBEDTLS_SSL_CACHE_C)
using SessionCache =
    MbedtlsObject<mbedtls_ssl_cache_context, mbedtls_ssl_cache_init, mbedtls_ssl_cache_free>;
#endif

}  // namespace clipshare
