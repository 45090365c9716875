// read_client_hello_offer: the cipher suites of a ClientHello, from however much of it has
// arrived; garbage and other records are "unreadable", never a crash or an over-read.
#include <gtest/gtest.h>

#include <cstdint>
#include <initializer_list>
#include <vector>

#include "net/tls_client_hello.hpp"

namespace clipshare {
namespace {

using Bytes = std::vector<std::uint8_t>;
using Status = ClientHelloOffer::Status;

// A ClientHello record offering `suites`, with a 32-byte session id and `extensions` (by
// default one empty extension, which the reader must not need).
Bytes client_hello(const std::vector<std::uint16_t>& suites,
                   const Bytes& extensions = Bytes{0, 0, 0, 0}) {
    Bytes body{3, 3};                   // legacy_version
    body.insert(body.end(), 32, 0xAA);  // random
    body.push_back(32);                 // session id
    body.insert(body.end(), 32, 0xBB);
    body.push_back(static_cast<std::uint8_t>(suites.size() * 2 >> 8));
    body.push_back(static_cast<std::uint8_t>(suites.size() * 2));
    for (auto suite : suites) {
        body.push_back(static_cast<std::uint8_t>(suite >> 8));
        body.push_back(static_cast<std::uint8_t>(suite));
    }
    body.insert(body.end(), {1, 0});  // compression
    body.push_back(static_cast<std::uint8_t>(extensions.size() >> 8));
    body.push_back(static_cast<std::uint8_t>(extensions.size()));
    body.insert(body.end(), extensions.begin(), extensions.end());
    Bytes handshake{1, 0, static_cast<std::uint8_t>(body.size() >> 8),
                    static_cast<std::uint8_t>(body.size())};
    handshake.insert(handshake.end(), body.begin(), body.end());
    Bytes record{22, 3, 1, static_cast<std::uint8_t>(handshake.size() >> 8),
                 static_cast<std::uint8_t>(handshake.size())};
    record.insert(record.end(), handshake.begin(), handshake.end());
    return record;
}

TEST(ClientHelloOffer, ReadsTheSuitesInTheClientsOrder) {
    auto hello = client_hello({0x1301, 0x1303, 0xC02B});
    auto offer = read_client_hello_offer(hello);
    EXPECT_EQ(offer.status, Status::parsed);
    EXPECT_EQ(offer.suites, (std::vector<std::uint16_t>{0x1301, 0x1303, 0xC02B}));
}

TEST(ClientHelloOffer, EveryShorterPrefixIsIncomplete) {
    auto hello = client_hello({0x1303, 0x1301});
    const std::size_t suites_end = 5 + 4 + 2 + 32 + 1 + 32 + 2 + 4;
    for (std::size_t n = 0; n < suites_end; ++n) {
        auto offer = read_client_hello_offer(std::span{hello}.first(n));
        EXPECT_EQ(offer.status, Status::incomplete) << n;
    }
    EXPECT_EQ(read_client_hello_offer(std::span{hello}.first(suites_end)).status, Status::parsed);
}

TEST(ClientHelloOffer, OtherRecordsAndBrokenLengthsAreUnreadable) {
    EXPECT_EQ(read_client_hello_offer(Bytes{4, 125, 1, 0, 0}).status, Status::unreadable);
    auto hello = client_hello({0x1301});
    auto not_hello = hello;
    not_hello[5] = 2;  // a ServerHello
    EXPECT_EQ(read_client_hello_offer(not_hello).status, Status::unreadable);
    auto odd = hello;
    odd[5 + 4 + 2 + 32 + 1 + 32 + 1] = 3;  // an odd suites length
    EXPECT_EQ(read_client_hello_offer(odd).status, Status::unreadable);
    // A record too short to hold the suites it announces: never read past the record.
    auto cut = hello;
    cut[4] = 40;
    EXPECT_EQ(read_client_hello_offer(cut).status, Status::unreadable);
    auto empty_record = Bytes{22, 3, 1, 0, 0};
    EXPECT_EQ(read_client_hello_offer(empty_record).status, Status::unreadable);
}

// A key_share extension with one entry per group, each with a `key_bytes`-byte key.
Bytes key_share(const std::vector<std::uint16_t>& groups, std::size_t key_bytes = 32) {
    Bytes shares;
    for (auto group : groups) {
        shares.insert(shares.end(),
                      {static_cast<std::uint8_t>(group >> 8), static_cast<std::uint8_t>(group), 0,
                       static_cast<std::uint8_t>(key_bytes)});
        shares.insert(shares.end(), key_bytes, 0x42);
    }
    Bytes extension{0,
                    0x33,
                    static_cast<std::uint8_t>((shares.size() + 2) >> 8),
                    static_cast<std::uint8_t>(shares.size() + 2),
                    static_cast<std::uint8_t>(shares.size() >> 8),
                    static_cast<std::uint8_t>(shares.size())};
    extension.insert(extension.end(), shares.begin(), shares.end());
    return extension;
}

TEST(ClientHelloOffer, SeesAP256KeyShareBehindOthers) {
    Bytes extensions{0, 0x0a, 0, 0};  // an empty extension before it
    const Bytes shares = key_share({0x001d, 0x0017});
    extensions.insert(extensions.end(), shares.begin(), shares.end());
    auto offer = read_client_hello_offer(client_hello({0x1301}, extensions));
    EXPECT_EQ(offer.status, Status::parsed);
    EXPECT_TRUE(offer.p256_key_share);
    EXPECT_TRUE(
        read_client_hello_offer(client_hello({0x1301}, key_share({0x0017}))).p256_key_share);
}

TEST(ClientHelloOffer, NoP256KeyShareWhenAbsentCutOrInconsistent) {
    EXPECT_FALSE(read_client_hello_offer(client_hello({0x1301})).p256_key_share);
    EXPECT_FALSE(read_client_hello_offer(client_hello({0x1301}, key_share({0x001d, 0x0018})))
                     .p256_key_share);
    // Not yet whole: the suites are there, the share is not.
    auto hello = client_hello({0x1301}, key_share({0x001d, 0x0017}));
    auto cut = read_client_hello_offer(std::span{hello}.first(hello.size() - 1));
    EXPECT_EQ(cut.status, Status::parsed);
    EXPECT_FALSE(cut.p256_key_share);
    // A share list longer than its extension: not believed.
    auto broken = key_share({0x0017});
    broken[5] = static_cast<std::uint8_t>(broken[5] + 8);
    EXPECT_FALSE(read_client_hello_offer(client_hello({0x1301}, broken)).p256_key_share);
    // A P-256 group id in another extension is not a key share.
    EXPECT_FALSE(
        read_client_hello_offer(client_hello({0x1301}, Bytes{0, 0x0a, 0, 4, 0, 2, 0, 0x17}))
            .p256_key_share);
}

// A psk_key_exchange_modes extension with `modes` (0 psk_ke, 1 psk_dhe_ke).
Bytes psk_modes(const Bytes& modes) {
    Bytes extension{0, 0x2d, 0, static_cast<std::uint8_t>(modes.size() + 1),
                    static_cast<std::uint8_t>(modes.size())};
    extension.insert(extension.end(), modes.begin(), modes.end());
    return extension;
}

// A pre_shared_key extension with one 8-byte identity and a 32-byte binder (its content is
// mbedTLS's business: only its presence counts).
Bytes pre_shared_key() {
    Bytes extension{0, 0x29, 0, 2 + 8 + 4 + 2 + 1 + 32, 0, 8 + 4};
    extension.insert(extension.end(), 8 + 4, 0x11);
    extension.insert(extension.end(), {0, 33, 32});
    extension.insert(extension.end(), 32, 0x22);
    return extension;
}

Bytes joined(std::initializer_list<Bytes> parts) {
    Bytes all;
    for (const Bytes& part : parts) all.insert(all.end(), part.begin(), part.end());
    return all;
}

TEST(ClientHelloOffer, SeesPskKeOfferedWithATicket) {
    // As clipshare's client resumes: key share, both modes, the ticket last.
    auto offer = read_client_hello_offer(
        client_hello({0x1301}, joined({key_share({0x0017}), psk_modes({1, 0}), pre_shared_key()})));
    EXPECT_EQ(offer.status, Status::parsed);
    EXPECT_TRUE(offer.offers_psk_ke);
    EXPECT_TRUE(offer.p256_key_share);
    EXPECT_TRUE(
        read_client_hello_offer(client_hello({0x1301}, joined({psk_modes({0}), pre_shared_key()})))
            .offers_psk_ke);
}

TEST(ClientHelloOffer, NoPskKeWithoutBothExtensionsOrTheMode) {
    // psk_dhe_ke only (Java, Android): resumes with ECDHE.
    EXPECT_FALSE(
        read_client_hello_offer(client_hello({0x1301}, joined({psk_modes({1}), pre_shared_key()})))
            .offers_psk_ke);
    // The modes without a ticket to resume (a first connection): nothing to resume.
    EXPECT_FALSE(read_client_hello_offer(client_hello({0x1301}, psk_modes({0, 1}))).offers_psk_ke);
    // A ticket without the modes extension (which TLS 1.3 requires): left to mbedTLS.
    EXPECT_FALSE(read_client_hello_offer(client_hello({0x1301}, pre_shared_key())).offers_psk_ke);
}

TEST(ClientHelloOffer, NoPskKeWhenCutOrInconsistent) {
    const Bytes extensions = joined({psk_modes({1, 0}), pre_shared_key()});
    auto hello = client_hello({0x1301}, extensions);
    // Not yet whole: the suites are there, the ticket is not.
    auto cut = read_client_hello_offer(std::span{hello}.first(hello.size() - 1));
    EXPECT_EQ(cut.status, Status::parsed);
    EXPECT_FALSE(cut.offers_psk_ke);
    // A mode list longer than its extension.
    auto long_modes = psk_modes({1, 0});
    long_modes[4] = 3;
    EXPECT_FALSE(
        read_client_hello_offer(client_hello({0x1301}, joined({long_modes, pre_shared_key()})))
            .offers_psk_ke);
    // An empty modes extension (no room even for the list length).
    EXPECT_FALSE(read_client_hello_offer(
                     client_hello({0x1301}, joined({Bytes{0, 0x2d, 0, 0}, pre_shared_key()})))
                     .offers_psk_ke);
    // An extension running past the extensions' end makes the whole list unbelievable.
    auto overrun = pre_shared_key();
    overrun[3] = static_cast<std::uint8_t>(overrun[3] + 1);
    EXPECT_FALSE(read_client_hello_offer(client_hello({0x1301}, joined({psk_modes({0}), overrun})))
                     .offers_psk_ke);
    // A psk_ke byte inside another extension is not a mode.
    EXPECT_FALSE(read_client_hello_offer(
                     client_hello({0x1301}, joined({Bytes{0, 0x2c, 0, 2, 1, 0}, pre_shared_key()})))
                     .offers_psk_ke);
}

}  // namespace
}  // namespace clipshare
