// TlsEngine in memory: a server engine and a client engine joined by nothing but this test
// moving their ciphertext across, with the certificates the TLS tests make (etc/make-certs.sh).
// No sockets, no loop: what each side says and sends is all there is to look at.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <set>
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
#include "net/tls_resumption.hpp"
#include "tls_messages.hpp"

#if defined(__GLIBC__)
#include <malloc.h>  // mallinfo2
#endif

namespace clipshare {
namespace {

using test::test_certificates;
using Bytes = std::vector<std::uint8_t>;
using Progress = TlsEngine::Progress;
using ReadKind = TlsEngine::ReadResult::Kind;

Bytes pattern(std::size_t size) {
    Bytes bytes(size);
    for (std::size_t i = 0; i < size; ++i) bytes[i] = static_cast<std::uint8_t>(i % 251);
    return bytes;
}

// The daemon's side: its TlsContext over the test certificates, allowing `allowed`, with
// `resumption` as [tls] session_tickets, session_cache_size and resume_with_ecdhe.
struct Resumption {
    bool tickets = true;
    std::int64_t cache_size = 64;
    bool with_ecdhe = true;
};
std::shared_ptr<const TlsContext> server_context(const std::string& allowed,
                                                 Resumption resumption = {}) {
    const auto& certs = test_certificates();
    TlsSection settings;
    settings.session_tickets = resumption.tickets;
    settings.session_cache_size = resumption.cache_size;
    settings.resume_with_ecdhe = resumption.with_ecdhe;
    settings.certificate = certs.dir / "server.crt";
    settings.private_key = certs.dir / "server.key";
    settings.ca = certs.dir / "ca.crt";
    settings.allowed_clients_inline = std::vector<std::string>{allowed};
    if (auto version = test::test_tls_max_version(); !version.empty()) {
        settings.max_version = version;
    }
    std::string error;
    auto context = make_tls_context(settings, error);
    EXPECT_TRUE(context) << error;
    return context;
}

// The client's side through the same loader the client uses: `name` of the main CA or of the
// other one, or no certificate at all when `name` is empty.
struct ClientConfig {
    TlsIdentity identity;
    SslConfig config;
    TlsEngine::ClientSide side;

    // What the resumption tests' client does: TLS 1.2 (clipshared resumes no TLS 1.3 session),
    // with or without tickets.
    struct ResumingTls12 {
        bool tickets = true;
    };

    ClientConfig(const std::string& name, ResumingTls12 resuming) : ClientConfig(name) {
        mbedtls_compat::set_protocol_versions(config.get(), false);
        if (resuming.tickets) mbedtls_compat::allow_tls12_tickets(config.get());
    }

    // A TLS 1.3 client (mbedTLS 3.6) that keeps the server's TLS 1.3 tickets and offers them
    // with `modes`: psk_dhe_ke only as Java does, or both as clipshare's client does.
    struct ResumingTls13 {
        mbedtls_compat::Tls13PskModes modes = mbedtls_compat::Tls13PskModes::dhe;
    };
    ClientConfig(const std::string& name, ResumingTls13 resuming) : ClientConfig(name) {
        mbedtls_compat::allow_tls12_tickets(config.get());
        EXPECT_TRUE(mbedtls_compat::allow_tls13_tickets(config.get(), resuming.modes));
    }

    ClientConfig(const std::string& name, bool from_other_ca = false,
                 const std::string& server_name = {}) {
        const auto& certs = test_certificates();
        EXPECT_EQ(identity.seed("test"), "");
        EXPECT_EQ(identity.load_ca(certs.dir / "ca.crt", "--ca"), "");
        if (!name.empty()) {
            const auto& base = from_other_ca ? certs.other : certs.dir;
            EXPECT_EQ(identity.load_own(base / (name + ".crt"), "--cert", base / (name + ".key"),
                                        "--key"),
                      "");
        }
        EXPECT_FALSE(identity.configure(config.get(), TlsConfigOptions{}));
        side = {"127.0.0.1:4338", server_name, (certs.dir / "ca.crt").string(), !name.empty(),
                name};
    }
};

// A server engine and a client engine with the ciphertext moved between them by hand.
class EnginePair {
public:
    // The server engine asks `allows` about client names (default: the context's list), and
    // the client offers `resume` (a session saved from an earlier pair) when given.
    EnginePair(std::shared_ptr<const TlsContext> server_context, ClientConfig& client_config,
               const mbedtls_ssl_session* resume = nullptr,
               std::function<bool(std::string_view)> allows = {})
        : context_(std::move(server_context)) {
        int error = 0;
        const TlsContext* context = context_.get();
        if (!allows) allows = [context](std::string_view n) { return context->allows(n); };
        server = TlsEngine::create(
            context->ssl_config(),
            TlsEngine::ServerSide{std::move(allows), context->tls13_verdict_deferred()}, error);
        EXPECT_TRUE(server) << error;
        client = TlsEngine::create(client_config.config.get(), client_config.side, error);
        EXPECT_TRUE(client) << error;
        if (resume != nullptr) {
            EXPECT_TRUE(client->offer_session(resume));
        }
    }

    // As TlsStream does: the client's ClientHello first, and the server's configuration
    // chosen by what it offers (TlsContext::ssl_config).
    struct AsDaemon {};
    EnginePair(AsDaemon, std::shared_ptr<const TlsContext> server_context,
               ClientConfig& client_config, const mbedtls_ssl_session* resume = nullptr)
        : context_(std::move(server_context)) {
        int error = 0;
        client = TlsEngine::create(client_config.config.get(), client_config.side, error);
        EXPECT_TRUE(client) << error;
        if (resume != nullptr) {
            EXPECT_TRUE(client->offer_session(resume));
        }
        client_progress = client->handshake();
        client_hello = client->take_output();
        offer = read_client_hello_offer(client_hello);
        EXPECT_EQ(offer.status, ClientHelloOffer::Status::parsed);
        const TlsContext* context = context_.get();
        const auto configs = context->session_configs(offer);
        server = TlsEngine::create(
            configs.config,
            TlsEngine::ServerSide{[context](std::string_view n) { return context->allows(n); },
                                  context->tls13_verdict_deferred(), configs.fallback},
            error);
        EXPECT_TRUE(server) << error;
        server->feed(client_hello);
    }

    // The extensions of the server's ServerHello (empty before it has been sent): in TLS 1.3
    // a resumption carries pre_shared_key, and key_share unless it ran without ECDHE.
    std::vector<std::pair<std::uint16_t, Bytes>> server_hello_extensions() const {
        const auto messages = tls_messages::handshake_messages(server_flight);
        if (messages.empty() || messages[0].first != 2) return {};
        return tls_messages::hello_extensions(messages[0].second, false);
    }

    // Moves everything each side has for the other; returns whether anything moved.
    bool exchange() {
        Bytes to_server = client->take_output();
        Bytes to_client = server->take_output();
        if (server_flight.empty()) server_flight = to_client;
        if (!to_server.empty()) server->feed(to_server);
        if (!to_client.empty()) client->feed(to_client);
        return !to_server.empty() || !to_client.empty();
    }

    // Runs both handshakes until neither can go on.
    void handshake() {
        for (int round = 0; round < 20; ++round) {
            server_progress = server->handshake();
            client_progress = client->handshake();
            if (!exchange()) return;
        }
        ADD_FAILURE() << "the handshake did not settle";
    }

    bool established() const {
        return server_progress == Progress::done && client_progress == Progress::done;
    }

    // Everything `reader` can read now, at most `chunk` bytes per read.
    static Bytes read_all(TlsEngine& reader, std::size_t chunk = 16 * 1024) {
        Bytes got;
        Bytes buffer(chunk);
        for (;;) {
            auto result = reader.read(buffer);
            if (result.kind != ReadKind::data) return got;
            got.insert(got.end(), buffer.begin(), buffer.begin() + result.bytes);
        }
    }

    std::unique_ptr<TlsEngine> server;
    std::unique_ptr<TlsEngine> client;
    Bytes client_hello;  // AsDaemon: the ClientHello, and what the server read of it
    ClientHelloOffer offer;
    Bytes server_flight;  // the server's first output, whose first message is ServerHello
    Progress server_progress = Progress::want_more;
    Progress client_progress = Progress::want_more;

private:
    std::shared_ptr<const TlsContext> context_;
};

// The client's first read after its handshake: where a TLS 1.3 client learns of a refusal.
TlsEngine::ReadResult first_read(TlsEngine& client) {
    Bytes buffer(64);
    return client.read(buffer);
}

class TlsEngineTest : public ::testing::Test {
protected:
    void SetUp() override {
        if (test_certificates().dir.empty()) GTEST_SKIP() << "no certificates (openssl?)";
    }
};

TEST_F(TlsEngineTest, HandshakeBetweenTwoEnginesNamesEachPeer) {
    ClientConfig phone{"phone"};
    EnginePair pair{server_context("phone"), phone};
    EXPECT_EQ(pair.client->handshake(), Progress::want_more);  // its ClientHello is out
    EXPECT_GT(pair.client->output_bytes(), 0u);
    pair.handshake();
    ASSERT_TRUE(pair.established())
        << pair.server->failure().reason << pair.client->failure().reason;
    EXPECT_EQ(pair.server->peer_name(), "phone");
    EXPECT_EQ(pair.client->peer_name(), "clipshare_server");
    EXPECT_EQ(pair.server->version(), pair.client->version());
    EXPECT_EQ(pair.server->ciphersuite(), pair.client->ciphersuite());
    EXPECT_FALSE(pair.server->failed());
    EXPECT_FALSE(pair.client->failed());
}

TEST_F(TlsEngineTest, DataFlowsBothWays) {
    ClientConfig phone{"phone"};
    EnginePair pair{server_context("phone"), phone};
    pair.handshake();
    ASSERT_TRUE(pair.established());

    const Bytes request{0x04, 'h', 'e', 'l', 'l', 'o'};
    EXPECT_EQ(pair.client->write(request), request.size());
    pair.exchange();
    EXPECT_EQ(EnginePair::read_all(*pair.server), request);

    const Bytes reply = pattern(3000);
    EXPECT_EQ(pair.server->write(reply), reply.size());
    pair.exchange();
    EXPECT_EQ(EnginePair::read_all(*pair.client), reply);
    // Nothing more to read: the reader is told to wait, not that the session ended.
    Bytes buffer(16);
    EXPECT_EQ(pair.client->read(buffer).kind, ReadKind::want_more);
}

TEST_F(TlsEngineTest, RecordSplitAcrossFeedsComesOutWhenItsLastByteArrives) {
    ClientConfig phone{"phone"};
    EnginePair pair{server_context("phone"), phone};
    pair.handshake();
    ASSERT_TRUE(pair.established());

    const Bytes message = pattern(500);
    ASSERT_EQ(pair.client->write(message), message.size());
    const Bytes record = pair.client->take_output();
    ASSERT_GT(record.size(), message.size());  // header and tag around the plaintext
    Bytes buffer(1024);
    // One byte at a time: nothing comes out until the record is whole.
    for (std::size_t i = 0; i + 1 < record.size(); ++i) {
        pair.server->feed(std::span{record}.subspan(i, 1));
        ASSERT_EQ(pair.server->read(buffer).kind, ReadKind::want_more) << "after byte " << i;
    }
    pair.server->feed(std::span{record}.last(1));
    auto result = pair.server->read(buffer);
    ASSERT_EQ(result.kind, ReadKind::data);
    EXPECT_EQ(Bytes(buffer.begin(), buffer.begin() + result.bytes), message);
    // Consumed ciphertext is given back.
    EXPECT_EQ(pair.server->read(buffer).kind, ReadKind::want_more);
    EXPECT_EQ(pair.server->held_input_bytes(), 0u);
}

TEST_F(TlsEngineTest, LentCiphertextIsReadInPlaceAndOnlyWhatIsLeftIsKept) {
    ClientConfig phone{"phone"};
    EnginePair pair{server_context("phone"), phone};
    pair.handshake();
    ASSERT_TRUE(pair.established());

    // Several records, lent the way a read callback lends its buffer: the half of the last
    // record is all the engine keeps once the loan ends.
    const Bytes upload = pattern(3 * 16 * 1024 + 500);
    ASSERT_EQ(pair.client->write(upload), upload.size());
    const Bytes ciphertext = pair.client->take_output();
    ASSERT_GT(ciphertext.size(), upload.size());
    const std::size_t first_part = ciphertext.size() - 10;  // inside the last record
    Bytes received;
    {
        auto loan = pair.server->lend(std::span{ciphertext}.first(first_part));
        received = EnginePair::read_all(*pair.server);
        EXPECT_EQ(pair.server->held_input_bytes(), 0u);  // nothing was copied to be read
        loan.keep_rest();
    }
    // Every record but the cut one (records are 16 KiB, or 8 KiB with the 3.6 subproject).
    EXPECT_GE(received.size(), 3u * 4095);
    EXPECT_LT(received.size(), upload.size());
    // mbedTLS took the partial record into its own buffer: nothing is left to keep either.
    EXPECT_EQ(pair.server->held_input_bytes(), 0u);
    {
        auto loan = pair.server->lend(std::span{ciphertext}.subspan(first_part));
        Bytes rest = EnginePair::read_all(*pair.server);
        received.insert(received.end(), rest.begin(), rest.end());
        loan.keep_rest();
    }
    EXPECT_EQ(received, upload);
}

TEST_F(TlsEngineTest, LentCiphertextNotReadIsKeptForTheNextRead) {
    ClientConfig phone{"phone"};
    EnginePair pair{server_context("phone"), phone};
    pair.handshake();
    ASSERT_TRUE(pair.established());

    const Bytes first = pattern(2000);
    const Bytes second = pattern(700);
    ASSERT_EQ(pair.client->write(first), first.size());
    Bytes ciphertext = pair.client->take_output();
    {
        // A paused reader reads nothing while the buffer is lent: every byte is kept.
        auto loan = pair.server->lend(ciphertext);
        EXPECT_TRUE(pair.server->input_pending());
        loan.keep_rest();
    }
    std::fill(ciphertext.begin(), ciphertext.end(), 0);  // the caller reuses its buffer
    EXPECT_GT(pair.server->held_input_bytes(), first.size());
    EXPECT_TRUE(pair.server->input_pending());
    // Bytes fed later come after the kept ones.
    ASSERT_EQ(pair.client->write(second), second.size());
    const Bytes later = pair.client->take_output();
    {
        auto loan = pair.server->lend(later);
        Bytes expected = first;
        expected.insert(expected.end(), second.begin(), second.end());
        EXPECT_EQ(EnginePair::read_all(*pair.server), expected);
        loan.keep_rest();
    }
    EXPECT_FALSE(pair.server->input_pending());
    EXPECT_EQ(pair.server->held_input_bytes(), 0u);
}

TEST_F(TlsEngineTest, ALoanEndedByAnExceptionFailsTheSession) {
    ClientConfig phone{"phone"};
    EnginePair pair{server_context("phone"), phone};
    pair.handshake();
    ASSERT_TRUE(pair.established());

    ASSERT_EQ(pair.client->write(pattern(100)), 100u);
    const Bytes ciphertext = pair.client->take_output();
    {
        // keep_rest() never runs (an exception unwinds past it): the unread bytes are gone,
        // and a session with a gap in its input must not go on.
        auto loan = pair.server->lend(ciphertext);
    }
    EXPECT_TRUE(pair.server->failed());
    Bytes buffer(256);
    EXPECT_EQ(pair.server->read(buffer).kind, ReadKind::failed);
}

TEST_F(TlsEngineTest, LargeWriteIsSealedInPartsUnderTheOutputLimit) {
    ClientConfig phone{"phone"};
    EnginePair pair{server_context("phone"), phone};
    pair.handshake();
    ASSERT_TRUE(pair.established());

    const Bytes download = pattern(1024 * 1024 + 7);
    constexpr std::size_t limit = 32 * 1024;
    std::size_t offset = 0;
    std::size_t rounds = 0;
    Bytes received;
    while (offset < download.size()) {
        auto taken = pair.server->write(std::span{download}.subspan(offset), limit);
        ASSERT_TRUE(taken) << pair.server->failure().reason;
        ASSERT_GT(*taken, 0u);
        // It stops once the output holds the limit: at most one record beyond it.
        EXPECT_LT(pair.server->output_bytes(), limit + mbedtls_compat::out_content_length + 512);
        offset += *taken;
        ++rounds;
        pair.exchange();
        // Small reads: partial records inside mbedTLS come out over several calls.
        Bytes part = EnginePair::read_all(*pair.client, 1000);
        received.insert(received.end(), part.begin(), part.end());
    }
    EXPECT_GT(rounds, download.size() / (limit + mbedtls_compat::out_content_length));
    EXPECT_EQ(received, download);
}

TEST_F(TlsEngineTest, InputPendingTellsWhatAPausedReaderMustDrain) {
    ClientConfig phone{"phone"};
    EnginePair pair{server_context("phone"), phone};
    pair.handshake();
    ASSERT_TRUE(pair.established());
    EXPECT_FALSE(pair.server->input_pending());

    ASSERT_EQ(pair.client->write(pattern(100)), 100u);
    pair.exchange();
    EXPECT_TRUE(pair.server->input_pending());  // a whole record, not yet opened
    Bytes buffer(10);
    ASSERT_EQ(pair.server->read(buffer).kind, ReadKind::data);
    EXPECT_TRUE(pair.server->input_pending());  // 90 bytes of plaintext inside mbedTLS
    EnginePair::read_all(*pair.server, 10);
    EXPECT_FALSE(pair.server->input_pending());

    pair.server->feed_end();
    EXPECT_TRUE(pair.server->input_pending());  // the end, not yet reported
    EXPECT_EQ(pair.server->read(buffer).kind, ReadKind::ended);
    EXPECT_FALSE(pair.server->input_pending());
}

TEST_F(TlsEngineTest, CloseNotifyEndsThePeersReads) {
    ClientConfig phone{"phone"};
    EnginePair pair{server_context("phone"), phone};
    pair.handshake();
    ASSERT_TRUE(pair.established());

    ASSERT_EQ(pair.server->write(pattern(10)), 10u);
    pair.server->close_notify();
    pair.server->close_notify();  // once only
    pair.exchange();
    EXPECT_EQ(EnginePair::read_all(*pair.client), pattern(10));  // data first, then the end
    Bytes buffer(16);
    EXPECT_EQ(pair.client->read(buffer).kind, ReadKind::ended);
    EXPECT_EQ(pair.client->read(buffer).kind, ReadKind::ended);
    EXPECT_FALSE(pair.client->failed());
}

TEST_F(TlsEngineTest, ConnectionEndDuringTheHandshakeIsTheClientClosing) {
    ClientConfig phone{"phone"};
    EnginePair pair{server_context("phone"), phone};
    pair.client->handshake();
    pair.exchange();          // the ClientHello reaches the server
    pair.server->feed_end();  // and then nothing more
    EXPECT_EQ(pair.server->handshake(), Progress::failed);
    EXPECT_EQ(pair.server->failure().kind, TlsFailure::Kind::peer_closed);
    EXPECT_EQ(pair.server->failure().reason,
              "TLS handshake not finished: the client closed the connection");
}

// Runs a handshake the server must refuse, and returns the client's failure, wherever the
// client learns of it: inside the handshake (TLS 1.2), at its first read (TLS 1.3), or when
// the server closes the connection after refusing without an alert (2.28, no certificate).
TlsFailure refused_client(EnginePair& pair) {
    pair.handshake();
    EXPECT_EQ(pair.server_progress, Progress::failed);
    EXPECT_EQ(pair.server->failure().kind, TlsFailure::Kind::refused);
    if (pair.client_progress == Progress::want_more) {
        pair.client->feed_end();
        pair.client_progress = pair.client->handshake();
    }
    if (pair.client_progress == Progress::done) {
        EXPECT_EQ(first_read(*pair.client).kind, ReadKind::failed);
    } else {
        EXPECT_EQ(pair.client_progress, Progress::failed);
    }
    return pair.client->failure();
}

TEST_F(TlsEngineTest, ClientWithoutCertificateIsRefusedWithReasonsOnBothSides) {
    ClientConfig anonymous{""};
    EnginePair pair{server_context("phone"), anonymous};
    const TlsFailure client = refused_client(pair);
    EXPECT_EQ(pair.server->failure().reason, "TLS client refused: CN=(none): no client certificate")
        << client.reason;
    EXPECT_NE(client.kind, TlsFailure::Kind::error);
    EXPECT_EQ(client.reason.rfind("the server 127.0.0.1:4338 ", 0), 0u) << client.reason;
    EXPECT_NE(client.reason.find("requires a client certificate"), std::string::npos)
        << client.reason;
    EXPECT_NE(client.reason.find("give clipshare one with --cert and --key"), std::string::npos)
        << client.reason;
}

TEST_F(TlsEngineTest, ClientWhoseNameIsNotAllowedIsRefusedWithReasonsOnBothSides) {
    ClientConfig eve{"eve"};
    EnginePair pair{server_context("phone"), eve};
    const TlsFailure client = refused_client(pair);
    EXPECT_EQ(pair.server->failure().reason,
              "TLS client refused: CN=eve is not in allowed_clients");
    EXPECT_EQ(client.reason,
              "the server 127.0.0.1:4338 refused our certificate (CN=eve): that name is not one "
              "of its allowed clients (TLS alert access_denied)");
}

TEST_F(TlsEngineTest, ClientFromAnotherCaIsRefusedWithReasonsOnBothSides) {
    ClientConfig stranger{"phone", true};
    EnginePair pair{server_context("phone"), stranger};
    const TlsFailure client = refused_client(pair);
    EXPECT_EQ(pair.server->failure().reason,
              "TLS client refused: CN=phone: certificate is not signed by the configured CA");
    EXPECT_EQ(client.reason,
              "the server 127.0.0.1:4338 does not trust our certificate (CN=phone): it is not "
              "signed by the CA the server accepts clients from (TLS alert unknown_ca)");
    // The refused engine writes nothing more.
    EXPECT_FALSE(pair.server->write(pattern(10)));
}

TEST_F(TlsEngineTest, ClientRefusesAServerWithAnotherName) {
    ClientConfig phone{"phone", false, "my_router"};
    EnginePair pair{server_context("phone"), phone};
    pair.handshake();
    ASSERT_EQ(pair.client_progress, Progress::failed);
    EXPECT_EQ(pair.client->failure().kind, TlsFailure::Kind::refused);
    EXPECT_EQ(pair.client->failure().reason,
              "the server 127.0.0.1:4338 is not 'my_router' (--server-name): its certificate is "
              "for CN=clipshare_server");
    EXPECT_NE(pair.server_progress, Progress::done);
}

TEST_F(TlsEngineTest, ContextChargeCountsItsConfigurations) {
    // The daemon charges a context once (tls_context_memory): its resumption state and every
    // mbedTLS configuration it made, each at least the size of the structure itself.
    auto context = server_context("phone");
    ASSERT_GE(context->configuration_count(), 1u);
    EXPECT_GE(context->configurations_memory_bytes(),
              context->configuration_count() * sizeof(mbedtls_ssl_config));
    EXPECT_EQ(tls_context_memory(*context),
              context->resumption_memory_bytes() + context->configurations_memory_bytes());
}

// ---- resumption (TLS 1.2: tickets, and the session cache for clients without them) ----

// A first, full handshake of `client` with `context`; returns the client's session to resume.
std::unique_ptr<SavedSession> first_session(const std::shared_ptr<const TlsContext>& context,
                                            ClientConfig& client) {
    EnginePair pair{context, client};
    pair.handshake();
    EXPECT_TRUE(pair.established()) << pair.server->failure().reason;
    EXPECT_FALSE(pair.server->resumed());
    EXPECT_FALSE(pair.client->resumed());
    auto saved = std::make_unique<SavedSession>();
    EXPECT_TRUE(pair.client->save_session(saved->get()));
    return saved;
}

// The server of most resumption tests: it resumes by ticket only, so that whatever resumes
// did so by its ticket.
constexpr Resumption kTicketsOnly{.tickets = true, .cache_size = 0};

// Another handshake of `client` with `context`, offering `saved` (what it kept of an earlier
// one), run until it settles; the server asks `allows` as in EnginePair.
EnginePair handshake_again(const std::shared_ptr<const TlsContext>& context, ClientConfig& client,
                           SavedSession& saved, std::function<bool(std::string_view)> allows = {}) {
    EnginePair again{context, client, saved.get(), std::move(allows)};
    again.handshake();
    return again;
}

// A client that resumed, refused by this session's allowlist though the context's resumption
// let its ticket in: never admitted unchecked.
void expect_refused_after_resuming(EnginePair& again) {
    EXPECT_EQ(again.server_progress, Progress::failed);
    EXPECT_EQ(again.server->failure().reason,
              "TLS client refused: CN=phone: a resumed session of a client not allowed");
    // An abbreviated handshake ends on the client's side first: the alert is the first
    // thing it reads.
    if (again.client_progress == Progress::done) {
        EXPECT_EQ(first_read(*again.client).kind, ReadKind::failed);
    }
    EXPECT_TRUE(again.client->failed());
}

class TlsResumptionTest : public TlsEngineTest {
protected:
    void SetUp() override {
        TlsEngineTest::SetUp();
        if (!mbedtls_compat::has_tickets || !mbedtls_compat::has_session_cache) {
            GTEST_SKIP() << "this mbedTLS keeps no client certificate with stored sessions";
        }
    }
};

TEST_F(TlsResumptionTest, SecondHandshakeResumesByTicketAndKnowsTheClient) {
    ClientConfig phone{"phone", ClientConfig::ResumingTls12{}};
    // No cache: only the ticket can resume it.
    auto context = server_context("phone", kTicketsOnly);
    auto saved = first_session(context, phone);

    auto again = handshake_again(context, phone, *saved);
    ASSERT_TRUE(again.established()) << again.server->failure().reason;
    EXPECT_TRUE(again.server->resumed());
    EXPECT_TRUE(again.client->resumed());
    // The CN comes from the certificate stored in the ticket.
    EXPECT_EQ(again.server->peer_name(), "phone");
    EXPECT_EQ(again.client->peer_name(), "clipshare_server");
    const Bytes request{4, 125, 1};
    EXPECT_EQ(again.client->write(request), request.size());
    again.exchange();
    EXPECT_EQ(EnginePair::read_all(*again.server), request);
}

TEST_F(TlsResumptionTest, ClientWithoutTicketsResumesFromTheCache) {
    ClientConfig phone{"phone", ClientConfig::ResumingTls12{.tickets = false}};
    auto context = server_context("phone", {.tickets = true, .cache_size = 4});
    auto saved = first_session(context, phone);

    auto again = handshake_again(context, phone, *saved);
    ASSERT_TRUE(again.established()) << again.server->failure().reason;
    EXPECT_TRUE(again.server->resumed());
    EXPECT_EQ(again.server->peer_name(), "phone");
}

TEST_F(TlsResumptionTest, NothingResumesWithTicketsAndCacheOff) {
    ClientConfig phone{"phone", ClientConfig::ResumingTls12{}};
    auto context = server_context("phone", {.tickets = false, .cache_size = 0});
    auto saved = first_session(context, phone);

    auto again = handshake_again(context, phone, *saved);
    ASSERT_TRUE(again.established()) << again.server->failure().reason;
    EXPECT_FALSE(again.server->resumed());
    EXPECT_FALSE(again.client->resumed());
    EXPECT_EQ(again.server->peer_name(), "phone");
}

TEST_F(TlsResumptionTest, TicketOfAnotherServerGetsAFullHandshake) {
    // Another context has other ticket keys (as after a reload or a restart): its ticket
    // cannot be opened here, and the client is judged by a full handshake.
    ClientConfig phone{"phone", ClientConfig::ResumingTls12{}};
    auto saved = first_session(server_context("phone", kTicketsOnly), phone);
    auto context = server_context("phone", kTicketsOnly);

    auto again = handshake_again(context, phone, *saved);
    ASSERT_TRUE(again.established()) << again.server->failure().reason;
    EXPECT_FALSE(again.server->resumed());
    EXPECT_FALSE(again.client->resumed());
}

TEST_F(TlsResumptionTest, ForgedTicketGetsAFullHandshake) {
    ClientConfig phone{"phone", ClientConfig::ResumingTls12{}};
    auto context = server_context("phone", kTicketsOnly);
    auto saved = first_session(context, phone);
    // One bit of the sealed part changed: the ticket no longer authenticates.
    mbedtls_ssl_session* session = saved->get();
#if MBEDTLS_VERSION_MAJOR >= 3
    unsigned char* ticket = session->MBEDTLS_PRIVATE(ticket);
    const std::size_t length = session->MBEDTLS_PRIVATE(ticket_len);
#else
    unsigned char* ticket = session->ticket;
    const std::size_t length = session->ticket_len;
#endif
    ASSERT_NE(ticket, nullptr);
    ASSERT_GT(length, 40u);
    ticket[length - 20] ^= 0x01;

    auto again = handshake_again(context, phone, *saved);
    ASSERT_TRUE(again.established()) << again.server->failure().reason;
    EXPECT_FALSE(again.server->resumed());
    EXPECT_EQ(again.server->peer_name(), "phone");
}

TEST_F(TlsResumptionTest, ResumedClientIsJudgedAgainByTheSessionsAllowlist) {
    // The context's resumption lets phone's ticket in; this session's allowlist says no:
    // the resumed client is refused, never admitted unchecked.
    ClientConfig phone{"phone", ClientConfig::ResumingTls12{}};
    auto context = server_context("phone", kTicketsOnly);
    auto saved = first_session(context, phone);

    auto again = handshake_again(context, phone, *saved, [](std::string_view) { return false; });
    expect_refused_after_resuming(again);
    EXPECT_EQ(again.server->failure().kind, TlsFailure::Kind::refused);
}

// A server configuration like TlsContext's, but whose resumption asks `allowed` (which the test
// changes between connections) while its engines allow everyone: what TlsResumption alone
// decides shows as resumed or not.
struct ChangingAllowlistServer {
    TlsIdentity identity;
    std::set<std::string, std::less<>> allowed{"phone"};
    TlsResumption resumption{[this](std::string_view name) { return allowed.contains(name); }};
    SslConfig config;

    explicit ChangingAllowlistServer(TlsResumption::Settings settings) {
        const auto& certs = test_certificates();
        EXPECT_EQ(identity.seed("test-server"), "");
        EXPECT_EQ(identity.load_own(certs.dir / "server.crt", "c", certs.dir / "server.key", "k"),
                  "");
        EXPECT_EQ(identity.load_ca(certs.dir / "ca.crt", "ca"), "");
        EXPECT_FALSE(identity.configure(config.get(), TlsConfigOptions{.server = true}));
        mbedtls_compat::set_protocol_versions(config.get(), false);
        EXPECT_EQ(resumption.set_up(settings, identity.rng()), "");
        resumption.configure(config.get());
    }

    // One handshake of `client` (offering `resume`); the pair's engines after it.
    std::pair<std::unique_ptr<TlsEngine>, std::unique_ptr<TlsEngine>> connect(
        ClientConfig& client, const mbedtls_ssl_session* resume) {
        int error = 0;
        auto server = TlsEngine::create(
            config.get(), TlsEngine::ServerSide{[](std::string_view) { return true; }, false},
            error);
        auto peer = TlsEngine::create(client.config.get(), client.side, error);
        if (resume != nullptr) {
            EXPECT_TRUE(peer->offer_session(resume));
        }
        for (int round = 0; round < 20; ++round) {
            server->handshake();
            peer->handshake();
            Bytes to_server = peer->take_output();
            Bytes to_client = server->take_output();
            if (to_server.empty() && to_client.empty()) break;
            server->feed(to_server);
            peer->feed(to_client);
        }
        EXPECT_TRUE(server->handshake_done()) << server->failure().reason;
        return {std::move(server), std::move(peer)};
    }
};

TEST_F(TlsResumptionTest, StoredSessionOfANameNoLongerAllowedGetsAFullHandshake) {
    for (bool tickets : {true, false}) {
        SCOPED_TRACE(tickets ? "ticket" : "cache");
        ChangingAllowlistServer server{{.tickets = tickets, .cache_entries = tickets ? 0u : 4u}};
        ClientConfig phone{"phone", ClientConfig::ResumingTls12{.tickets = tickets}};
        auto [first_server, first_client] = server.connect(phone, nullptr);
        SavedSession saved;
        ASSERT_TRUE(first_client->save_session(saved.get()));

        auto [resumed, unused] = server.connect(phone, saved.get());
        EXPECT_TRUE(resumed->resumed());  // the stored session works while phone is allowed

        server.allowed.clear();
        auto [judged, client] = server.connect(phone, saved.get());
        EXPECT_FALSE(judged->resumed());  // not resumed: a full handshake saw the certificate
        EXPECT_FALSE(client->resumed());
    }
}

// ---- resumption (TLS 1.3, mbedTLS 3.6: tickets that carry the client's name) ----

class Tls13ResumptionTest : public TlsEngineTest {
protected:
    void SetUp() override {
        TlsEngineTest::SetUp();
        if (IsSkipped()) return;
        if (!mbedtls_compat::has_tls13_tickets) {
            GTEST_SKIP() << "this mbedTLS (" << mbedtls_compat::version_string
                         << ") makes no TLS 1.3 tickets";
        }
        if (test::test_tls_max_version() == "1.2") GTEST_SKIP() << "this run caps TLS at 1.2";
    }

    // A full TLS 1.3 handshake of `client`, then the server's first reply, with which the
    // ticket reaches the client; returns the saved ticket (empty when none came).
    static std::unique_ptr<SavedSession> ticket_of(EnginePair& pair) {
        pair.handshake();
        EXPECT_TRUE(pair.established()) << pair.server->failure().reason;
        EXPECT_EQ(pair.server->version(), "TLSv1.3");
        auto saved = std::make_unique<SavedSession>();
        // Nothing to save until the ticket has come.
        EXPECT_FALSE(pair.client->save_session(saved->get()));
        const Bytes reply{1, 2, 3};
        EXPECT_EQ(pair.server->write(reply), reply.size());
        pair.exchange();
        EXPECT_EQ(EnginePair::read_all(*pair.client), reply);
        if (!pair.client->ticket_arrived()) return nullptr;
        EXPECT_TRUE(pair.client->save_session(saved->get()));
        EXPECT_FALSE(pair.client->ticket_arrived());  // each ticket is saved once
        return saved;
    }
    static std::unique_ptr<SavedSession> first_ticket(
        const std::shared_ptr<const TlsContext>& context, ClientConfig& client) {
        EnginePair pair{context, client};
        auto saved = ticket_of(pair);
        EXPECT_FALSE(pair.server->resumed());
        return saved;
    }

    // Flips one bit at `offset_from_end` of a saved session's ticket.
    static void tamper(SavedSession& saved, std::size_t offset_from_end) {
#if CLIPSHARE_MBEDTLS_TLS13_TICKETS
        mbedtls_ssl_session* session = saved.get();
        unsigned char* ticket = session->MBEDTLS_PRIVATE(ticket);
        const std::size_t length = session->MBEDTLS_PRIVATE(ticket_len);
        ASSERT_NE(ticket, nullptr);
        ASSERT_GT(length, offset_from_end);
        ticket[length - offset_from_end] ^= 0x01;
#else
        (void)saved;
        (void)offset_from_end;
#endif
    }
};

TEST_F(Tls13ResumptionTest, TicketResumesAndNamesTheClient) {
    ClientConfig phone{"phone", ClientConfig::ResumingTls13{}};
    auto context = server_context("phone", kTicketsOnly);
    auto saved = first_ticket(context, phone);
    ASSERT_TRUE(saved);

    auto again = handshake_again(context, phone, *saved);
    ASSERT_TRUE(again.established()) << again.server->failure().reason;
    EXPECT_EQ(again.server->version(), "TLSv1.3");
    EXPECT_TRUE(again.server->resumed());
    EXPECT_TRUE(again.client->resumed());
    // No certificate was sent: the name is the one sealed into the ticket.
    EXPECT_EQ(again.server->peer_name(), "phone");
    const Bytes request{4, 125, 1};
    EXPECT_EQ(again.client->write(request), request.size());
    again.exchange();
    EXPECT_EQ(EnginePair::read_all(*again.server), request);

    // A resumed session gets a ticket of its own, which names the client too.
    auto next = ticket_of(again);
    ASSERT_TRUE(next);
    auto third = handshake_again(context, phone, *next);
    ASSERT_TRUE(third.established()) << third.server->failure().reason;
    EXPECT_TRUE(third.server->resumed());
    EXPECT_EQ(third.server->peer_name(), "phone");
}

TEST_F(Tls13ResumptionTest, NoTicketsWhenSessionTicketsAreOff) {
    ClientConfig phone{"phone", ClientConfig::ResumingTls13{}};
    auto context = server_context("phone", {.tickets = false, .cache_size = 64});
    EXPECT_FALSE(first_ticket(context, phone));
}

TEST_F(Tls13ResumptionTest, TicketOfAnotherServerGetsAFullHandshake) {
    ClientConfig phone{"phone", ClientConfig::ResumingTls13{}};
    auto saved = first_ticket(server_context("phone", kTicketsOnly), phone);
    ASSERT_TRUE(saved);
    auto context = server_context("phone", kTicketsOnly);

    auto again = handshake_again(context, phone, *saved);
    ASSERT_TRUE(again.established()) << again.server->failure().reason;
    EXPECT_FALSE(again.server->resumed());
    EXPECT_FALSE(again.client->resumed());
    EXPECT_EQ(again.server->peer_name(), "phone");  // from the certificate, judged afresh
}

TEST_F(Tls13ResumptionTest, TamperedTicketGetsAFullHandshake) {
    // A bit of the sealed name, of its tag, of mbedTLS's own ticket, and of the format byte.
    for (std::size_t offset : {30u, 5u, 120u}) {
        SCOPED_TRACE(offset);
        ClientConfig phone{"phone", ClientConfig::ResumingTls13{}};
        auto context = server_context("phone", kTicketsOnly);
        auto saved = first_ticket(context, phone);
        ASSERT_TRUE(saved);
        tamper(*saved, offset);

        auto again = handshake_again(context, phone, *saved);
        ASSERT_TRUE(again.established()) << again.server->failure().reason;
        EXPECT_FALSE(again.server->resumed());
        EXPECT_EQ(again.server->peer_name(), "phone");
    }
}

TEST_F(Tls13ResumptionTest, ResumedClientIsJudgedAgainByTheSessionsAllowlist) {
    ClientConfig phone{"phone", ClientConfig::ResumingTls13{}};
    auto context = server_context("phone", kTicketsOnly);
    auto saved = first_ticket(context, phone);
    ASSERT_TRUE(saved);

    auto again = handshake_again(context, phone, *saved, [](std::string_view) { return false; });
    expect_refused_after_resuming(again);
}

TEST_F(Tls13ResumptionTest, TicketOfANameNoLongerAllowedGetsAFullHandshake) {
    ChangingAllowlistServer server{{.tickets = true, .cache_entries = 0}};
    mbedtls_compat::set_protocol_versions(server.config.get(), true);
    ClientConfig phone{"phone", ClientConfig::ResumingTls13{}};
    auto [first_server, first_client] = server.connect(phone, nullptr);
    const Bytes reply{1};
    EXPECT_EQ(first_server->write(reply), 1u);
    first_client->feed(first_server->take_output());
    EXPECT_EQ(EnginePair::read_all(*first_client), reply);
    SavedSession saved;
    ASSERT_TRUE(first_client->save_session(saved.get()));

    auto [resumed, unused] = server.connect(phone, saved.get());
    EXPECT_TRUE(resumed->resumed());  // the ticket works while phone is allowed
    EXPECT_EQ(resumed->peer_name(), "phone");

    server.allowed.clear();
    auto [judged, client] = server.connect(phone, saved.get());
    EXPECT_FALSE(judged->resumed());  // a full handshake saw the certificate
    EXPECT_FALSE(client->resumed());
    EXPECT_EQ(judged->peer_name(), "phone");
}

// The ServerHello's extensions as a set of types.
std::set<std::uint16_t> extension_types(const std::vector<std::pair<std::uint16_t, Bytes>>& list) {
    std::set<std::uint16_t> types;
    for (const auto& [type, data] : list) types.insert(type);
    return types;
}
constexpr std::uint16_t pre_shared_key_extension = 0x0029;
constexpr std::uint16_t key_share_extension = 0x0033;

// TLS 1.3 resumption without ECDHE ([tls] resume_with_ecdhe = false), as the daemon picks a
// configuration from the ClientHello (EnginePair::AsDaemon).
class Tls13PskKeTest : public Tls13ResumptionTest {
protected:
    void SetUp() override {
        Tls13ResumptionTest::SetUp();
        if (IsSkipped()) return;
        if (!mbedtls_compat::has_tls13_psk_ke) {
            GTEST_SKIP() << "this mbedTLS (" << mbedtls_compat::version_string
                         << ") lacks the TLS 1.3 psk_ke mode";
        }
    }

    // A full handshake as the daemon runs it, and the ticket that follows it.
    static std::unique_ptr<SavedSession> daemon_ticket(
        const std::shared_ptr<const TlsContext>& context, ClientConfig& client) {
        EnginePair pair{EnginePair::AsDaemon{}, context, client};
        auto saved = ticket_of(pair);
        EXPECT_FALSE(pair.server->resumed());
        return saved;
    }

    // Another handshake as the daemon runs it, in which `client` offers `saved` (none when
    // null), run until it settles.
    static EnginePair daemon_handshake_again(const std::shared_ptr<const TlsContext>& context,
                                             ClientConfig& client, const SavedSession* saved) {
        EnginePair again{EnginePair::AsDaemon{}, context, client,
                         saved != nullptr ? saved->get() : nullptr};
        again.handshake();
        return again;
    }

    // What every test here starts from: `client` gets a ticket from a full handshake with
    // `context` and offers it on the next one, both as the daemon runs them; that second pair.
    static EnginePair resume_as_daemon(const std::shared_ptr<const TlsContext>& context,
                                       ClientConfig& client) {
        auto saved = daemon_ticket(context, client);
        if (!saved) ADD_FAILURE() << "no ticket came after the first handshake";
        return daemon_handshake_again(context, client, saved.get());
    }

    static constexpr Resumption kWithoutEcdhe{
        .tickets = true, .cache_size = 0, .with_ecdhe = false};
};

// Heap in use, where the C library tells (glibc); 0 elsewhere.
std::size_t heap_in_use() {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || __GLIBC_MINOR__ >= 33)
    return mallinfo2().uordblks;
#else
    return 0;
#endif
}

TEST_F(Tls13PskKeTest, ConfigurationsWithoutEcdheAreChargedWithTheContext) {
    // resume_with_ecdhe = false doubles the configurations; the context's charge grows by
    // what they take, and by at least what making them took from the heap.
    const std::size_t heap_before_with = heap_in_use();
    auto with = server_context("phone", kTicketsOnly);
    const std::size_t heap_with = heap_in_use() - heap_before_with;
    const std::size_t heap_before_without = heap_in_use();
    auto without = server_context("phone", kWithoutEcdhe);
    const std::size_t heap_without = heap_in_use() - heap_before_without;

    EXPECT_EQ(without->configuration_count(), 2 * with->configuration_count());
    const std::size_t charged = tls_context_memory(*without) - tls_context_memory(*with);
    EXPECT_EQ(charged, without->configurations_memory_bytes() / 2);
    const auto heap = static_cast<long long>(heap_without) - static_cast<long long>(heap_with);
    EXPECT_GE(static_cast<long long>(charged), heap);
    std::printf("%zu more configurations: %lld bytes more heap, %zu bytes more charged\n",
                without->configuration_count() - with->configuration_count(), heap, charged);
}

TEST_F(Tls13PskKeTest, ClientOfferingPskKeResumesWithoutEcdhe) {
    ClientConfig phone{"phone", ClientConfig::ResumingTls13{mbedtls_compat::Tls13PskModes::both}};
    auto context = server_context("phone", kWithoutEcdhe);
    EXPECT_TRUE(context->resumes_without_ecdhe());

    auto again = resume_as_daemon(context, phone);
    EXPECT_TRUE(again.offer.offers_psk_ke);
    ASSERT_TRUE(again.established()) << again.server->failure().reason;
    EXPECT_EQ(again.server->version(), "TLSv1.3");
    EXPECT_TRUE(again.server->resumed());
    EXPECT_TRUE(again.client->resumed());
    EXPECT_EQ(again.server->peer_name(), "phone");  // from the sealed ticket, as with ECDHE
    EXPECT_TRUE(again.server->resumed_without_ecdhe());
    // psk_ke: the ServerHello takes the ticket and sends no key share.
    const auto types = extension_types(again.server_hello_extensions());
    EXPECT_TRUE(types.contains(pre_shared_key_extension));
    EXPECT_FALSE(types.contains(key_share_extension));
    const Bytes request{4, 125, 1};
    EXPECT_EQ(again.client->write(request), request.size());
    again.exchange();
    EXPECT_EQ(EnginePair::read_all(*again.server), request);

    // The resumed session's own ticket resumes the same way.
    auto next = ticket_of(again);
    ASSERT_TRUE(next);
    auto third = daemon_handshake_again(context, phone, next.get());
    ASSERT_TRUE(third.established()) << third.server->failure().reason;
    EXPECT_TRUE(third.server->resumed());
    EXPECT_TRUE(third.server->resumed_without_ecdhe());
    EXPECT_FALSE(extension_types(third.server_hello_extensions()).contains(key_share_extension));
}

TEST_F(Tls13PskKeTest, TicketThatCannotResumeStillGetsAFullHandshake) {
    // The psk_ke-only configuration has no full handshake: the engine starts over under the
    // ordinary one, and the client never learns of the first attempt.
    ClientConfig phone{"phone", ClientConfig::ResumingTls13{mbedtls_compat::Tls13PskModes::both}};
    auto context = server_context("phone", kWithoutEcdhe);
    auto stale = daemon_ticket(server_context("phone", kWithoutEcdhe), phone);  // a reload ago
    ASSERT_TRUE(stale);
    auto tampered = daemon_ticket(context, phone);
    ASSERT_TRUE(tampered);
    tamper(*tampered, 30);
    for (const SavedSession* saved : {stale.get(), tampered.get()}) {
        auto again = daemon_handshake_again(context, phone, saved);
        EXPECT_TRUE(again.offer.offers_psk_ke);
        ASSERT_TRUE(again.established()) << again.server->failure().reason;
        EXPECT_FALSE(again.server->resumed());
        EXPECT_FALSE(again.server->resumed_without_ecdhe());
        EXPECT_EQ(again.server->peer_name(), "phone");  // from its certificate
        EXPECT_TRUE(extension_types(again.server_hello_extensions()).contains(key_share_extension));
        // No alert from the first attempt came before the ServerHello.
        ASSERT_FALSE(again.server_flight.empty());
        EXPECT_EQ(again.server_flight[0], 22);
    }
}

TEST_F(Tls13PskKeTest, ClientOfferingOnlyPskDheKeKeepsItsEcdhe) {
    // Java and Android offer psk_dhe_ke alone: resume_with_ecdhe = false changes nothing.
    ClientConfig phone{"phone", ClientConfig::ResumingTls13{mbedtls_compat::Tls13PskModes::dhe}};
    auto again = resume_as_daemon(server_context("phone", kWithoutEcdhe), phone);
    EXPECT_FALSE(again.offer.offers_psk_ke);
    ASSERT_TRUE(again.established()) << again.server->failure().reason;
    EXPECT_TRUE(again.server->resumed());
    EXPECT_FALSE(again.server->resumed_without_ecdhe());
    const auto types = extension_types(again.server_hello_extensions());
    EXPECT_TRUE(types.contains(pre_shared_key_extension));
    EXPECT_TRUE(types.contains(key_share_extension));
}

TEST_F(Tls13PskKeTest, ByDefaultAClientOfferingBothModesGetsPskDheKe) {
    // clipshare's client against a daemon with the default: ECDHE, as before.
    ClientConfig phone{"phone", ClientConfig::ResumingTls13{mbedtls_compat::Tls13PskModes::both}};
    auto context = server_context("phone", kTicketsOnly);
    EXPECT_FALSE(context->resumes_without_ecdhe());

    auto again = resume_as_daemon(context, phone);
    EXPECT_TRUE(again.offer.offers_psk_ke);
    ASSERT_TRUE(again.established()) << again.server->failure().reason;
    EXPECT_TRUE(again.server->resumed());
    EXPECT_TRUE(extension_types(again.server_hello_extensions()).contains(key_share_extension));
}

TEST_F(Tls13PskKeTest, ByDefaultAClientOfferingOnlyPskKeGetsAFullHandshake) {
    // psk_ke alone would hang the session's secrecy on the ticket keys: by default it is
    // not taken. The client asked for (and the ticket allows) psk_ke only, and offers it.
    ClientConfig phone{"phone", ClientConfig::ResumingTls13{}};
#if CLIPSHARE_MBEDTLS_TLS13_PSK_KE
    mbedtls_ssl_conf_tls13_key_exchange_modes(
        phone.config.get(),
        MBEDTLS_SSL_TLS1_3_KEY_EXCHANGE_MODE_PSK | MBEDTLS_SSL_TLS1_3_KEY_EXCHANGE_MODE_EPHEMERAL);
#endif
    auto again = resume_as_daemon(server_context("phone", kTicketsOnly), phone);
    EXPECT_TRUE(again.offer.offers_psk_ke);  // the ticket was offered
    ASSERT_TRUE(again.established()) << again.server->failure().reason;
    EXPECT_FALSE(again.server->resumed());
    EXPECT_FALSE(again.client->resumed());
    EXPECT_EQ(again.server->peer_name(), "phone");
    EXPECT_FALSE(
        extension_types(again.server_hello_extensions()).contains(pre_shared_key_extension));

    // The same client resumes, without ECDHE, where the daemon allows it.
    auto resumed = resume_as_daemon(server_context("phone", kWithoutEcdhe), phone);
    ASSERT_TRUE(resumed.established()) << resumed.server->failure().reason;
    EXPECT_TRUE(resumed.server->resumed());
    EXPECT_FALSE(extension_types(resumed.server_hello_extensions()).contains(key_share_extension));
}

}  // namespace
}  // namespace clipshare
