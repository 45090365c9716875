// What to tell a user who pointed a plain client at a TLS port, or --tls at a plain one.
// Both fail as before (status 9 and status 4); the hint only says what to change.
#pragma once

#include <cstdint>

namespace clipshare::client {

inline constexpr const char* try_tls_hint =
    "the server may speak TLS: try --tls (port 4338 unless a port is given)";
inline constexpr const char* drop_tls_hint =
    "the server may not speak TLS: drop --tls (port 4337 unless a port is given)";

// Every TLS record starts with its content type: change_cipher_spec (20), alert (21),
// handshake (22), application_data (23), heartbeat (24). No ClipShare answer to a version
// byte is one of these (01, 02, 03).
constexpr bool starts_tls_record(std::uint8_t first_byte) {
    return first_byte >= 20 && first_byte <= 24;
}

}  // namespace clipshare::client
