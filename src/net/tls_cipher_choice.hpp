// The default order of [tls] ciphers for the machine the daemon runs on: AES-GCM first only
// where this mbedTLS build runs it on AES instructions fast enough to beat its
// ChaCha20-Poly1305, ChaCha20-Poly1305 first everywhere else (every MIPS router). The
// hardware is asked once per process; the choice itself is a function of the answer, so that
// tests can hand it any answer.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace clipshare {

// The instructions an AES-GCM implementation needs, as the CPU has them: AES rounds and the
// carry-less multiply of GHASH.
enum class AesInstructions : std::uint8_t {
    none,
    x86_aesni,     // AES-NI and PCLMULQDQ (cpuid)
    armv8_crypto,  // the Armv8 cryptographic extension: AES and PMULL (getauxval)
};

struct AesHardware {
    AesInstructions cpu = AesInstructions::none;
    // Whether this mbedTLS build has code for those instructions and runs AES-GCM on them.
    bool used_by_library = false;
};

// What this process runs on: detected on the first call, then remembered.
const AesHardware& aes_hardware();

// [tls] ciphers when the configuration does not set it (see the definition for why).
std::vector<std::string> default_tls_ciphers(const AesHardware& hardware);

// One line for the log: what the hardware answer was and which cipher the order puts first.
std::string cipher_choice_reason(const AesHardware& hardware);

}  // namespace clipshare
