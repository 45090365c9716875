// The sentences a failed TLS session ends with: the reasons the daemon logs when it refuses a
// client, and the ones the client prints when a server refuses it or cannot be trusted. Kept
// apart from the engine that decides, so that the wording can be read in one place.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace clipshare::tls_reasons {

// A certificate field is attacker-chosen bytes: log lines stay printable and short.
std::string loggable(std::string_view text);

// ---- the daemon's (after "ADDRESS: ") ----

// A client that ends the connection before its handshake is done: port scanners, clients
// that give up.
inline constexpr const char* client_closed_handshake =
    "TLS handshake not finished: the client closed the connection";

struct ServerRefusal {
    std::string reason;   // "TLS client refused: CN=..."
    unsigned char alert;  // the TLS alert that tells the client
};
// `cn` is the client certificate's CN ("" when it has none); `verify_flags` mbedTLS's
// verify result (0xFFFFFFFF when there is none yet).
ServerRefusal server_refusal(bool name_not_allowed, bool certificate_seen, std::string_view cn,
                             std::uint32_t verify_flags);

// ---- the client's ----

// What the client's sentences need to know.
struct ClientView {
    std::string_view peer;         // "host:port"
    std::string_view server_name;  // --server-name, or empty
    std::string_view ca;           // --ca
    bool presents_certificate;
    std::string_view own_name;  // our certificate's CN
};

std::string describe_alert(int alert);
// The server ended the handshake with `alert` (< 0: none was read).
std::string refusal(const ClientView& client, int alert);
// The server refused us in TLS 1.3, but its alert could not be decrypted.
std::string unreadable_refusal(const ClientView& client);
std::string closed_during_handshake(const ClientView& client, bool server_certificate_seen);
// The server's certificate failed our checks (`flags`: mbedTLS's verify result).
std::string untrusted_server(const ClientView& client, const std::optional<std::string>& server_cn,
                             std::uint32_t flags);

}  // namespace clipshare::tls_reasons
