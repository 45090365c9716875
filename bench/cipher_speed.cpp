// cipher_speed: how fast this machine's mbedTLS seals and opens TLS records with each AEAD
// that clipshared offers. It calls the same generic cipher API the TLS record layer uses,
// on full 16 KiB records with a 13-byte header as additional data, so the figures are the
// ceiling for one TLS connection on one core.
//
//   bench/cipher_speed [SECONDS_PER_CIPHER]
#include <mbedtls/cipher.h>
#include <mbedtls/version.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

namespace {

constexpr std::size_t record_size = 16384;
constexpr std::size_t tag_size = 16;

struct Aead {
    const char* name;
    mbedtls_cipher_type_t type;
    unsigned key_bits;
};

// MB/s (10^6 bytes per second) of plaintext for `seconds` of sealing (or opening) records.
double measure(const Aead& aead, bool seal, double seconds) {
    mbedtls_cipher_context_t context;
    mbedtls_cipher_init(&context);
    const mbedtls_cipher_info_t* info = mbedtls_cipher_info_from_type(aead.type);
    std::vector<unsigned char> key(aead.key_bits / 8, 0x42);
    if (info == nullptr || mbedtls_cipher_setup(&context, info) != 0 ||
        mbedtls_cipher_setkey(&context, key.data(), static_cast<int>(aead.key_bits),
                              seal ? MBEDTLS_ENCRYPT : MBEDTLS_DECRYPT) != 0) {
        mbedtls_cipher_free(&context);
        return -1;
    }
    unsigned char nonce[12] = {};
    unsigned char header[13] = {23, 3, 3};
    std::vector<unsigned char> plain(record_size, 0x5a);
    std::vector<unsigned char> sealed(record_size + tag_size);
    std::size_t length = 0;
    if (!seal) {
        // Opening needs a genuine record to authenticate.
        mbedtls_cipher_context_t sealer;
        mbedtls_cipher_init(&sealer);
        mbedtls_cipher_setup(&sealer, info);
        mbedtls_cipher_setkey(&sealer, key.data(), static_cast<int>(aead.key_bits),
                              MBEDTLS_ENCRYPT);
        mbedtls_cipher_auth_encrypt_ext(&sealer, nonce, sizeof nonce, header, sizeof header,
                                        plain.data(), plain.size(), sealed.data(), sealed.size(),
                                        &length, tag_size);
        mbedtls_cipher_free(&sealer);
    }
    using clock = std::chrono::steady_clock;
    auto start = clock::now();
    auto deadline = start + std::chrono::duration<double>(seconds);
    std::size_t bytes = 0;
    int rc = 0;
    while (rc == 0 && clock::now() < deadline) {
        for (int i = 0; i < 16 && rc == 0; ++i) {
            if (seal) {
                ++nonce[11];  // a fresh nonce per record, as TLS does
                rc = mbedtls_cipher_auth_encrypt_ext(
                    &context, nonce, sizeof nonce, header, sizeof header, plain.data(),
                    plain.size(), sealed.data(), sealed.size(), &length, tag_size);
            } else {
                rc = mbedtls_cipher_auth_decrypt_ext(&context, nonce, sizeof nonce, header,
                                                     sizeof header, sealed.data(), sealed.size(),
                                                     plain.data(), plain.size(), &length, tag_size);
            }
            bytes += record_size;
        }
    }
    double elapsed = std::chrono::duration<double>(clock::now() - start).count();
    mbedtls_cipher_free(&context);
    return rc == 0 ? static_cast<double>(bytes) / elapsed / 1e6 : -1;
}

}  // namespace

int main(int argc, char** argv) {
    double seconds = argc > 1 ? std::atof(argv[1]) : 2.0;
    if (seconds <= 0) seconds = 2.0;
    char version[32] = {};
    mbedtls_version_get_string(version);
    std::printf("mbedTLS %s, %zu-byte records, %.1f s per figure\n", version, record_size, seconds);
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
