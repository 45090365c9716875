// Plaintext TLS handshake messages as the unit tests read them from what a server engine
// and a client engine exchange in memory: which messages a flight holds and which
// extensions a hello carries. For tests only: it trusts its input to be well formed (what
// mbedTLS wrote).
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

namespace clipshare::tls_messages {

using Bytes = std::vector<std::uint8_t>;

inline std::uint16_t be16(const Bytes& bytes, std::size_t at) {
    return static_cast<std::uint16_t>(bytes.at(at) << 8 | bytes.at(at + 1));
}

// The handshake messages in a flight of plaintext records, as (type, body).
inline std::vector<std::pair<int, Bytes>> handshake_messages(const Bytes& flight) {
    Bytes stream;
    for (std::size_t at = 0; at + 5 <= flight.size();) {
        const std::size_t length = be16(flight, at + 3);
        if (flight[at] == 22) {
            stream.insert(stream.end(), flight.begin() + static_cast<long>(at + 5),
                          flight.begin() + static_cast<long>(at + 5 + length));
        }
        at += 5 + length;
    }
    std::vector<std::pair<int, Bytes>> messages;
    for (std::size_t at = 0; at + 4 <= stream.size();) {
        const std::size_t length =
            std::size_t{stream[at + 1]} << 16 | std::size_t{stream[at + 2]} << 8 | stream[at + 3];
        if (at + 4 + length > stream.size()) break;
        messages.emplace_back(stream[at],
                              Bytes(stream.begin() + static_cast<long>(at + 4),
                                    stream.begin() + static_cast<long>(at + 4 + length)));
        at += 4 + length;
    }
    return messages;
}

// The extensions of a ClientHello or ServerHello body, as (type, data).
inline std::vector<std::pair<std::uint16_t, Bytes>> hello_extensions(const Bytes& body,
                                                                     bool client) {
    std::size_t at = 2 + 32;
    at += 1 + body.at(at);  // session id
    if (client) {
        at += 2 + be16(body, at);  // cipher suites
        at += 1 + body.at(at);     // compression methods
    } else {
        at += 2 + 1;  // cipher suite, compression method
    }
    std::vector<std::pair<std::uint16_t, Bytes>> extensions;
    if (at + 2 > body.size()) return extensions;
    const std::size_t end = at + 2 + be16(body, at);
    for (at += 2; at + 4 <= end;) {
        const std::uint16_t type = be16(body, at);
        const std::size_t length = be16(body, at + 2);
        extensions.emplace_back(type, Bytes(body.begin() + static_cast<long>(at + 4),
                                            body.begin() + static_cast<long>(at + 4 + length)));
        at += 4 + length;
    }
    return extensions;
}

inline std::optional<Bytes> extension(
    const std::vector<std::pair<std::uint16_t, Bytes>>& extensions, std::uint16_t type) {
    for (const auto& [t, data] : extensions) {
        if (t == type) return data;
    }
    return std::nullopt;
}

// RFC 8446 4.1.3: a ServerHello with this random is a HelloRetryRequest.
inline bool is_hello_retry_request(const Bytes& server_hello) {
    static const std::uint8_t magic[] = {0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11,
                                         0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
                                         0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E,
                                         0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C};
    return server_hello.size() >= 34 &&
           std::equal(std::begin(magic), std::end(magic), server_hello.begin() + 2);
}

}  // namespace clipshare::tls_messages
