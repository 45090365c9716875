// cipher_speed: how fast this machine's mbedTLS seals and opens TLS records with each AEAD
// that clipshared offers. It calls the same generic cipher API the TLS record layer uses,
// on full 16 KiB records with a 13-byte header as additional data, so the figures are the
// ceiling for one TLS connection on one core.
//
//   bench/cipher_speed [SECONDS_PER_CIPHER]
#include "../src/net/mbedtls_compat.hpp"
#include "cipher_measure.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

using bench::Aead;
using bench::measure;
using bench::record_size;

int main(int argc, char** argv) {
    double seconds = argc > 1 ? std::atof(argv[1]) : 2.0;
    if (seconds <= 0) seconds = 2.0;
    // The macro rather than mbedtls_version_get_string(): OpenWrt builds mbedTLS without
    // MBEDTLS_VERSION_C, and the macro is what this program was compiled against anyway.
    std::printf("mbedTLS %s, %zu-byte records, %.1f s per figure\n",
                clipshare::mbedtls_compat::version_string, record_size, seconds);
    const Aead aeads[] = {
        {"AES-128-GCM", MBEDTLS_CIPHER_AES_128_GCM, 128},
        {"AES-256-GCM", MBEDTLS_CIPHER_AES_256_GCM, 256},
#if defined(MBEDTLS_CHACHAPOLY_C)
        {"CHACHA20-POLY1305", MBEDTLS_CIPHER_CHACHA20_POLY1305, 256},
#endif
    };
    std::printf("%-20s %12s %12s\n", "cipher", "seal MB/s", "open MB/s");
    for (const Aead& aead : aeads) {
        std::printf("%-20s %12.0f %12.0f\n", aead.name, measure(aead, true, seconds),
                    measure(aead, false, seconds));
        std::fflush(stdout);
    }
    return 0;
}
