// [tls] min_version, max_version and ciphers: accepted forms, one-line errors naming the line
// and key, and describe_config output that reads back the same.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "config/load.hpp"

namespace clipshare {
namespace {

const std::filesystem::path kFile = "/srv/clip/clipshared.toml";

std::string error_of(const std::string& text) {
    auto result = parse_config(text, kFile);
    EXPECT_FALSE(result.config) << text;
    return result.error;
}

TEST(ConfigTls, DefaultsOfferBothVersionsAndEveryCipher) {
    auto result = parse_config("", kFile);
    ASSERT_TRUE(result.config) << result.error;
    EXPECT_EQ(result.config->tls.min_version, "1.2");
    EXPECT_EQ(result.config->tls.max_version, "1.3");
    // In the order for this machine (test_tls_cipher_choice.cpp).
    EXPECT_EQ(result.config->tls.ciphers, default_tls_ciphers(aes_hardware()));
}

TEST(ConfigTls, VersionsAndCiphersAreRead) {
    auto result = parse_config(
        "[tls]\nmin_version = \"1.3\"\nmax_version = \"1.3\"\n"
        "ciphers = [\"aes-256-gcm\", \"ChaCha20-Poly1305\"]\n",
        kFile);
    ASSERT_TRUE(result.config) << result.error;
    EXPECT_EQ(result.config->tls.min_version, "1.3");
    EXPECT_EQ(result.config->tls.max_version, "1.3");
    // Any case is accepted and stored in the canonical spelling.
    EXPECT_EQ(result.config->tls.ciphers,
              (std::vector<std::string>{"AES-256-GCM", "CHACHA20-POLY1305"}));
}

TEST(ConfigTls, UnknownVersionIsAnErrorNamingLineAndKey) {
    EXPECT_EQ(error_of("[tls]\n\nmin_version = \"1.1\"\n"),
              "/srv/clip/clipshared.toml:3: key 'tls.min_version': must be \"1.2\" or \"1.3\", "
              "got \"1.1\"");
    EXPECT_NE(error_of("[tls]\nmax_version = 1.3\n")
                  .find("key 'tls.max_version': expected a "
                        "string"),
              std::string::npos);
}

TEST(ConfigTls, ReversedVersionRangeIsRefused) {
    EXPECT_EQ(error_of("[tls]\nmax_version = \"1.2\"\nmin_version = \"1.3\"\n"),
              "/srv/clip/clipshared.toml:3: key 'tls.min_version': \"1.3\" is greater than "
              "tls.max_version (\"1.2\")");
}

TEST(ConfigTls, CipherListErrors) {
    EXPECT_EQ(error_of("[tls]\nciphers = [\"AES-128-CBC\"]\n"),
              "/srv/clip/clipshared.toml:2: key 'tls.ciphers': \"AES-128-CBC\" is not one of "
              "\"CHACHA20-POLY1305\", \"AES-128-GCM\", \"AES-256-GCM\"");
    EXPECT_EQ(error_of("[tls]\nciphers = [\"AES-128-GCM\", \"aes-128-gcm\"]\n"),
              "/srv/clip/clipshared.toml:2: key 'tls.ciphers': \"AES-128-GCM\" is named twice");
    EXPECT_EQ(error_of("[tls]\nciphers = []\n"),
              "/srv/clip/clipshared.toml:2: key 'tls.ciphers': must name at least one cipher");
    EXPECT_NE(error_of("[tls]\nciphers = \"AES-128-GCM\"\n").find("expected an array"),
              std::string::npos);
}

TEST(ConfigTls, DescribeConfigReadsBack) {
    auto first = parse_config("[tls]\nmin_version = \"1.3\"\nciphers = [\"AES-128-GCM\"]\n", kFile);
    ASSERT_TRUE(first.config) << first.error;
    const std::string text = describe_config(*first.config);
    EXPECT_NE(text.find("min_version = \"1.3\"\nmax_version = \"1.3\"\nciphers = "
                        "[\"AES-128-GCM\"]\n"),
              std::string::npos)
        << text;
    auto again = parse_config(text, kFile);
    ASSERT_TRUE(again.config) << again.error;
    EXPECT_EQ(again.config->tls.min_version, "1.3");
    EXPECT_EQ(again.config->tls.ciphers, std::vector<std::string>{"AES-128-GCM"});
}

// [tls] resume_with_ecdhe: a boolean, true unless set, printed by clipshared -t and read back.
TEST(ConfigTls, ResumeWithEcdheDefaultsTrueAndReadsBack) {
    auto defaults = parse_config("", kFile);
    ASSERT_TRUE(defaults.config) << defaults.error;
    EXPECT_TRUE(defaults.config->tls.resume_with_ecdhe);
    EXPECT_NE(describe_config(*defaults.config).find("resume_with_ecdhe = true\n"),
              std::string::npos);

    auto off = parse_config("[tls]\nresume_with_ecdhe = false\n", kFile);
    ASSERT_TRUE(off.config) << off.error;
    EXPECT_FALSE(off.config->tls.resume_with_ecdhe);
    const std::string text = describe_config(*off.config);
    EXPECT_NE(text.find("resume_with_ecdhe = false\n"), std::string::npos) << text;
    auto again = parse_config(text, kFile);
    ASSERT_TRUE(again.config) << again.error;
    EXPECT_FALSE(again.config->tls.resume_with_ecdhe);
}

TEST(ConfigTls, ResumeWithEcdheMustBeABoolean) {
    const std::string error = error_of("[tls]\nresume_with_ecdhe = \"no\"\n");
    EXPECT_NE(error.find(kFile.string() + ":2:"), std::string::npos) << error;
    EXPECT_NE(error.find("'tls.resume_with_ecdhe'"), std::string::npos) << error;
}

}  // namespace
}  // namespace clipshare

namespace clipshare {
namespace {

// [web] allowed_hosts (beside the TLS keys: both are the web port's trust).
TEST(ConfigWeb, AllowedHostsAreReadAndPrintedBack) {
    auto first = parse_config("[web]\nallowed_hosts = [\"router.home.arpa\", \"clip-1\"]\n",
                              "/srv/clip/clipshared.toml");
    ASSERT_TRUE(first.config) << first.error;
    EXPECT_EQ(first.config->web.allowed_hosts,
              (std::vector<std::string>{"router.home.arpa", "clip-1"}));
    auto again = parse_config(describe_config(*first.config), "/srv/clip/clipshared.toml");
    ASSERT_TRUE(again.config) << again.error;
    EXPECT_EQ(again.config->web.allowed_hosts, first.config->web.allowed_hosts);
}

TEST(ConfigWeb, AllowedHostsDefaultEmptyAndRefuseNonNames) {
    auto defaults = parse_config("", "/srv/clip/clipshared.toml");
    ASSERT_TRUE(defaults.config);
    EXPECT_TRUE(defaults.config->web.allowed_hosts.empty());
    for (const char* bad : {"[\"\"]", "[\"a b\"]", "[\"evil.com/x\"]", "\"router\"", "[1]"}) {
        auto result = parse_config(std::string{"[web]\nallowed_hosts = "} + bad + "\n",
                                   "/srv/clip/clipshared.toml");
        EXPECT_FALSE(result.config) << bad;
        EXPECT_NE(result.error.find("allowed_hosts"), std::string::npos) << result.error;
    }
}

}  // namespace
}  // namespace clipshare
