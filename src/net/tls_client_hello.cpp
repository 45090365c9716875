#include "net/tls_client_hello.hpp"

#include <algorithm>
#include <cstddef>

namespace clipshare {
namespace {

// RFC 8446 5.1 and 4.1.2 (the same layout as TLS 1.2's up to the cipher suites).
constexpr std::uint8_t handshake_record = 22;
constexpr std::uint8_t client_hello = 1;
constexpr std::size_t record_header = 5;
constexpr std::size_t max_record = 16384 + 256;  // what any TLS version lets a record carry
constexpr std::size_t key_share_extension = 0x0033;
constexpr std::size_t pre_shared_key_extension = 0x0029;
constexpr std::size_t psk_key_exchange_modes_extension = 0x002d;
constexpr std::size_t secp256r1 = 0x0017;
constexpr std::uint8_t psk_ke = 0;

std::size_t be16(std::span<const std::uint8_t> bytes, std::size_t at) {
    return std::size_t{bytes[at]} << 8 | bytes[at + 1];
}

// What the extensions tell TlsContext; all false unless the whole list is consistent.
struct ExtensionFacts {
    bool p256_key_share = false;
    bool pre_shared_key = false;
    bool psk_ke_mode = false;
};

// client_shares<0..2^16-1> of a key_share extension at [at, end): (group,
// key_exchange<1..2^16-1>) entries. Sets `p256`; false when the list is inconsistent.
bool read_key_shares(std::span<const std::uint8_t> record, std::size_t at, std::size_t end,
                     bool& p256) {
    if (at + 2 > end) return false;
    const std::size_t shares_end = at + 2 + be16(record, at);
    if (shares_end > end) return false;
    for (std::size_t share = at + 2; share + 4 <= shares_end;) {
        if (be16(record, share) == secp256r1) p256 = true;
        share += 4 + be16(record, share + 2);
    }
    return true;
}

// ke_modes<1..255> of a psk_key_exchange_modes extension at [at, end). Sets `pure` when
// psk_ke is among them; false when the list is inconsistent.
bool read_psk_modes(std::span<const std::uint8_t> record, std::size_t at, std::size_t end,
                    bool& pure) {
    if (at + 1 > end) return false;
    const std::size_t modes_end = at + 1 + record[at];
    if (modes_end > end) return false;
    for (std::size_t mode = at + 1; mode < modes_end; ++mode) {
        if (record[mode] == psk_ke) pure = true;
    }
    return true;
}

// The extensions after the cipher suites (at `at` in `record`, the first record as far as it
// has arrived). Anything short or inconsistent is "nothing seen": the choice is then
// mbedTLS's, which checks everything itself.
ExtensionFacts read_extensions(std::span<const std::uint8_t> record, std::size_t at) {
    auto fits = [&](std::size_t n) { return at + n <= record.size(); };
    if (!fits(1)) return {};
    at += 1 + record[at];  // compression methods
    if (!fits(2)) return {};
    const std::size_t extensions_end = at + 2 + be16(record, at);
    if (extensions_end > record.size()) return {};
    ExtensionFacts facts;
    for (at += 2; at + 4 <= extensions_end;) {
        const std::size_t type = be16(record, at);
        const std::size_t length = be16(record, at + 2);
        at += 4;
        const std::size_t end = at + length;
        if (end > extensions_end) return {};
        bool consistent = true;
        if (type == key_share_extension) {
            consistent = read_key_shares(record, at, end, facts.p256_key_share);
        } else if (type == psk_key_exchange_modes_extension) {
            consistent = read_psk_modes(record, at, end, facts.psk_ke_mode);
        } else if (type == pre_shared_key_extension) {
            facts.pre_shared_key = true;
        }
        if (!consistent) return {};
        at = end;
    }
    return facts;
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
    const ExtensionFacts facts =
        read_extensions(record.first(std::min(record.size(), in_record)), at + suites_length);
    offer.p256_key_share = facts.p256_key_share;
    offer.offers_psk_ke = facts.pre_shared_key && facts.psk_ke_mode;
    return offer;
}

}  // namespace clipshare
