// The discovery exchange (SPEC.md section 8) as data: what a request looks like and what the
// answer is. Shared by the daemon's UDP responder and the client's scan.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace clipshare {

inline constexpr std::string_view discovery_request = "in";
inline constexpr std::string_view discovery_reply = "clip_share";
// Site-local scope: phones and laptops on the same site, never the internet.
inline constexpr const char* discovery_ipv6_group = "ff05::4567";

// Anything that starts with "in" is a request (clients may pad it); everything else is LAN
// noise that must not be answered.
constexpr bool is_discovery_request(std::span<const std::uint8_t> datagram) {
    return datagram.size() >= discovery_request.size() &&
           datagram[0] == static_cast<std::uint8_t>(discovery_request[0]) &&
           datagram[1] == static_cast<std::uint8_t>(discovery_request[1]);
}

// Only the exact reply identifies a ClipShare server; anything else on the port is not one.
constexpr bool is_discovery_reply(std::span<const std::uint8_t> datagram) {
    if (datagram.size() != discovery_reply.size()) return false;
    for (std::size_t i = 0; i < datagram.size(); ++i) {
        if (datagram[i] != static_cast<std::uint8_t>(discovery_reply[i])) return false;
    }
    return true;
}

}  // namespace clipshare
