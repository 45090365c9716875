// Which ECDHE group a handshake uses, read from the plaintext handshake messages that a server
// engine and a client engine exchange in memory: clipshare's ends prefer P-256, whose key
// pair mbedTLS makes from a precomputed table (mbedtls_compat::set_key_exchange_groups), and
// a client that prefers X25519 (Java) still gets its own share accepted without a
// HelloRetryRequest.
#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "../integration/test_certificates.hpp"
#include "net/mbedtls_compat.hpp"
#include "net/mbedtls_objects.hpp"
#include "net/tls.hpp"
#include "net/tls_client_hello.hpp"
#include "net/tls_context.hpp"
#include "net/tls_engine.hpp"
#include "net/tls_identity.hpp"
#include "tls_messages.hpp"

namespace clipshare {
namespace {

using test::test_certificates;
using Bytes = std::vector<std::uint8_t>;

constexpr std::uint16_t secp256r1 = 0x0017;
constexpr std::uint16_t x25519 = 0x001d;
constexpr std::uint16_t supported_groups_extension = 0x000a;
constexpr std::uint16_t key_share_extension = 0x0033;

using tls_messages::be16;
using tls_messages::extension;
using tls_messages::handshake_messages;
using tls_messages::hello_extensions;
using tls_messages::is_hello_retry_request;

std::shared_ptr<const TlsContext> daemon_context() {
    const auto& certs = test_certificates();
    TlsSection settings;
    settings.certificate = certs.dir / "server.crt";
    settings.private_key = certs.dir / "server.key";
    settings.ca = certs.dir / "ca.crt";
    settings.allowed_clients_inline = std::vector<std::string>{"phone"};
    std::string error;
    auto context = make_tls_context(settings, error);
    EXPECT_TRUE(context) << error;
    return context;
}

// clipshare's client configuration (TlsIdentity, as the client loads it), optionally capped
// at TLS 1.2, optionally with X25519 moved first as a phone has it.
struct Client {
    TlsIdentity identity;
    SslConfig config;

    explicit Client(bool tls12_only, bool x25519_first = false) {
        const auto& certs = test_certificates();
        EXPECT_EQ(identity.seed("test"), "");
        EXPECT_EQ(identity.load_ca(certs.dir / "ca.crt", "--ca"), "");
        EXPECT_EQ(
            identity.load_own(certs.dir / "phone.crt", "--cert", certs.dir / "phone.key", "--key"),
            "");
        EXPECT_FALSE(identity.configure(config.get(), TlsConfigOptions{}));
        if (tls12_only) mbedtls_compat::set_protocol_versions(config.get(), false);
        if (x25519_first) {
#if MBEDTLS_VERSION_MAJOR >= 3
            static const std::uint16_t groups[] = {x25519, secp256r1, 0};
            mbedtls_ssl_conf_groups(config.get(), groups);
#else
            static const mbedtls_ecp_group_id groups[] = {
                MBEDTLS_ECP_DP_CURVE25519, MBEDTLS_ECP_DP_SECP256R1, MBEDTLS_ECP_DP_NONE};
            mbedtls_ssl_conf_curves(config.get(), groups);
#endif
        }
    }
};

std::unique_ptr<TlsEngine> client_engine_for(Client& client) {
    int error = 0;
    auto engine = TlsEngine::create(
        client.config.get(), TlsEngine::ClientSide{"127.0.0.1:4338", {}, "ca.crt", true, "phone"},
        error);
    EXPECT_TRUE(engine) << error;
    return engine;
}

// The client's first flight and the server's answer to it.
struct Flights {
    Bytes client_hello;
    Bytes server_flight;
};
Flights first_flights(const TlsContext& context, Client& client) {
    int error = 0;
    auto server = TlsEngine::create(context.ssl_config(),
                                    TlsEngine::ServerSide{[](std::string_view) { return true; },
                                                          context.tls13_verdict_deferred()},
                                    error);
    EXPECT_TRUE(server) << error;
    auto client_engine = client_engine_for(client);
    Flights flights;
    if (!server || !client_engine) return flights;
    client_engine->handshake();
    flights.client_hello = client_engine->take_output();
    server->feed(flights.client_hello);
    server->handshake();
    flights.server_flight = server->take_output();
    return flights;
}

// `hello` (one record holding a ClientHello) with an X25519 key share put before the shares it
// has, as Java sends them: X25519's first, then P-256's.
Bytes with_x25519_share_first(const Bytes& hello) {
    auto put16 = [](Bytes& bytes, std::size_t at, std::size_t value) {
        bytes.at(at) = static_cast<std::uint8_t>(value >> 8);
        bytes.at(at + 1) = static_cast<std::uint8_t>(value);
    };
    Bytes out = hello;
    const std::size_t body = 5 + 4;
    std::size_t at = body + 2 + 32;
    at += 1 + out.at(at);
    at += 2 + be16(out, at);
    at += 1 + out.at(at);
    const std::size_t extensions_length_at = at;
    const std::size_t extensions_end = at + 2 + be16(out, at);
    for (at += 2; at + 4 <= extensions_end; at += 4 + be16(out, at + 2)) {
        if (be16(out, at) != key_share_extension) continue;
        Bytes share{0x00, 0x1d, 0x00, 0x20};
        share.insert(share.end(), 32, 0x00);
        share[4] = 9;  // the X25519 base point: a valid public key
        out.insert(out.begin() + static_cast<long>(at + 6), share.begin(), share.end());
        const std::size_t grown = share.size();
        put16(out, at + 2, be16(out, at + 2) + grown);  // extension
        put16(out, at + 4, be16(out, at + 4) + grown);  // client_shares
        put16(out, extensions_length_at, be16(out, extensions_length_at) + grown);
        const std::size_t handshake_length = be16(out, 7) + grown;  // < 64 KiB here
        put16(out, 7, handshake_length);
        put16(out, 3, be16(out, 3) + grown);  // record
        return out;
    }
    ADD_FAILURE() << "no key_share in the ClientHello";
    return out;
}

// `server_flight` opens with a ServerHello, not a HelloRetryRequest (the client's share was
// taken at once), whose key share is of `group`.
void expect_server_share_without_retry(const Bytes& server_flight, std::uint16_t group) {
    const auto messages = handshake_messages(server_flight);
    ASSERT_FALSE(messages.empty());
    ASSERT_EQ(messages[0].first, 2);  // ServerHello
    EXPECT_FALSE(is_hello_retry_request(messages[0].second));
    const auto share = extension(hello_extensions(messages[0].second, false), key_share_extension);
    ASSERT_TRUE(share);
    EXPECT_EQ(be16(*share, 0), group);
}

class TlsGroupsTest : public ::testing::Test {
protected:
    void SetUp() override {
        if (test_certificates().dir.empty()) GTEST_SKIP() << "no certificates (openssl?)";
    }
};

TEST_F(TlsGroupsTest, ClipshareClientOffersP256FirstAndItsKeyShareIsP256) {
    auto context = daemon_context();
    ASSERT_TRUE(context);
    Client client{false};
    const Flights flights = first_flights(*context, client);
    const auto messages = handshake_messages(flights.client_hello);
    ASSERT_FALSE(messages.empty());
    ASSERT_EQ(messages[0].first, 1);  // ClientHello
    const auto extensions = hello_extensions(messages[0].second, true);
    const auto groups = extension(extensions, supported_groups_extension);
    ASSERT_TRUE(groups);
    ASSERT_GE(groups->size(), 4u);
    EXPECT_EQ(be16(*groups, 2), secp256r1);
    if (mbedtls_compat::has_tls13) {
        // One share, the first group: the server needs no second round trip for it.
        const auto shares = extension(extensions, key_share_extension);
        ASSERT_TRUE(shares);
        ASSERT_GE(shares->size(), 4u);
        EXPECT_EQ(be16(*shares, 2), secp256r1);
    }
}

TEST_F(TlsGroupsTest, DaemonPicksP256InTls12EvenWhenTheClientPrefersX25519) {
    auto context = daemon_context();
    ASSERT_TRUE(context);
    Client phone{true, true};
    const Flights flights = first_flights(*context, phone);
    std::optional<Bytes> key_exchange;
    for (const auto& [type, body] : handshake_messages(flights.server_flight)) {
        if (type == 12) key_exchange = body;  // ServerKeyExchange
    }
    ASSERT_TRUE(key_exchange) << "no ServerKeyExchange in " << flights.server_flight.size()
                              << " bytes";
    ASSERT_GE(key_exchange->size(), 3u);
    EXPECT_EQ((*key_exchange)[0], 3);  // named_curve
    EXPECT_EQ(be16(*key_exchange, 1), secp256r1);
}

TEST_F(TlsGroupsTest, Tls13ClientSendingX25519FirstIsAnsweredWithoutRetry) {
    if (!mbedtls_compat::has_tls13) GTEST_SKIP() << "no TLS 1.3 in this mbedTLS";
    if (!test::test_tls_max_version().empty()) GTEST_SKIP() << "daemon capped below TLS 1.3";
    auto context = daemon_context();
    ASSERT_TRUE(context);
    Client phone{false, true};
    const Flights flights = first_flights(*context, phone);
    expect_server_share_without_retry(flights.server_flight, x25519);
}

TEST_F(TlsGroupsTest, Tls13ClientWithX25519AndP256SharesGetsP256) {
    if (!mbedtls_compat::has_tls13) GTEST_SKIP() << "no TLS 1.3 in this mbedTLS";
    auto context = daemon_context();
    ASSERT_TRUE(context);
    Client client{false};
    auto client_engine = client_engine_for(client);
    ASSERT_TRUE(client_engine);
    client_engine->handshake();
    const Bytes hello = with_x25519_share_first(client_engine->take_output());
    // What TlsStream does: read the offer, then ask the context for the configuration.
    const ClientHelloOffer offer = read_client_hello_offer(hello);
    ASSERT_EQ(offer.status, ClientHelloOffer::Status::parsed);
    EXPECT_TRUE(offer.p256_key_share);
    int error = 0;
    auto server = TlsEngine::create(context->ssl_config(offer.suites, offer.p256_key_share),
                                    TlsEngine::ServerSide{[](std::string_view) { return true; },
                                                          context->tls13_verdict_deferred()},
                                    error);
    ASSERT_TRUE(server) << error;
    server->feed(hello);
    server->handshake();
    expect_server_share_without_retry(server->take_output(), secp256r1);
}

}  // namespace
}  // namespace clipshare
