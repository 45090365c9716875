// The default order of [tls] ciphers: the choice for each hardware answer, handed in, and the
// detection on the machine the tests run on, checked against /proc/cpuinfo.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>

#include "config/load.hpp"
#include "net/tls_cipher_choice.hpp"

namespace clipshare {
namespace {

using Order = std::vector<std::string>;
const Order chacha_first{"CHACHA20-POLY1305", "AES-128-GCM", "AES-256-GCM"};
const Order aes_first{"AES-128-GCM", "CHACHA20-POLY1305", "AES-256-GCM"};

TEST(TlsCipherChoice, WithoutAesInstructionsChaCha20LeadsAsOnMipsRouters) {
    EXPECT_EQ(default_tls_ciphers({AesInstructions::none, false}), chacha_first);
    EXPECT_NE(cipher_choice_reason({AesInstructions::none, false}).find("no AES instructions"),
              std::string::npos);
}

TEST(TlsCipherChoice, Armv8CryptoExtensionUsedByMbedtlsPutsAesGcmFirst) {
    EXPECT_EQ(default_tls_ciphers({AesInstructions::armv8_crypto, true}), aes_first);
    EXPECT_NE(cipher_choice_reason({AesInstructions::armv8_crypto, true}).find("AES-128-GCM first"),
              std::string::npos);
}

TEST(TlsCipherChoice, InstructionsTheLibraryDoesNotUseChangeNothing) {
    // mbedTLS 2.28 has no Arm code, and any build may lack MBEDTLS_AESNI_C.
    EXPECT_EQ(default_tls_ciphers({AesInstructions::armv8_crypto, false}), chacha_first);
    EXPECT_EQ(default_tls_ciphers({AesInstructions::x86_aesni, false}), chacha_first);
    EXPECT_NE(cipher_choice_reason({AesInstructions::armv8_crypto, false}).find("does not use it"),
              std::string::npos);
}

TEST(TlsCipherChoice, AesNiKeepsChaCha20FirstBecauseMbedtlsChaCha20MeasuredFaster) {
    // bench/README.md: with AES-NI in use, mbedTLS 2.28 and 3.6 AES-GCM run at 0.5-0.7 times
    // their ChaCha20-Poly1305 on x86-64.
    EXPECT_EQ(default_tls_ciphers({AesInstructions::x86_aesni, true}), chacha_first);
    EXPECT_NE(
        cipher_choice_reason({AesInstructions::x86_aesni, true}).find("uses this CPU's AES-NI"),
        std::string::npos);
}

TEST(TlsCipherChoice, EveryOrderNamesEachCipherOnce) {
    for (auto cpu :
         {AesInstructions::none, AesInstructions::x86_aesni, AesInstructions::armv8_crypto}) {
        for (bool used : {false, true}) {
            Order order = default_tls_ciphers({cpu, used});
            std::sort(order.begin(), order.end());
            EXPECT_EQ(order, (Order{"AES-128-GCM", "AES-256-GCM", "CHACHA20-POLY1305"}));
        }
    }
}

// What the kernel says about this CPU: the flags (x86) or features (Arm) line.
std::string cpu_flags() {
    std::ifstream in{"/proc/cpuinfo"};
    for (std::string line; std::getline(in, line);) {
        if (line.rfind("flags", 0) == 0 || line.rfind("Features", 0) == 0) return line + " ";
    }
    return {};
}
bool has_flag(const std::string& flags, const std::string& flag) {
    return flags.find(" " + flag + " ") != std::string::npos;
}

TEST(TlsCipherChoice, DetectionAgreesWithProcCpuinfo) {
    const std::string flags = cpu_flags();
    if (flags.empty()) GTEST_SKIP() << "no /proc/cpuinfo flags";
    const AesHardware& found = aes_hardware();
#if defined(__x86_64__) || defined(__i386__)
    const bool has = has_flag(flags, "aes") && has_flag(flags, "pclmulqdq");
    EXPECT_EQ(found.cpu, has ? AesInstructions::x86_aesni : AesInstructions::none) << flags;
#elif defined(__aarch64__) || defined(__arm__)
    const bool has = has_flag(flags, "aes") && has_flag(flags, "pmull");
    EXPECT_EQ(found.cpu, has ? AesInstructions::armv8_crypto : AesInstructions::none) << flags;
#else
    EXPECT_EQ(found.cpu, AesInstructions::none);
#endif
    if (found.cpu == AesInstructions::none) {
        EXPECT_FALSE(found.used_by_library);
    }
    EXPECT_EQ(&found, &aes_hardware());  // asked once
}

TEST(TlsCipherChoice, TheConfigDefaultIsTheChoiceForThisMachineAndASetListWins) {
    auto result = parse_config("", "/etc/clipshared.toml");
    ASSERT_TRUE(result.config) << result.error;
    EXPECT_EQ(result.config->tls.ciphers, default_tls_ciphers(aes_hardware()));
    result = parse_config("[tls]\nciphers = [\"AES-256-GCM\"]\n", "/etc/clipshared.toml");
    ASSERT_TRUE(result.config) << result.error;
    EXPECT_EQ(result.config->tls.ciphers, Order{"AES-256-GCM"});
}

}  // namespace
}  // namespace clipshare
