#include "net/tls_cipher_choice.hpp"

#include "build_config.hpp"

#if CLIPSHARE_HAVE_TLS
#include <mbedtls/version.h>  // first: pulls in the build configuration on 2.28 and 3.x
#if MBEDTLS_VERSION_MAJOR < 3 && defined(MBEDTLS_AESNI_C)
#include <mbedtls/aesni.h>  // public in 2.28 only; 3.x made it internal
#endif
#endif

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#elif (defined(__aarch64__) || defined(__arm__)) && defined(__linux__)
#include <sys/auxv.h>
#endif

namespace clipshare {
namespace {

AesInstructions cpu_aes_instructions() {
#if defined(__x86_64__) || defined(__i386__)
    unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
    if (__get_cpuid(1, &eax, &ebx, &ecx, &edx) != 0 && (ecx & bit_AES) != 0 &&
        (ecx & bit_PCLMUL) != 0) {
        return AesInstructions::x86_aesni;
    }
#elif defined(__aarch64__) && defined(__linux__)
    // The kernel's HWCAP bits for aarch64 (asm/hwcap.h), spelled out for old C libraries.
    constexpr unsigned long aes = 1UL << 3;
    constexpr unsigned long pmull = 1UL << 4;
    const unsigned long caps = getauxval(AT_HWCAP);
    if ((caps & aes) != 0 && (caps & pmull) != 0) return AesInstructions::armv8_crypto;
#elif defined(__arm__) && defined(__linux__)
    // 32-bit Arm: an Armv8 core reports its crypto extension in AT_HWCAP2.
    constexpr unsigned long aes = 1UL << 0;
    constexpr unsigned long pmull = 1UL << 1;
    const unsigned long caps = getauxval(AT_HWCAP2);
    if ((caps & aes) != 0 && (caps & pmull) != 0) return AesInstructions::armv8_crypto;
#endif
    return AesInstructions::none;
}

// Whether this mbedTLS build runs AES-GCM on `cpu`'s instructions. 2.28 has AES-NI code
// (MBEDTLS_AESNI_C, x86-64 assembly) and says at run time whether it uses it; it has no Arm
// code. 3.6 has AES-NI code for x86-64 and code for the Armv8 extension (MBEDTLS_AESCE_C, on
// Armv8-A with NEON); it asks the CPU the same questions as cpu_aes_instructions() and uses
// them when the answer is yes, so here the build configuration decides.
bool used_by_library(AesInstructions cpu) {
#if CLIPSHARE_HAVE_TLS
    switch (cpu) {
        case AesInstructions::none:
            return false;
        case AesInstructions::x86_aesni:
#if MBEDTLS_VERSION_MAJOR < 3 && defined(MBEDTLS_AESNI_C) && defined(MBEDTLS_AESNI_HAVE_CODE)
            return mbedtls_aesni_has_support(MBEDTLS_AESNI_AES) != 0 &&
                   mbedtls_aesni_has_support(MBEDTLS_AESNI_CLMUL) != 0;
#elif MBEDTLS_VERSION_MAJOR >= 3 && defined(MBEDTLS_AESNI_C) && defined(MBEDTLS_AES_C) && \
    defined(MBEDTLS_ARCH_IS_X64)
            return true;
#else
            return false;
#endif
        case AesInstructions::armv8_crypto:
#if MBEDTLS_VERSION_MAJOR >= 3 && defined(MBEDTLS_AESCE_C) && defined(MBEDTLS_AES_C) && \
    defined(MBEDTLS_ARCH_IS_ARMV8_A) && defined(__ARM_NEON)
            return true;
#else
            return false;
#endif
    }
#endif
    (void)cpu;
    return false;
}

const char* library_name() {
#if CLIPSHARE_HAVE_TLS
    return "mbedTLS " MBEDTLS_VERSION_STRING;
#else
    return "this build (no TLS)";
#endif
}

}  // namespace

const AesHardware& aes_hardware() {
    static const AesHardware hardware = [] {
        AesHardware found;
        found.cpu = cpu_aes_instructions();
        found.used_by_library = used_by_library(found.cpu);
        return found;
    }();
    return hardware;
}

// Measured with bench/cipher_speed (bench/README.md) on an x86-64 with AES-NI that both
// mbedTLS 2.28 and 3.6 use: their AES-GCM (one block at a time, GHASH with PCLMULQDQ) still
// seals and opens at 0.5 to 0.7 times the speed of their ChaCha20-Poly1305, so x86 keeps
// ChaCha20 first. Without AES instructions mbedTLS's table AES and GHASH are slower still
// (every MIPS router). With the Armv8 extension, mbedTLS 3.6 does each AES round and each
// GHASH multiply in one instruction, while its ChaCha20 is portable C without NEON: AES-GCM
// goes first there.
std::vector<std::string> default_tls_ciphers(const AesHardware& hardware) {
    if (hardware.cpu == AesInstructions::armv8_crypto && hardware.used_by_library) {
        return {"AES-128-GCM", "CHACHA20-POLY1305", "AES-256-GCM"};
    }
    return {"CHACHA20-POLY1305", "AES-128-GCM", "AES-256-GCM"};
}

std::string cipher_choice_reason(const AesHardware& hardware) {
    const std::string library = library_name();
    switch (hardware.cpu) {
        case AesInstructions::none:
            return "no AES instructions in this CPU: ChaCha20-Poly1305 first";
        case AesInstructions::x86_aesni:
            return hardware.used_by_library
                       ? library +
                             " uses this CPU's AES-NI, but its ChaCha20-Poly1305 is "
                             "faster still: ChaCha20-Poly1305 first"
                       : "this CPU has AES-NI, but " + library +
                             " does not use it: ChaCha20-Poly1305 first";
        case AesInstructions::armv8_crypto:
            return hardware.used_by_library
                       ? library + " uses this CPU's Armv8 crypto extension: AES-128-GCM first"
                       : "this CPU has the Armv8 crypto extension, but " + library +
                             " does not use it: ChaCha20-Poly1305 first";
    }
    return {};
}

}  // namespace clipshare
