// How fast this machine's mbedTLS seals and opens full TLS records with one AEAD: shared by
// cipher_speed and the benchmark, which prints it next to what clipshared moves over TLS.
#pragma once

#include <mbedtls/cipher.h>

#include <chrono>
#include <vector>

namespace bench {

constexpr std::size_t record_size = 16384;
constexpr std::size_t tag_size = 16;

struct Aead {
    const char* name;
    mbedtls_cipher_type_t type;
    unsigned key_bits;
};

// MB/s (10^6 bytes per second) of plaintext for `seconds` of sealing (or opening) records.
inline double measure(const Aead& aead, bool seal, double seconds) {
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

}  // namespace bench
