#include "net/tls_client_hello.hpp"

#include <cstddef>

namespace clipshare {
namespace {

// RFC 8446 5.1 and 4.1.2 (the same layout as TLS 1.2's up to the cipher suites).
constexpr std::uint8_t handshake_record = 22;
constexpr std::uint8_t client_hello = 1;
constexpr std::size_t record_header = 5;
constexpr std::size_t max_record = 16384 + 256;  // what any TLS version lets a record carry

std::size_t be16(std::span<const std::uint8_t> bytes, std::size_t at) {
    return std::size_t{bytes[at]} << 8 | bytes[at + 1];
}

}  // namespace

ClientHelloOffer read_client_hello_offer(std::span<const std::uint8_t> received) {
    using Status = ClientHelloOffer::Status;
    ClientHelloOffer offer;
    if (received.size() < record_header) return offer;
    if (received[0] != handshake_record) return {Status::unreadable, {}};
    const std::size_t record_length = be16(received, 3);
    if (record_length == 0 || record_length > max_record) return {Status::unreadable, {}};
    // Only the first record is looked at: a ClientHello split over records (rare, and never
    // before the cipher suites in practice) is left to mbedTLS's defaults.
    const auto record = received.subspan(record_header);
    const std::size_t in_record = record_length;
    // Reads at [at, at + n) of the record: fails as unreadable past the record, incomplete
    // past what has arrived.
    auto need = [&](std::size_t at, std::size_t n) -> Status {
        if (at + n > in_record) return Status::unreadable;
        if (at + n > record.size()) return Status::incomplete;
        return Status::parsed;
    };
    // handshake type (1), length (3), legacy_version (2), random (32), session id length (1)
    std::size_t at = 0;
    if (auto s = need(at, 1 + 3 + 2 + 32 + 1); s != Status::parsed) return {s, {}};
    if (record[0] != client_hello) return {Status::unreadable, {}};
    at = 1 + 3 + 2 + 32;
    const std::size_t session_id_length = record[at];
    at += 1 + session_id_length;
    if (auto s = need(at, 2); s != Status::parsed) return {s, {}};
    const std::size_t suites_length = be16(record, at);
    at += 2;
    if (suites_length == 0 || suites_length % 2 != 0) return {Status::unreadable, {}};
    if (auto s = need(at, suites_length); s != Status::parsed) return {s, {}};
    offer.status = Status::parsed;
    for (std::size_t i = 0; i < suites_length; i += 2) {
        offer.suites.push_back(static_cast<std::uint16_t>(be16(record, at + i)));
    }
    return offer;
}

}  // namespace clipshare
