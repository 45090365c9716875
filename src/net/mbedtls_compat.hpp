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
//   3.x has a getter for it). Since TLS 1.3 resumption, also the handshake state (see
//   post_handshake_message_waiting) and a stored session's version.
// - 3.2 added mbedtls_ssl_get_version_number; TLS 1.3 exists only from there on (above).
// - 3.x TLS 1.3 clients may see MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET from
//   mbedtls_ssl_read, which only means "read again".
// - 3.6.3 refuses to verify a server certificate unless mbedtls_ssl_set_hostname was called,
//   even if only with NULL to say "no name to check"; 2.28 accepts NULL as "no name" too.
// - 3.x can be built without mbedtls_x509_crt_verify_info (MBEDTLS_X509_REMOVE_INFO).
// - 3.6's TLS 1.3 server sends the fatal alert that refuses a client certificate under the
//   wrong keys (Mbed-TLS/mbedtls#10877): no client can read it. 3.2 added a certificate
//   callback that runs after the ClientHello, where a TLS 1.3 session can be switched to
//   "verify optional", so the handshake finishes and clipshared refuses afterwards with a
//   readable alert (defer_tls13_client_verdict below; TlsEngine does the refusing).
// - Resumption (TlsResumption): TLS 1.2 tickets and the session cache carry the client's
//   certificate in both versions (MBEDTLS_SSL_KEEP_PEER_CERTIFICATE), so a resumed session's
//   CN can be checked again. 3.6's TLS 1.3 tickets do not (ssl_tls13_session_save writes no
//   peer certificate), so clipshared seals the verified CN into its TLS 1.3 tickets itself
//   (TlsResumption, TicketPeer) where this library can (CLIPSHARE_MBEDTLS_TLS13_TICKETS:
//   3.6 with tickets, GCM and the psk_dhe_ke mode; resuming without ECDHE also needs the
//   psk_ke mode: CLIPSHARE_MBEDTLS_TLS13_PSK_KE). A 3.6 TLS 1.3 client hears of a ticket
//   only when it asks to (mbedtls_ssl_conf_tls13_enable_signal_new_session_tickets, 3.6.1+;
//   3.6.0 always told), through MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET from
//   mbedtls_ssl_read. 3.x made the session's fields private (read through MBEDTLS_PRIVATE
//   below) and gave the cache callbacks the session id as arguments.
// - OpenWrt builds 3.6 without MBEDTLS_VERSION_C (no mbedtls_version_get_string): use the
//   MBEDTLS_VERSION_STRING macro, which every build has.
//
// Tested: Debian 12's libmbedtls-dev 2.28.3, and mbedTLS 3.6.6 built as the meson subproject
// with its default options and with OpenWrt's (CI legs mbedtls36 and openwrt).
#pragma once

#include <mbedtls/version.h>  // first: pulls in the build configuration on 2.28 and 3.x

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/pk.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

#if defined(MBEDTLS_SSL_CACHE_C)
#include <mbedtls/ssl_cache.h>
#endif
#if defined(MBEDTLS_SSL_TICKET_C)
#include <mbedtls/ssl_ticket.h>
#endif

#if MBEDTLS_VERSION_MAJOR >= 3 && defined(MBEDTLS_PSA_CRYPTO_C)
#include <psa/crypto.h>
#endif

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>

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

// The server's range: TLS 1.2 to 1.3, or just one of them. A 1.3 this library lacks is left
// out (the caller checks has_tls13 where the user asked for 1.3 only).
inline void set_protocol_range(mbedtls_ssl_config* config, bool min_tls13, bool max_tls13) {
#if MBEDTLS_VERSION_NUMBER >= 0x03020000
    const bool top = has_tls13 && max_tls13;
    mbedtls_ssl_conf_min_tls_version(
        config, has_tls13 && min_tls13 ? MBEDTLS_SSL_VERSION_TLS1_3 : MBEDTLS_SSL_VERSION_TLS1_2);
    mbedtls_ssl_conf_max_tls_version(config,
                                     top ? MBEDTLS_SSL_VERSION_TLS1_3 : MBEDTLS_SSL_VERSION_TLS1_2);
#else
    (void)min_tls13;
    (void)max_tls13;
    set_protocol_versions(config, false);
#endif
}

// No session resumption unless asked for afterwards (allow_tls12_tickets, TlsResumption):
// the server issues no tickets (it registers no ticket callbacks; for 3.x TLS 1.3 this also
// says so and refuses PSK key exchange: see the top of this file); the client asks for none.
inline void refuse_resumption(mbedtls_ssl_config* config, bool server) {
#if defined(MBEDTLS_SSL_SESSION_TICKETS) && defined(MBEDTLS_SSL_CLI_C)
    if (!server) mbedtls_ssl_conf_session_tickets(config, MBEDTLS_SSL_SESSION_TICKETS_DISABLED);
#endif
#if CLIPSHARE_MBEDTLS_TLS13
    mbedtls_ssl_conf_tls13_key_exchange_modes(config,
                                              MBEDTLS_SSL_TLS1_3_KEY_EXCHANGE_MODE_EPHEMERAL);
#if defined(MBEDTLS_SSL_SESSION_TICKETS) && defined(MBEDTLS_SSL_SRV_C) && \
    MBEDTLS_VERSION_NUMBER >= 0x03050000
    if (server) mbedtls_ssl_conf_new_session_tickets(config, 0);
#endif
#endif
    (void)config;
    (void)server;
}

// ---- resumption -----------------------------------------------------------------------

// What this library can resume: TLS 1.2 session tickets (server: the ticket module too), and
// a session cache; both only where stored sessions keep the peer's certificate, without
// which a resumed client could not be checked against allowed_clients.
#if defined(MBEDTLS_SSL_SESSION_TICKETS) && defined(MBEDTLS_SSL_TICKET_C) && \
    defined(MBEDTLS_SSL_KEEP_PEER_CERTIFICATE) && defined(MBEDTLS_HAVE_TIME)
#define CLIPSHARE_MBEDTLS_TICKETS 1
#else
#define CLIPSHARE_MBEDTLS_TICKETS 0
#endif
#if defined(MBEDTLS_SSL_CACHE_C) && defined(MBEDTLS_SSL_KEEP_PEER_CERTIFICATE)
#define CLIPSHARE_MBEDTLS_CACHE 1
#else
#define CLIPSHARE_MBEDTLS_CACHE 0
#endif
inline constexpr bool has_tickets = CLIPSHARE_MBEDTLS_TICKETS == 1;
inline constexpr bool has_session_cache = CLIPSHARE_MBEDTLS_CACHE == 1;

// Locks around what sessions share (PSA's key table in mbedTLS 3, the random generator), so
// that one session's records may be opened on another thread while the loop runs other
// handshakes (RecordOffload).
#if defined(MBEDTLS_THREADING_C)
#define CLIPSHARE_MBEDTLS_THREADING 1
#else
#define CLIPSHARE_MBEDTLS_THREADING 0
#endif
inline constexpr bool has_threading = CLIPSHARE_MBEDTLS_THREADING == 1;

// TLS 1.3 tickets that carry the client's name (TlsResumption): 3.6 (whose server sends as
// many tickets as mbedtls_ssl_conf_new_session_tickets says), the ticket module, GCM for the
// sealed name, and the psk_dhe_ke mode.
#if CLIPSHARE_MBEDTLS_TLS13 && CLIPSHARE_MBEDTLS_TICKETS && defined(MBEDTLS_GCM_C) && \
    defined(MBEDTLS_SSL_TLS1_3_KEY_EXCHANGE_MODE_PSK_EPHEMERAL_ENABLED) &&            \
    MBEDTLS_VERSION_NUMBER >= 0x03060000
#define CLIPSHARE_MBEDTLS_TLS13_TICKETS 1
#else
#define CLIPSHARE_MBEDTLS_TLS13_TICKETS 0
#endif
inline constexpr bool has_tls13_tickets = CLIPSHARE_MBEDTLS_TLS13_TICKETS == 1;

// Client: asks for (and keeps) TLS 1.2 session tickets; TLS 1.3 stays without PSK
// (refuse_resumption) unless allow_tls13_tickets follows.
inline void allow_tls12_tickets(mbedtls_ssl_config* config) {
#if defined(MBEDTLS_SSL_SESSION_TICKETS) && defined(MBEDTLS_SSL_CLI_C)
    mbedtls_ssl_conf_session_tickets(config, MBEDTLS_SSL_SESSION_TICKETS_ENABLED);
#else
    (void)config;
#endif
}

// TLS 1.3 resumption without ECDHE (psk_ke), for [tls] resume_with_ecdhe = false and for
// clipshare's client: where mbedTLS has the psk_ke mode (OpenWrt's 3.6 has it).
#if CLIPSHARE_MBEDTLS_TLS13_TICKETS && defined(MBEDTLS_SSL_TLS1_3_KEY_EXCHANGE_MODE_PSK_ENABLED)
#define CLIPSHARE_MBEDTLS_TLS13_PSK_KE 1
#else
#define CLIPSHARE_MBEDTLS_TLS13_PSK_KE 0
#endif
inline constexpr bool has_tls13_psk_ke = CLIPSHARE_MBEDTLS_TLS13_PSK_KE == 1;

// The PSK modes with which a TLS 1.3 session may resume. mbedTLS's server prefers psk_dhe_ke,
// then a full handshake, then psk_ke, among what the configuration has and the client offers
// (ssl_tls13_server.c); its client offers what it has.
enum class Tls13PskModes {
    dhe,   // psk_dhe_ke only: a resumed session still runs ECDHE, so its traffic keys stay
           // secret should the ticket keys leak later
    both,  // psk_dhe_ke and psk_ke
    pure,  // psk_ke only, and no full handshake either: mbedTLS's server prefers a full
           // handshake to psk_ke, so a configuration that allows one never takes psk_ke. Such
           // a session's secrecy hangs on the ticket keys; a ticket it cannot resume fails
           // the handshake (TlsEngine then starts over under another configuration).
};

// Sets `modes` on a configuration that resumes TLS 1.3 sessions (client or server). Modes
// with psk_ke fall back to psk_dhe_ke alone where this library lacks psk_ke; returns
// whether `modes` were set as asked.
inline bool set_tls13_psk_modes(mbedtls_ssl_config* config, Tls13PskModes modes) {
#if CLIPSHARE_MBEDTLS_TLS13_TICKETS
    int flags = MBEDTLS_SSL_TLS1_3_KEY_EXCHANGE_MODE_EPHEMERAL |
                MBEDTLS_SSL_TLS1_3_KEY_EXCHANGE_MODE_PSK_EPHEMERAL;
#if CLIPSHARE_MBEDTLS_TLS13_PSK_KE
    if (modes == Tls13PskModes::both) flags |= MBEDTLS_SSL_TLS1_3_KEY_EXCHANGE_MODE_PSK;
    if (modes == Tls13PskModes::pure) flags = MBEDTLS_SSL_TLS1_3_KEY_EXCHANGE_MODE_PSK;
#endif
    mbedtls_ssl_conf_tls13_key_exchange_modes(config, flags);
    return modes == Tls13PskModes::dhe || has_tls13_psk_ke;
#else
    (void)config;
    (void)modes;
    return false;
#endif
}

// Client, after allow_tls12_tickets: also keeps TLS 1.3 tickets (read() signals each one:
// see TlsEngine::save_session) and offers them with `modes` (clipshare's client: both, so
// that a server set to resume without ECDHE can; one that prefers ECDHE still picks it).
// False where this library cannot.
inline bool allow_tls13_tickets(mbedtls_ssl_config* config,
                                Tls13PskModes modes = Tls13PskModes::dhe) {
#if CLIPSHARE_MBEDTLS_TLS13_TICKETS && defined(MBEDTLS_SSL_CLI_C)
    set_tls13_psk_modes(config, modes);
#if MBEDTLS_VERSION_NUMBER >= 0x03060100
    mbedtls_ssl_conf_tls13_enable_signal_new_session_tickets(
        config, MBEDTLS_SSL_TLS1_3_SIGNAL_NEW_SESSION_TICKETS_ENABLED);
#endif
    return true;
#else
    (void)config;
    (void)modes;
    return false;
#endif
}

// Server, with ticket callbacks registered: one TLS 1.3 ticket after each handshake (mbedTLS
// sends only one after a resumed one anyway), resumable with psk_dhe_ke only (TlsContext
// widens that for [tls] resume_with_ecdhe = false), and no early data (0-RTT data can be
// replayed; clipshare has no use for it). False where this library cannot, and then no
// TLS 1.3 tickets go out (refuse_resumption's settings stay).
inline bool issue_tls13_tickets(mbedtls_ssl_config* config) {
#if CLIPSHARE_MBEDTLS_TLS13_TICKETS && defined(MBEDTLS_SSL_SRV_C)
    set_tls13_psk_modes(config, Tls13PskModes::dhe);
    mbedtls_ssl_conf_new_session_tickets(config, 1);
#if defined(MBEDTLS_SSL_EARLY_DATA)
    mbedtls_ssl_conf_early_data(config, MBEDTLS_SSL_EARLY_DATA_DISABLED);
#endif
    return true;
#else
    (void)config;
    return false;
#endif
}

// The ssl_read/handshake result that says a TLS 1.3 ticket has just arrived (client).
inline bool is_new_ticket(int rc) {
#if defined(MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET)
    return rc == MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET;
#else
    (void)rc;
    return false;
#endif
}

// After the handshake: mbedTLS has read a post-handshake message (a TLS 1.3 ticket) that
// its next call processes, with no new input needed. It says so only by its state, which
// is private (and mbedtls_ssl_is_handshake_over counts this state as "over").
inline bool post_handshake_message_waiting(const mbedtls_ssl_context* ssl) {
#if CLIPSHARE_MBEDTLS_TLS13
    return ssl->MBEDTLS_PRIVATE(state) != MBEDTLS_SSL_HANDSHAKE_OVER;
#else
    (void)ssl;
    return false;
#endif
}

// A stored session is a TLS 1.3 one.
inline bool stored_is_tls13(const mbedtls_ssl_session& session) {
#if CLIPSHARE_MBEDTLS_TLS13
    return session.MBEDTLS_PRIVATE(tls_version) == MBEDTLS_SSL_VERSION_TLS1_3;
#else
    (void)session;
    return false;
#endif
}

// The peer certificate a stored session carries (its end-entity certificate only), or
// nullptr: none kept (a TLS 1.3 ticket on 3.6, a build without KEEP_PEER_CERTIFICATE).
inline const mbedtls_x509_crt* stored_peer_certificate(const mbedtls_ssl_session& session) {
#if defined(MBEDTLS_SSL_KEEP_PEER_CERTIFICATE)
#if MBEDTLS_VERSION_MAJOR >= 3
    return session.MBEDTLS_PRIVATE(peer_cert);
#else
    return session.peer_cert;
#endif
#else
    (void)session;
    return nullptr;
#endif
}

// The verification result stored with a session (0: the certificate was verified).
inline std::uint32_t stored_verify_result(const mbedtls_ssl_session& session) {
#if MBEDTLS_VERSION_MAJOR >= 3
    return session.MBEDTLS_PRIVATE(verify_result);
#else
    return session.verify_result;
#endif
}

// Session-cache callbacks in this library's signature, for mbedtls_ssl_conf_session_cache.
// `Owner` has `mbedtls_ssl_cache_context* cache()` and `bool accept(const
// mbedtls_ssl_session&)`: a cached session it does not accept is a cache miss, i.e. a full
// handshake.
#if CLIPSHARE_MBEDTLS_CACHE
#if MBEDTLS_VERSION_MAJOR >= 3
template <class Owner>
int checked_cache_get(void* owner, const unsigned char* id, std::size_t id_length,
                      mbedtls_ssl_session* session) {
    auto* self = static_cast<Owner*>(owner);
    // `session` is mbedTLS's scratch copy, freed by the caller on a miss.
    const int rc = mbedtls_ssl_cache_get(self->cache(), id, id_length, session);
    if (rc != 0) return rc;
    return self->accept(*session) ? 0 : MBEDTLS_ERR_SSL_CACHE_ENTRY_NOT_FOUND;
}
template <class Owner>
int cache_set(void* owner, const unsigned char* id, std::size_t id_length,
              const mbedtls_ssl_session* session) {
    return mbedtls_ssl_cache_set(static_cast<Owner*>(owner)->cache(), id, id_length, session);
}
#else
template <class Owner>
int checked_cache_get(void* owner, mbedtls_ssl_session* session) {
    auto* self = static_cast<Owner*>(owner);
    // 2.28 fills the handshake's own session: look up into a scratch one (with the fields
    // the lookup matches on), so that a session refused here leaves nothing behind.
    mbedtls_ssl_session found;
    mbedtls_ssl_session_init(&found);
    found.ciphersuite = session->ciphersuite;
    found.compression = session->compression;
    found.id_len = session->id_len;
    std::memcpy(found.id, session->id, sizeof found.id);
    if (mbedtls_ssl_cache_get(self->cache(), &found) != 0 || !self->accept(found)) {
        mbedtls_ssl_session_free(&found);
        return 1;  // 2.28 takes any non-zero value as a miss
    }
    // Moved as mbedTLS moves sessions itself: the copy owns the pointers now.
    mbedtls_ssl_session_free(session);
    std::memcpy(static_cast<void*>(session), &found, sizeof found);
    return 0;
}
template <class Owner>
int cache_set(void* owner, const mbedtls_ssl_session* session) {
    return mbedtls_ssl_cache_set(static_cast<Owner*>(owner)->cache(), session);
}
#endif
#endif

// Where mbedTLS can (3.2+ with TLS 1.3 and SNI support, which holds the per-handshake
// authmode), TLS 1.3 handshakes verify the client certificate as "optional": the handshake
// then completes whatever the certificate, and the caller must refuse afterwards, judging
// mbedtls_ssl_get_verify_result and its own checks. TLS 1.2 handshakes keep "required" and
// refuse inside the handshake, as they always did. Returns whether TLS 1.3 handshakes are
// deferred, i.e. whether the caller must judge after a TLS 1.3 handshake.
#if CLIPSHARE_MBEDTLS_TLS13 && MBEDTLS_VERSION_NUMBER >= 0x03020000 && \
    defined(MBEDTLS_SSL_SERVER_NAME_INDICATION) && defined(MBEDTLS_SSL_SRV_C)
#define CLIPSHARE_MBEDTLS_DEFERRED_VERDICT 1
#else
#define CLIPSHARE_MBEDTLS_DEFERRED_VERDICT 0
#endif
inline bool defer_tls13_client_verdict(mbedtls_ssl_config* config) {
#if CLIPSHARE_MBEDTLS_DEFERRED_VERDICT
    mbedtls_ssl_conf_cert_cb(config, [](mbedtls_ssl_context* ssl) {
        if (mbedtls_ssl_get_version_number(ssl) == MBEDTLS_SSL_VERSION_TLS1_3) {
            mbedtls_ssl_set_hs_authmode(ssl, MBEDTLS_SSL_VERIFY_OPTIONAL);
        }
        return 0;
    });
    return true;
#else
    (void)config;
    return false;
#endif
}

// The TLS 1.3 cipher suite ids, and the TLS 1.2 ones, for one AEAD. Zero where this library
// has none.
struct AeadSuites {
    int tls13 = 0;
    int tls12_ecdsa = 0;
    int tls12_rsa = 0;
};
inline AeadSuites suites_for(std::string_view aead) {
    AeadSuites suites;
    if (aead == "CHACHA20-POLY1305") {
#if CLIPSHARE_MBEDTLS_TLS13
        suites.tls13 = MBEDTLS_TLS1_3_CHACHA20_POLY1305_SHA256;
#endif
        suites.tls12_ecdsa = MBEDTLS_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256;
        suites.tls12_rsa = MBEDTLS_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256;
    } else if (aead == "AES-128-GCM") {
#if CLIPSHARE_MBEDTLS_TLS13
        suites.tls13 = MBEDTLS_TLS1_3_AES_128_GCM_SHA256;
#endif
        suites.tls12_ecdsa = MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256;
        suites.tls12_rsa = MBEDTLS_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256;
    } else if (aead == "AES-256-GCM") {
#if CLIPSHARE_MBEDTLS_TLS13
        suites.tls13 = MBEDTLS_TLS1_3_AES_256_GCM_SHA384;
#endif
        suites.tls12_ecdsa = MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384;
        suites.tls12_rsa = MBEDTLS_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384;
    }
    return suites;
}

// Bytes of plaintext a record may carry, as this library was built: what its input and
// output buffers are sized for (plus a header and the cipher's overhead, about 350 bytes).
inline constexpr std::size_t in_content_length = MBEDTLS_SSL_IN_CONTENT_LEN;
inline constexpr std::size_t out_content_length = MBEDTLS_SSL_OUT_CONTENT_LEN;

// The version string, whether or not the library has MBEDTLS_VERSION_C.
inline constexpr const char* version_string = MBEDTLS_VERSION_STRING;

// ECDHE groups, cheapest first, for both ends. P-256 leads: mbedTLS makes its key pair with
// a precomputed table for the base point, so a P-256 exchange costs the daemon 0.76 ms of CPU
// against X25519's 0.92 ms on 3.6.6 (0.97 against 1.08 on 2.28; x86-64, -O2, measured with
// the PSA and ECDH calls TLS makes), and every handshake, resumed ones too, pays one. Both
// give 128-bit security and both are constant-time in mbedTLS. In TLS 1.2 the server's order
// picks the group; in TLS 1.3 the client's first key share that the server has, so our
// client's share is P-256, and a client that sends X25519 first (Java) keeps X25519. P-384
// and P-521 cost several times more and come last.
#if MBEDTLS_VERSION_MAJOR >= 3
namespace detail {

inline constexpr std::uint16_t key_exchange_groups[] = {
#if defined(MBEDTLS_ECP_DP_SECP256R1_ENABLED) || defined(PSA_WANT_ECC_SECP_R1_256)
    MBEDTLS_SSL_IANA_TLS_GROUP_SECP256R1,
#endif
#if defined(MBEDTLS_ECP_DP_CURVE25519_ENABLED) || defined(PSA_WANT_ECC_MONTGOMERY_255)
    MBEDTLS_SSL_IANA_TLS_GROUP_X25519,
#endif
#if defined(MBEDTLS_ECP_DP_SECP384R1_ENABLED) || defined(PSA_WANT_ECC_SECP_R1_384)
    MBEDTLS_SSL_IANA_TLS_GROUP_SECP384R1,
#endif
#if defined(MBEDTLS_ECP_DP_SECP521R1_ENABLED) || defined(PSA_WANT_ECC_SECP_R1_521)
    MBEDTLS_SSL_IANA_TLS_GROUP_SECP521R1,
#endif
    MBEDTLS_SSL_IANA_TLS_GROUP_NONE,
};

// `groups` in the same order without `dropped`, padded at the end with the terminator: made
// from the one list above at compile time, so the two lists cannot drift apart.
template <std::size_t N>
constexpr std::array<std::uint16_t, N> groups_without(const std::uint16_t (&groups)[N],
                                                      std::uint16_t dropped) {
    std::array<std::uint16_t, N> kept{};  // zero: MBEDTLS_SSL_IANA_TLS_GROUP_NONE
    std::size_t size = 0;
    for (const std::uint16_t group : groups) {
        if (group != dropped) kept[size++] = group;
    }
    return kept;
}

inline constexpr auto key_exchange_groups_without_x25519 =
    groups_without(key_exchange_groups, MBEDTLS_SSL_IANA_TLS_GROUP_X25519);
static_assert(MBEDTLS_SSL_IANA_TLS_GROUP_NONE == 0);

}  // namespace detail
#endif

inline void set_key_exchange_groups(mbedtls_ssl_config* config) {
#if MBEDTLS_VERSION_MAJOR >= 3
    mbedtls_ssl_conf_groups(config, detail::key_exchange_groups);
#else
    // 2.28 names curves by its own enum; the order is the one above.
    static const mbedtls_ecp_group_id groups[] = {
#if defined(MBEDTLS_ECP_DP_SECP256R1_ENABLED)
        MBEDTLS_ECP_DP_SECP256R1,
#endif
#if defined(MBEDTLS_ECP_DP_CURVE25519_ENABLED)
        MBEDTLS_ECP_DP_CURVE25519,
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

// Whether a configuration for clients that send a P-256 key share (below) differs from the
// ordinary one: TLS 1.3 with both P-256 and X25519 in the build, by the same macros as the
// group list above. Known at compile time, so TlsContext makes those configurations only here.
#if CLIPSHARE_MBEDTLS_TLS13 &&                                                          \
    (defined(MBEDTLS_ECP_DP_SECP256R1_ENABLED) || defined(PSA_WANT_ECC_SECP_R1_256)) && \
    (defined(MBEDTLS_ECP_DP_CURVE25519_ENABLED) || defined(PSA_WANT_ECC_MONTGOMERY_255))
#define CLIPSHARE_MBEDTLS_P256_SHARE_GROUPS 1
#else
#define CLIPSHARE_MBEDTLS_P256_SHARE_GROUPS 0
#endif
inline constexpr bool has_p256_share_groups = CLIPSHARE_MBEDTLS_P256_SHARE_GROUPS == 1;

// Server, for a TLS 1.3 client whose ClientHello carries a P-256 key share besides others
// (Java sends X25519's first): the same groups without X25519, so that mbedTLS, which takes
// the client's first share it has, takes the P-256 one. Leaves the list where
// has_p256_share_groups is false: then no such configuration is needed.
inline void set_key_exchange_groups_for_p256_share(mbedtls_ssl_config* config) {
#if CLIPSHARE_MBEDTLS_P256_SHARE_GROUPS
    static_assert(detail::key_exchange_groups_without_x25519[0] ==
                  MBEDTLS_SSL_IANA_TLS_GROUP_SECP256R1);
    mbedtls_ssl_conf_groups(config, detail::key_exchange_groups_without_x25519.data());
#else
    (void)config;
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
