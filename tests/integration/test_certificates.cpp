#include "test_certificates.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <memory>

#include "daemon_fixture.hpp"

namespace clipshare::test {
namespace {

std::filesystem::path make_certs_script() {
    const char* path = std::getenv("MAKE_CERTS");
    return path != nullptr ? path : "etc/make-certs.sh";
}

bool make(const std::filesystem::path& dir, std::vector<std::string> clients,
          const std::vector<std::string>& key_types = {}) {
    std::vector<std::string> argv{"/bin/sh", make_certs_script().string(), "-d", dir.string()};
    argv.insert(argv.end(), key_types.begin(), key_types.end());
    argv.insert(argv.end(), clients.begin(), clients.end());
    auto result = run_command(argv, {"CLIPSHARE_PFX_PASSWORD=test"});
    EXPECT_EQ(result.exit_status, 0) << result.out << result.err;
    return result.exit_status == 0;
}

}  // namespace

std::string test_tls_max_version() {
    const char* value = std::getenv("CLIPSHARE_TEST_TLS_MAX_VERSION");
    return value != nullptr ? value : "";
}

std::string TestCertificates::tls_section(const std::string& allowed_clients,
                                          const std::string& extra) const {
    auto quoted = [](const std::filesystem::path& path) { return "\"" + path.string() + "\""; };
    std::string section = "[tls]\nenabled = true\nport = @TLS_PORT@\n";
    section += "certificate = " + quoted(dir / "server.crt") + "\n";
    section += "private_key = " + quoted(dir / "server.key") + "\n";
    section += "ca = " + quoted(dir / "ca.crt") + "\n";
    section += "allowed_clients = " + allowed_clients + "\n";
    if (auto version = test_tls_max_version(); !version.empty()) {
        section += "max_version = \"" + version + "\"\n";
    }
    return section + extra;
}

TlsClient::Options TestCertificates::client(const std::string& name, bool from_other_ca) const {
    const auto& base = from_other_ca ? other : dir;
    return {dir / "ca.crt", base / (name + ".crt"), base / (name + ".key")};
}

const TestCertificates& test_certificates() {
    // Kept for the whole program: key generation is the slow part of these tests.
    static std::unique_ptr<TempDir> storage;
    static TestCertificates certificates;
    if (!storage) {
        storage = std::make_unique<TempDir>();
        certificates.dir = storage->path() / "pki";
        certificates.other = storage->path() / "other";
        if (!make(certificates.dir, {"phone", "laptop", "eve"}) ||
            !make(certificates.other, {"phone"})) {
            certificates = {};
        }
    }
    return certificates;
}

namespace {

// One set of `make-certs.sh KEY_TYPES -d ... phone eve`, made on first use.
const TestCertificates& other_key_types(std::unique_ptr<TempDir>& storage,
                                        TestCertificates& certificates,
                                        const std::vector<std::string>& key_types) {
    if (!storage) {
        storage = std::make_unique<TempDir>();
        certificates.dir = storage->path() / "pki";
        if (!make(certificates.dir, {"phone", "eve"}, key_types)) certificates = {};
    }
    return certificates;
}

}  // namespace

const TestCertificates& test_rsa_certificates() {
    static std::unique_ptr<TempDir> storage;
    static TestCertificates certificates;
    return other_key_types(storage, certificates, {"-k", "rsa"});
}

const TestCertificates& test_ecdsa_certificates() {
    static std::unique_ptr<TempDir> storage;
    static TestCertificates certificates;
    return other_key_types(storage, certificates, {"-k", "ec", "-c", "ec"});
}

}  // namespace clipshare::test
