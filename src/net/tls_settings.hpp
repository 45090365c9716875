// The [tls] section as the TLS layer takes it. net/ declares it and config/ reads it (config
// sits above net; net never sees the rest of the configuration).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "net/tls_cipher_choice.hpp"

namespace clipshare {

struct TlsSection {
    bool enabled = false;
    std::uint16_t port = 4338;
    std::filesystem::path certificate{"server.crt"};
    std::filesystem::path private_key{"server.key"};
    std::filesystem::path ca{"ca.crt"};
    // Exactly one of these is meaningful: a file of names, or an inline TOML array.
    std::filesystem::path allowed_clients_file{"allowed_clients.txt"};
    std::optional<std::vector<std::string>> allowed_clients_inline;
    std::int64_t handshake_timeout = 10;  // seconds
    // Connection slots that only the TLS port may use: unauthenticated plain clients cannot
    // lock out certificate holders.
    std::int64_t reserved_connections = 32;
    // TLS handshakes in progress at once; more wait in line for a slot (net/handshake_slots).
    std::int64_t max_handshakes = 8;
    // The TLS versions offered, "1.2" or "1.3". max_version "1.3" means "1.3 where the mbedTLS
    // build has it"; min_version "1.3" needs a build that has it (a start-up error otherwise).
    std::string min_version{"1.2"};
    std::string max_version{"1.3"};
    // The server's order of preference among the AEADs (tls_cipher_names below), strongest
    // wish first. Leaving one out refuses clients that have nothing else. The default
    // depends on the CPU and the mbedTLS build (net/tls_cipher_choice.hpp).
    std::vector<std::string> ciphers = default_tls_ciphers(aes_hardware());
    // TLS 1.2 resumption (TlsResumption): tickets, a cache of this many sessions for clients
    // that resume by session id (0: none), and how long either stays valid (seconds). Ticket
    // keys rotate every session_lifetime.
    bool session_tickets = true;
    std::int64_t session_cache_size = 64;
    std::int64_t session_lifetime = 3600;
    // TLS 1.3 resumption keeps its ECDHE exchange (psk_dhe_ke only). False: a client that
    // offers psk_ke resumes without ECDHE, about three times cheaper for the daemon, at the
    // cost of forward secrecy against a theft of the ticket keys (man clipshared.toml(5)).
    bool resume_with_ecdhe = true;
};

// Every name [tls] ciphers accepts.
inline constexpr const char* tls_cipher_names[] = {"CHACHA20-POLY1305", "AES-128-GCM",
                                                   "AES-256-GCM"};

}  // namespace clipshare
