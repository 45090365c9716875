// Certificates for the TLS tests, made once per test program with etc/make-certs.sh (and so
// with the openssl CLI): a CA with a server and the clients phone, laptop and eve, and a
// second, unrelated CA with its own client phone; all with make-certs.sh's default keys (an
// ECDSA P-256 server key, RSA for the CA and the clients). And, made only when a test asks,
// sets with every key RSA or every key ECDSA.
#pragma once

#include <filesystem>
#include <string>

#include "tls_client.hpp"

namespace clipshare::test {

struct TestCertificates {
    std::filesystem::path dir;    // ca.crt, server.crt, server.key, NAME.crt, NAME.key, NAME.pfx
    std::filesystem::path other;  // the unrelated CA's ca.crt, phone.crt, phone.key

    // A [tls] section using these files, on port @TLS_PORT@, plus `extra` lines.
    std::string tls_section(const std::string& allowed_clients,
                            const std::string& extra = {}) const;
    // Client options for `name` of the main CA (or of the other CA).
    TlsClient::Options client(const std::string& name, bool from_other_ca = false) const;
};

// The highest TLS version the daemons of this run may speak: "1.2" when the environment sets
// CLIPSHARE_TEST_TLS_MAX_VERSION=1.2 (tests/meson.build runs the TLS tests once more that way
// on builds with TLS 1.3), else "" (the daemon's default: the highest it has).
std::string test_tls_max_version();

// Made on first use; fails the calling test (and returns empty paths) if openssl fails.
const TestCertificates& test_certificates();
// The same with `make-certs.sh -k rsa` (all RSA) or `-k ec -c ec` (all ECDSA): ca.crt, the
// server and the clients phone and eve (no `other` CA).
const TestCertificates& test_rsa_certificates();
const TestCertificates& test_ecdsa_certificates();

}  // namespace clipshare::test
