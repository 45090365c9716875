/* clipshare's additions to mbedTLS's default configuration, used only when meson builds the
 * mbedTLS 3.6 subproject (-Dmbedtls_tuning=true, the default); a system mbedTLS keeps the
 * configuration it was built with.
 *
 * Why: every TLS connection holds an input and an output record buffer for its whole life.
 * By default each is 16 KiB plus overhead, most of an idle connection's memory.
 */

/* Records we send carry at most 8 KiB of plaintext: 8 KiB less per connection than the
 * 16 KiB default, and any peer accepts records shorter than the maximum. 4 KiB saved 4 KiB
 * more but cost a download dearly, as mbedTLS 3.6 pays a fixed price per record: a
 * ChaCha20-Poly1305 download went at 284-326 MiB/s with 4 KiB records, 378-415 with 8 KiB
 * and 412-422 with 16 KiB (bench/README.md), and ChaCha20 is the cipher of a router without
 * AES instructions. The whole certificate chain we present
 * must fit in one record: clipshared checks that at start-up and says so. */
#define MBEDTLS_SSL_OUT_CONTENT_LEN 8192

/* The input buffer stays at the 16 KiB the TLS standard lets a peer send: the ClipShare apps
 * (Android's TLS stack) send full-size records and negotiate no smaller maximum, so a smaller
 * one would break their uploads. */
#define MBEDTLS_SSL_IN_CONTENT_LEN 16384

/* MBEDTLS_SSL_VARIABLE_BUFFER_LENGTH stays off. It shrinks the buffers after a TLS 1.2
 * handshake to what max_fragment_length allows, and where the peer negotiated none mbedTLS
 * takes the lesser of the two content lengths (MBEDTLS_TLS_EXT_ADV_CONTENT_LEN), our output's:
 * the input buffer then lost room for the 16 KiB records every TLS 1.2 client may send, and
 * such a client's first full record failed with "Bad input parameters" (found with OpenSSL's
 * client; tests/tls13_s_client.sh checks it). No ClipShare client negotiates
 * max_fragment_length, so it saved nothing for them. */

/* mbedTLS 3.6's PSA crypto keeps its keys (TLS 1.3's ECDHE and traffic keys among them) in one
 * process-wide table, unguarded without MBEDTLS_THREADING_C. clipshared uses mbedTLS from its
 * loop thread only, but the benchmark's and the tests' TLS clients run on many threads at
 * once, and without locks they corrupted the heap (clipshare_bench --only handshakes, 64
 * clients with TLS 1.3 tickets). A mutex per key-table access costs nothing measurable beside
 * the public-key operations of a handshake. OpenWrt's own mbedTLS has threading on too. */
#define MBEDTLS_THREADING_C
#define MBEDTLS_THREADING_PTHREAD
