// The cipher suites a TLS client offers, read from the first bytes it sends, before mbedTLS
// sees them. mbedTLS 3.6 lets the client's order decide the TLS 1.3 cipher suite (in TLS 1.2
// the server's order decides); knowing the offer lets TlsContext hand the session a
// configuration whose TLS 1.3 list holds just the server's favourite among those offered, so
// [tls] ciphers is honoured in TLS 1.3 too. The same goes for the ECDHE group: mbedTLS takes
// the client's first key share that it has, so a client that sends X25519 and P-256 shares
// (Java) would get X25519, the dearer one in mbedTLS; knowing that a P-256 share is there
// lets TlsContext hand it a configuration without X25519. And with [tls] resume_with_ecdhe =
// false, a client that resumes and offers psk_ke gets a configuration whose only PSK mode is
// psk_ke (mbedTLS would otherwise take psk_dhe_ke whenever both are offered). Pure: bytes
// in, an answer out.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace clipshare {

struct ClientHelloOffer {
    enum class Status {
        incomplete,  // the ClientHello's cipher list has not fully arrived yet
        parsed,      // `suites` holds the offer, in the client's order
        unreadable,  // not a ClientHello in one record, as far as can be told: don't choose
    };
    Status status = Status::incomplete;
    std::vector<std::uint16_t> suites;
    // The key_share extension (TLS 1.3) holds a secp256r1 share. False when it does not, or
    // when the first record has not fully arrived (the group is then left to mbedTLS).
    bool p256_key_share = false;
    // TLS 1.3 resumption without ECDHE is on offer: a pre_shared_key extension, and psk_ke (0)
    // among the psk_key_exchange_modes. False when not, and as above when cut or inconsistent.
    bool offers_psk_ke = false;
};

// `received`: everything the client has sent so far, from its first byte. Never reads past
// the first record, so at most 5 + 16384 bytes are ever needed for an answer.
ClientHelloOffer read_client_hello_offer(std::span<const std::uint8_t> received);

}  // namespace clipshare
