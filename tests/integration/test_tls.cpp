// The TLS listener of the real clipshared: the protocol over TLS with an mbedTLS client and
// with `openssl s_client`, client certificates and the CN allowlist, slow and vanishing
// peers, reloads, and start-up errors. Certificates come from etc/make-certs.sh.
#include <gtest/gtest.h>

#include <mbedtls/ssl.h>
#include <signal.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <string>

#include "daemon_fixture.hpp"
#include "net/mbedtls_compat.hpp"
#include "support/files.hpp"
#include "test_certificates.hpp"
#include "tls_client.hpp"

namespace clipshare::test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

std::size_t line_count(const std::string& text) {
    return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

// The daemon's log has one line that contains all of `parts`.
bool log_has_line_with(const Daemon& daemon, std::initializer_list<std::string> parts) {
    std::istringstream log{daemon.log()};
    for (std::string line; std::getline(log, line);) {
        bool all = true;
        for (const auto& part : parts) all = all && line.find(part) != std::string::npos;
        if (all) return true;
    }
    return false;
}

// Polls the log for a line with all of `parts` (the daemon logs asynchronously).
bool wait_for_line_with(const Daemon& daemon, std::initializer_list<std::string> parts) {
    return wait_until([&] { return log_has_line_with(daemon, parts); });
}

// Refused: the handshake fails, or (TLS 1.3, where the client finishes first and the
// server's verdict comes after) the first exchange finds the session ended.
bool refused(TlsClient& client) {
    if (!client.handshake_ok()) return true;
    client.send({4});
    return client.recv(1).empty();
}

class Tls : public ::testing::Test {
protected:
    void SetUp() override {
        certs_ = &test_certificates();
        ASSERT_FALSE(certs_->dir.empty()) << "could not make test certificates";
    }

    // A daemon whose TLS service allows `allowed` (a TOML value: array or quoted path).
    std::unique_ptr<Daemon> start(const std::string& allowed = R"(["phone", "laptop"])",
                                  const std::string& extra = {}) {
        return Daemon::start(certs_->tls_section(allowed, extra));
    }

    std::unique_ptr<TlsClient> connect(const Daemon& daemon, const std::string& name = "phone") {
        return TlsClient::connect(daemon.tls_port(), certs_->client(name));
    }

    // Sends `request` over TLS as `name` and returns everything until the server ends.
    Bytes ask(const Daemon& daemon, const Bytes& request, const std::string& name = "phone") {
        auto client = connect(daemon, name);
        EXPECT_TRUE(client->handshake_ok()) << client->error();
        client->send(request);
        return client->recv_all();
    }

    // The same with `openssl s_client`, the request piped on its standard input, as client
    // `name` (of the other CA: `from_other_ca`; none: "").
    RunResult s_client(const Daemon& daemon, const Bytes& request,
                       std::vector<std::string> extra_args = {}, const std::string& name = "phone",
                       bool from_other_ca = false) {
        std::vector<std::string> argv{"/usr/bin/env", "openssl", "s_client", "-connect",
                                      "127.0.0.1:" + std::to_string(daemon.tls_port()), "-CAfile",
                                      (certs_->dir / "ca.crt").string(),
                                      // Quiet: only the server's bytes on stdout; and wait for the
                                      // server to end the session after stdin runs out.
                                      "-quiet", "-ign_eof"};
        if (!name.empty()) {
            const auto& base = from_other_ca ? certs_->other : certs_->dir;
            argv.insert(argv.end(), {"-cert", (base / (name + ".crt")).string(), "-key",
                                     (base / (name + ".key")).string()});
        }
        argv.insert(argv.end(), extra_args.begin(), extra_args.end());
        return run_command(
            argv, {}, {},
            std::string_view{reinterpret_cast<const char*>(request.data()), request.size()});
    }

    static std::string text(const Bytes& bytes) { return {bytes.begin(), bytes.end()}; }

    const TestCertificates* certs_ = nullptr;
};

// Info, negotiation and unknown methods over TLS with the mbedTLS client: DaemonOver in
// test_daemon.cpp, run both ways.

TEST_F(Tls, OpensslSClientGetsInfoInEveryVersion) {
    auto daemon = start();
    for (std::uint8_t v = 1; v <= 3; ++v) {
        auto result = s_client(*daemon, {v, 125});
        EXPECT_EQ(result.out, text(Bytes{1} + info_reply("clip_share"))) << result.err;
    }
    auto v4 = s_client(*daemon, {4, 125, 1});
    EXPECT_EQ(v4.out, text(Bytes{1} + info_reply("clip_share"))) << v4.err;
}

TEST_F(Tls, OpensslSClientNegotiatesAndGetsUnknownMethod) {
    auto daemon = start("[\"phone\"]", "[protocol]\nmax_version = 2\n");
    auto offer = s_client(*daemon, {4, 2, 125});
    EXPECT_EQ(offer.out, text(Bytes{3, 2} + info_reply("clip_share"))) << offer.err;
    auto unknown = s_client(*daemon, {2, 99});
    EXPECT_EQ(unknown.out, text(Bytes{1, 3})) << unknown.err;
}

// make-certs.sh's default server key is ECDSA P-256 (under an RSA CA, with RSA client keys):
// the TLS 1.2 suites are ECDHE-ECDSA ones, as old phones offer them (ECDHE-ECDSA-AES128-GCM).
TEST_F(Tls, OldPhoneWithTls12AndEcdsaCertificates) {
    auto daemon = start();
    auto result =
        s_client(*daemon, {4, 125, 1}, {"-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-GCM-SHA256"});
    EXPECT_EQ(result.out, text(Bytes{1} + info_reply("clip_share"))) << result.err;

    auto options = certs_->client("phone");
    options.tls12_only = true;
    auto client = TlsClient::connect(daemon->tls_port(), options);
    ASSERT_TRUE(client->handshake_ok()) << client->error();
    EXPECT_EQ(client->ciphersuite().rfind("TLS-ECDHE-ECDSA-WITH-", 0), 0u) << client->ciphersuite();
    EXPECT_EQ(client->server_cn(), "clipshare_server");
    client->send({4, 125, 1});
    EXPECT_EQ(client->recv_all(), Bytes{1} + info_reply("clip_share"));
    // An RSA-only client finds no suite it can use with this key.
    options.ciphersuite = MBEDTLS_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256;
    EXPECT_FALSE(TlsClient::connect(daemon->tls_port(), options)->handshake_ok());
}

// Every key ECDSA (`make-certs.sh -k ec -c ec`): the client's certificate and its signature
// are ECDSA too, in TLS 1.2 and in the newest version both ends have; eve is still refused.
TEST_F(Tls, EveryKeyEcdsa) {
    certs_ = &test_ecdsa_certificates();
    ASSERT_FALSE(certs_->dir.empty()) << "could not make ECDSA test certificates";
    auto daemon = start(R"(["phone"])");
    auto old =
        s_client(*daemon, {4, 125, 1}, {"-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-GCM-SHA256"});
    EXPECT_EQ(old.out, text(Bytes{1} + info_reply("clip_share"))) << old.err;
    auto options = certs_->client("phone");
    options.tls12_only = true;
    auto client = TlsClient::connect(daemon->tls_port(), options);
    ASSERT_TRUE(client->handshake_ok()) << client->error();
    EXPECT_EQ(client->ciphersuite().rfind("TLS-ECDHE-ECDSA-WITH-", 0), 0u) << client->ciphersuite();
    client->send({4, 125, 1});
    EXPECT_EQ(client->recv_all(), Bytes{1} + info_reply("clip_share"));
    EXPECT_EQ(ask(*daemon, {4, 125, 1}), Bytes{1} + info_reply("clip_share"));
    EXPECT_TRUE(refused(*connect(*daemon, "eve")));
}

// `make-certs.sh -k rsa` still makes keys the daemon serves, in TLS 1.2 (ECDHE-RSA, what old
// phones offer) and in TLS 1.3, and refuses with them as it does with ECDSA keys.
TEST_F(Tls, OldPhoneWithTls12AndRsaCertificates) {
    certs_ = &test_rsa_certificates();
    ASSERT_FALSE(certs_->dir.empty()) << "could not make RSA test certificates";
    auto daemon = start(R"(["phone"])");
    auto result =
        s_client(*daemon, {4, 125, 1}, {"-tls1_2", "-cipher", "ECDHE-RSA-AES128-GCM-SHA256"});
    EXPECT_EQ(result.out, text(Bytes{1} + info_reply("clip_share"))) << result.err;

    auto options = certs_->client("phone");
    options.tls12_only = true;
    options.ciphersuite = MBEDTLS_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256;
    auto client = TlsClient::connect(daemon->tls_port(), options);
    ASSERT_TRUE(client->handshake_ok()) << client->error();
    EXPECT_EQ(client->ciphersuite(), "TLS-ECDHE-RSA-WITH-AES-128-GCM-SHA256");
    EXPECT_EQ(client->server_cn(), "clipshare_server");
    client->send({4, 125, 1});
    EXPECT_EQ(client->recv_all(), Bytes{1} + info_reply("clip_share"));

    EXPECT_EQ(ask(*daemon, {4, 125, 1}), Bytes{1} + info_reply("clip_share"));
    EXPECT_TRUE(refused(*connect(*daemon, "eve")));
}

// With [tls] ciphers left out, the daemon's first choice is the one for its CPU and mbedTLS
// build (ChaCha20-Poly1305 unless mbedTLS runs AES-GCM on the Armv8 extension), it logs that
// choice, and a client offering every suite gets it. The daemon's own log says which it chose:
// in the cross-architecture leg it runs under qemu on another CPU than this test, so the test
// cannot work the choice out from its own process (tls_cipher_choice's unit test does that).
TEST_F(Tls, TheMachinesFirstCipherIsPreferredWhenOffered) {
    auto daemon = start();
    auto client = connect(*daemon);
    ASSERT_TRUE(client->handshake_ok()) << client->error();
    const std::string announced = "info: tls.ciphers: the default for this machine (";
    ASSERT_TRUE(wait_for_line_with(*daemon, {announced, " first)"})) << daemon->log();
    const std::string log = daemon->log();
    const auto line_start = log.find(announced);
    const auto line = log.substr(line_start, log.find('\n', line_start) - line_start);
    const auto end = line.rfind(" first)");
    const auto begin = line.rfind(": ", end);
    ASSERT_NE(begin, std::string::npos) << line;
    const std::string first = line.substr(begin + 2, end - begin - 2);
    ASSERT_TRUE(first == "ChaCha20-Poly1305" || first == "AES-128-GCM") << line;
    const std::string suite_part = first == "AES-128-GCM" ? "AES-128-GCM" : "CHACHA20-POLY1305";
    EXPECT_NE(client->ciphersuite().find(suite_part), std::string::npos)
        << client->ciphersuite() << " against " << line;
}

TEST_F(Tls, ClientWithAnotherCnIsRefusedAndLogged) {
    auto daemon = start();
    auto client = connect(*daemon, "eve");
    EXPECT_TRUE(refused(*client));
    EXPECT_TRUE(wait_for_line_with(
        *daemon, {"127.0.0.1:" + std::to_string(client->local_port()), "CN=eve", "refused"}));

    auto by_openssl = s_client(*daemon, {4, 125, 1}, {}, "eve");
    EXPECT_EQ(by_openssl.out, "");
}

TEST_F(Tls, CnIsCaseSensitive) {
    auto daemon = start(R"(["Phone"])");
    auto client = connect(*daemon, "phone");
    EXPECT_TRUE(refused(*client));
    EXPECT_TRUE(wait_for_line_with(*daemon, {"CN=phone is not in allowed_clients"}));
}

TEST_F(Tls, ClientFromAnotherCaIsRefusedAndLogged) {
    auto daemon = start();
    auto client = TlsClient::connect(daemon->tls_port(), certs_->client("phone", true));
    EXPECT_TRUE(refused(*client));
    EXPECT_TRUE(wait_for_line_with(*daemon, {"127.0.0.1:" + std::to_string(client->local_port()),
                                             "CN=phone", "not signed by the configured CA"}));
}

TEST_F(Tls, ClientWithoutCertificateIsRefusedAndLogged) {
    auto daemon = start();
    TlsClient::Options options{certs_->dir / "ca.crt", {}, {}};
    auto client = TlsClient::connect(daemon->tls_port(), options);
    EXPECT_TRUE(refused(*client));
    EXPECT_TRUE(wait_for_line_with(*daemon, {"127.0.0.1:" + std::to_string(client->local_port()),
                                             "CN=(none)", "no client certificate"}));
}

TEST_F(Tls, SilentPeerDoesNotBlockAnAllowedClient) {
    auto daemon = start();
    auto silent = Client::connect(daemon->tls_port());
    ASSERT_TRUE(silent.connected());
    auto half = Client::connect(daemon->tls_port());
    half.send(Bytes{0x16, 0x03, 0x01, 0x02, 0x00, 0x01});  // the start of a ClientHello
    EXPECT_EQ(ask(*daemon, {4, 125, 1}), Bytes{1} + info_reply("clip_share"));
    EXPECT_EQ(ask(*daemon, {3, 125}, "laptop"), Bytes{1} + info_reply("clip_share"));
}

TEST_F(Tls, HandshakeTimeoutDropsASilentPeer) {
    auto daemon = start(R"(["phone"])", "handshake_timeout = 1\n");
    auto silent = Client::connect(daemon->tls_port());
    ASSERT_TRUE(silent.connected());
    EXPECT_TRUE(silent.closed_by_peer());
    EXPECT_TRUE(daemon->wait_for_log("TLS handshake not finished after 1 s"));
}

TEST_F(Tls, ClientsVanishingMidHandshakeLeakNothing) {
    auto daemon = start();
    // Counted after the fixture's readiness probes; if one of them were still open here, a
    // leak of one descriptor per client would still show below.
    std::size_t baseline = daemon->open_fd_count();
    constexpr int clients = 10;
    for (int i = 0; i < clients; ++i) {
        // Gone after the server's first flight (a reset: its bytes were left unread) ...
        TlsClient::abandon_handshake(daemon->tls_port(), certs_->client("phone"));
        // ... and gone half-way through a ClientHello (an orderly end).
        auto partial = Client::connect(daemon->tls_port());
        partial.send(Bytes{0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00});
    }
    // Every one of them has been seen to go ...
    auto gone = [&] {
        std::istringstream log{daemon->log()};
        int count = 0;
        for (std::string line; std::getline(log, line);) {
            count += line.find("TLS handshake not finished") != std::string::npos ||
                     line.find("connection lost") != std::string::npos;
        }
        return count;
    };
    EXPECT_TRUE(wait_until([&] { return gone() >= 2 * clients; })) << daemon->log();
    // ... and to have left nothing open behind.
    EXPECT_TRUE(wait_until([&] { return daemon->open_fd_count() <= baseline; })) << daemon->log();
    EXPECT_EQ(ask(*daemon, {4, 125, 1}), Bytes{1} + info_reply("clip_share"));
}

TEST_F(Tls, PlainClientOnTheTlsPortIsToldAtOnce) {
    auto daemon = start();
    auto plain = Client::connect(daemon->tls_port());
    plain.send(Bytes{4, 125, 1});
    // Closed without waiting for the handshake timeout, and said why.
    EXPECT_TRUE(plain.closed_by_peer());
    EXPECT_TRUE(daemon->wait_for_log("not TLS (first byte 4)"));
    EXPECT_EQ(daemon->log().find("TLS handshake not finished after"), std::string::npos);
    EXPECT_EQ(ask(*daemon, {4, 125, 1}), Bytes{1} + info_reply("clip_share"));
}

TEST_F(Tls, PlainClientsCannotTakeTheSlotsKeptForTls) {
    auto daemon = start(R"(["phone"])",
                        "reserved_connections = 2\n[server]\nbind = \"127.0.0.1\"\n"
                        "working_dir = \"work\"\nmax_connections = 4\n");
    // Unauthenticated plain clients from two devices take what the plain port may have.
    auto a = Client::connect(daemon->port());
    auto b = Client::connect(daemon->port(), "127.0.0.1", "127.0.0.2");
    for (auto* client : {&a, &b}) {
        client->send(Bytes{4});
        ASSERT_EQ(client->recv(1), Bytes{1});
    }
    auto c = Client::connect(daemon->port(), "127.0.0.1", "127.0.0.3");
    c.send(Bytes{4, 125, 1});
    EXPECT_TRUE(c.recv_all().empty()) << "a third plain client got a slot kept for TLS";
    // A certificate holder still gets in.
    EXPECT_EQ(ask(*daemon, {4, 125, 1}), Bytes{1} + info_reply("clip_share"));
}

TEST_F(Tls, FloodOfHalfOpenHandshakesIsSurvivedAndCleared) {
    // All from 127.0.0.1: the per-address cap would refuse most of the flood at once (see
    // the hostile tests); here the handshake timeout is what must clear it.
    auto daemon = start(R"(["phone"])",
                        "handshake_timeout = 2\n[server]\nbind = \"127.0.0.1\"\n"
                        "working_dir = \"work\"\nmax_connections_per_address = 1000\n");
    std::size_t baseline = daemon->open_fd_count();
    constexpr int flood = 200;
    std::vector<Client> half_open;
    for (int i = 0; i < flood; ++i) {
        half_open.push_back(Client::connect(daemon->tls_port()));
        // A record header that promises a ClientHello, and then nothing.
        half_open.back().send(Bytes{0x16, 0x03, 0x01, 0x02, 0x00});
    }
    // An allowed client is served in the middle of it.
    EXPECT_EQ(ask(*daemon, {4, 125, 1}), Bytes{1} + info_reply("clip_share"));
    // Every half-open one is dropped by the handshake timeout...
    for (auto& client : half_open) EXPECT_TRUE(client.closed_by_peer());
    half_open.clear();
    // ...and nothing of them stays open in the daemon.
    EXPECT_TRUE(wait_until([&] { return daemon->open_fd_count() <= baseline; }));
    EXPECT_EQ(ask(*daemon, {4, 125, 1}), Bytes{1} + info_reply("clip_share"));
}

TEST_F(Tls, AllowlistFileWithCommentsAndWhitespace) {
    TempDir lists;
    write_file(lists.path() / "allowed.txt",
               "# who may connect\n\n  phone \t# Alice's phone\n#laptop\n");
    auto daemon = start("\"" + (lists.path() / "allowed.txt").string() + "\"");
    EXPECT_EQ(ask(*daemon, {4, 125, 1}), Bytes{1} + info_reply("clip_share"));
    EXPECT_TRUE(refused(*connect(*daemon, "laptop")));
}

TEST_F(Tls, SighupReloadsTheAllowlistAndKeepsEstablishedSessions) {
    TempDir lists;
    auto allowed = lists.path() / "allowed.txt";
    write_file(allowed, "phone\n");
    auto daemon = start("\"" + allowed.string() + "\"");
    auto established = connect(*daemon, "phone");
    ASSERT_TRUE(established->handshake_ok()) << established->error();
    established->send({4});
    ASSERT_EQ(established->recv(1), Bytes{1});
    EXPECT_TRUE(refused(*connect(*daemon, "laptop")));

    write_file(allowed, "laptop\n");
    daemon->signal(SIGHUP);
    ASSERT_TRUE(daemon->wait_for_log("configuration reloaded"));

    EXPECT_EQ(ask(*daemon, {4, 125, 1}, "laptop"), Bytes{1} + info_reply("clip_share"));
    EXPECT_TRUE(refused(*connect(*daemon, "phone")));
    // The session from before the reload goes on.
    established->send({125, 1});
    EXPECT_EQ(established->recv_all(), info_reply("clip_share"));
}

TEST_F(Tls, SighupWithABrokenCertificateKeepsTheRunningOne) {
    TempDir copy;
    for (const char* name : {"server.crt", "server.key"}) {
        fs::copy_file(certs_->dir / name, copy.path() / name);
    }
    auto section = certs_->tls_section(R"(["phone"])");
    for (const char* name : {"server.crt", "server.key"}) {
        auto from = (certs_->dir / name).string();
        section.replace(section.find(from), from.size(), (copy.path() / name).string());
    }
    auto daemon = Daemon::start(section);
    write_file(copy.path() / "server.crt", "not a certificate\n");
    daemon->signal(SIGHUP);
    ASSERT_TRUE(daemon->wait_for_log("reload failed"));
    EXPECT_TRUE(
        log_has_line_with(*daemon, {"reload failed", (copy.path() / "server.crt").string()}));
    EXPECT_EQ(ask(*daemon, {4, 125, 1}), Bytes{1} + info_reply("clip_share"));
}

TEST_F(Tls, ServerPfxConvertedAsTheManPageSaysServes) {
    // The ClipShare tools' server.pfx (empty password), turned into PEM with the two
    // commands of clipshared.toml(5).
    TempDir dir;
    auto pfx = (dir.path() / "server.pfx").string();
    auto run = [](std::vector<std::string> args) {
        args.insert(args.begin(), {"/usr/bin/env", "openssl"});
        auto result = run_command(args);
        EXPECT_EQ(result.exit_status, 0) << result.err;
    };
    run({"pkcs12", "-export", "-in", (certs_->dir / "server.crt").string(), "-inkey",
         (certs_->dir / "server.key").string(), "-passout", "pass:", "-out", pfx});
    run({"pkcs12", "-in", pfx, "-passin", "pass:", "-clcerts", "-nokeys", "-out",
         (dir.path() / "from-pfx.crt").string()});
    run({"pkcs12", "-in", pfx, "-passin", "pass:", "-nocerts", "-nodes", "-out",
         (dir.path() / "from-pfx.key").string()});
    auto section = certs_->tls_section(R"(["phone"])");
    for (const char* name : {"server.crt", "server.key"}) {
        auto from = (certs_->dir / name).string();
        auto to = (dir.path() / (std::string{"from-pfx"} + fs::path{name}.extension().string()));
        section.replace(section.find(from), from.size(), to.string());
    }
    auto daemon = Daemon::start(section);
    EXPECT_EQ(ask(*daemon, {4, 125, 1}), Bytes{1} + info_reply("clip_share"));
}

TEST_F(Tls, UnreadableOrInvalidFilesAreOneLineStartErrors) {
    TempDir dir;
    fs::create_directory(dir.path() / "work");
    write_file(dir.path() / "garbage.pem", "-----BEGIN CERTIFICATE-----\nnot base64\n");
    struct Case {
        std::string key;
        fs::path file;
    };
    for (const auto& c : {
             Case{"certificate", dir.path() / "missing.crt"},
             Case{"private_key", dir.path() / "missing.key"},
             Case{"ca", dir.path() / "missing-ca.crt"},
             Case{"allowed_clients", dir.path() / "missing.txt"},
             Case{"certificate", dir.path() / "garbage.pem"},
             Case{"private_key", dir.path() / "garbage.pem"},
             Case{"ca", dir.path() / "garbage.pem"},
             Case{"private_key", certs_->dir / "phone.key"},  // not the server's key
         }) {
        std::string config =
            "[server]\nbind = \"127.0.0.1\"\nworking_dir = \"work\"\n"
            "[plain]\nenabled = false\n[discovery]\nenabled = false\n" +
            certs_->tls_section(R"(["phone"])");
        config.replace(config.find("@TLS_PORT@"), 10, std::to_string(pick_free_port()));
        // Point the one key under test at its file.
        auto at = config.find(c.key + " = ");
        auto end = config.find('\n', at);
        config.replace(at, end - at, c.key + " = \"" + c.file.string() + "\"");
        write_file(dir.path() / "c.toml", config);
        for (const char* mode : {"-D", "-t"}) {
            auto result = run_command(
                {daemon_binary().string(), mode, "-c", (dir.path() / "c.toml").string()});
            EXPECT_EQ(result.exit_status, 1) << c.key << " " << c.file;
            EXPECT_EQ(line_count(result.err), 1u) << result.err;
            EXPECT_NE(result.err.find("tls." + c.key + " " + c.file.string() + ": "),
                      std::string::npos)
                << result.err;
        }
    }
}

// ---- TLS 1.3, versions, ciphers and refusals for certificate usage ----

// The daemons of this run speak TLS 1.3: the library has it and the run does not cap it.
bool tls13_here() {
    return mbedtls_compat::has_tls13 && test_tls_max_version() != "1.2";
}

TEST_F(Tls, Tls13RefusalsReachTheClientAsReadableAlerts) {
    if (!tls13_here()) GTEST_SKIP() << "no TLS 1.3 in this build or run";
    auto daemon = start();
    // mbedTLS 3.6 alone sends these inside the handshake under the wrong keys, and openssl
    // reports "decryption failed or bad record mac" (Mbed-TLS/mbedtls#10877).
    auto eve = s_client(*daemon, {4, 125, 1}, {"-tls1_3"}, "eve");
    EXPECT_EQ(eve.out, "");
    EXPECT_NE(eve.err.find("alert access denied"), std::string::npos) << eve.err;
    auto stranger = s_client(*daemon, {4, 125, 1}, {"-tls1_3"}, "phone", true);
    EXPECT_EQ(stranger.out, "");
    EXPECT_NE(stranger.err.find("alert unknown ca"), std::string::npos) << stranger.err;
    auto anonymous = s_client(*daemon, {4, 125, 1}, {"-tls1_3"}, "");
    EXPECT_EQ(anonymous.out, "");
    EXPECT_NE(anonymous.err.find("alert certificate required"), std::string::npos) << anonymous.err;
    for (const char* reason : {"CN=eve is not in allowed_clients",
                               "CN=phone: certificate is not signed by the configured CA",
                               "CN=(none): no client certificate"}) {
        EXPECT_TRUE(wait_for_line_with(*daemon, {"warning: 127.0.0.1:", reason})) << reason;
    }
    // And the same daemon still serves the allowed client over TLS 1.3.
    auto phone = s_client(*daemon, {4, 125, 1}, {"-tls1_3"});
    EXPECT_EQ(phone.out, text(Bytes{1} + info_reply("clip_share"))) << phone.err;
}

TEST_F(Tls, CertificateNotMeantForClientsIsAWarningWithTheCn) {
    // A certificate of the right CA and an allowed CN, but for TLS servers only (extended key
    // usage serverAuth): mbedTLS refuses it for its usage, not in the verify callback.
    TempDir dir;
    auto file = [&](const char* name) { return (dir.path() / name).string(); };
    write_file(dir.path() / "ext.cnf", "extendedKeyUsage = serverAuth\n");
    auto openssl = [](std::vector<std::string> args) {
        args.insert(args.begin(), {"/usr/bin/env", "openssl"});
        auto result = run_command(args);
        EXPECT_EQ(result.exit_status, 0) << result.err;
    };
    openssl({"req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
             "-keyout", file("server-only.key"), "-subj", "/CN=phone", "-out", file("csr.pem")});
    openssl({"x509", "-req", "-in", file("csr.pem"), "-CA", (certs_->dir / "ca.crt").string(),
             "-CAkey", (certs_->dir / "ca.key").string(), "-set_serial", "4242", "-days", "2",
             "-extfile", file("ext.cnf"), "-out", file("server-only.crt")});
    auto daemon = start();
    TlsClient::Options options{certs_->dir / "ca.crt", file("server-only.crt"),
                               file("server-only.key")};
    auto client = TlsClient::connect(daemon->tls_port(), options);
    EXPECT_TRUE(refused(*client));
    EXPECT_TRUE(wait_for_line_with(
        *daemon, {"warning: 127.0.0.1:" + std::to_string(client->local_port()), "CN=phone",
                  "certificate is not meant for client authentication"}))
        << daemon->log();
}

TEST_F(Tls, CipherOrderOfTheConfigHoldsInTls12) {
    auto daemon = start(R"(["phone"])", "ciphers = [\"AES-256-GCM\", \"CHACHA20-POLY1305\"]\n");
    auto options = certs_->client("phone");
    options.tls12_only = true;  // offers ChaCha20 first, as mbedTLS clients do
    auto client = TlsClient::connect(daemon->tls_port(), options);
    ASSERT_TRUE(client->handshake_ok()) << client->error();
    EXPECT_NE(client->ciphersuite().find("AES-256-GCM"), std::string::npos)
        << client->ciphersuite();
    // A cipher left out is not offered at all.
    options.ciphersuite = MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256;
    EXPECT_FALSE(TlsClient::connect(daemon->tls_port(), options)->handshake_ok());
}

TEST_F(Tls, CipherOrderOfTheConfigHoldsInTls13) {
    if (!tls13_here()) GTEST_SKIP() << "no TLS 1.3 in this build or run";
    // mbedTLS alone would take the client's first choice; the daemon takes its own.
    auto daemon = start();
    auto chacha = s_client(
        *daemon, {4, 125, 1},
        {"-tls1_3", "-ciphersuites", "TLS_AES_128_GCM_SHA256:TLS_CHACHA20_POLY1305_SHA256"});
    EXPECT_EQ(chacha.out, text(Bytes{1} + info_reply("clip_share"))) << chacha.err;
    EXPECT_TRUE(wait_for_line_with(*daemon, {"TLS established (TLSv1.3", "CHACHA20-POLY1305"}));

    auto aes = start(R"(["phone"])", "ciphers = [\"AES-256-GCM\", \"CHACHA20-POLY1305\"]\n");
    auto result = s_client(
        *aes, {4, 125, 1},
        {"-tls1_3", "-ciphersuites", "TLS_CHACHA20_POLY1305_SHA256:TLS_AES_256_GCM_SHA384"});
    EXPECT_EQ(result.out, text(Bytes{1} + info_reply("clip_share"))) << result.err;
    EXPECT_TRUE(wait_for_line_with(*aes, {"TLS established (TLSv1.3", "AES-256-GCM"}));
}

TEST_F(Tls, MinVersion13RefusesTls12Clients) {
    if (!mbedtls_compat::has_tls13) {
        // A build without TLS 1.3 says so at start-up rather than serve nobody.
        TempDir dir;
        std::string config = "[plain]\nenabled = false\n[discovery]\nenabled = false\n" +
                             certs_->tls_section(R"(["phone"])", "min_version = \"1.3\"\n");
        config.replace(config.find("@TLS_PORT@"), 10, std::to_string(pick_free_port()));
        write_file(dir.path() / "c.toml", config);
        auto result =
            run_command({daemon_binary().string(), "-t", "-c", (dir.path() / "c.toml").string()});
        EXPECT_EQ(result.exit_status, 1);
        EXPECT_NE(result.err.find("tls.min_version = \"1.3\": this mbedTLS"), std::string::npos)
            << result.err;
        return;
    }
    if (!tls13_here()) GTEST_SKIP() << "this run caps TLS at 1.2";
    auto daemon = start(R"(["phone"])", "min_version = \"1.3\"\n");
    auto options = certs_->client("phone");
    options.tls12_only = true;
    EXPECT_FALSE(TlsClient::connect(daemon->tls_port(), options)->handshake_ok());
    auto old = s_client(*daemon, {4, 125, 1}, {"-tls1_2"});
    EXPECT_EQ(old.out, "");
    EXPECT_EQ(ask(*daemon, {4, 125, 1}), Bytes{1} + info_reply("clip_share"));
}

// ---- session resumption (TLS 1.2: clipshared resumes no TLS 1.3 session) ----

class TlsResumption : public Tls {
protected:
    void SetUp() override {
        Tls::SetUp();
        if (!mbedtls_compat::has_tickets || !mbedtls_compat::has_session_cache) {
            GTEST_SKIP() << "this mbedTLS keeps no client certificate with stored sessions";
        }
    }

    // A daemon logging at level debug, where resumptions are logged.
    std::unique_ptr<Daemon> start_logging(const std::string& allowed = R"(["phone", "laptop"])",
                                          const std::string& tls_extra = {}) {
        return start(allowed, tls_extra + "[log]\nlevel = \"debug\"\n");
    }

    // Client `name` over TLS 1.2, with or without tickets, offering `earlier`'s session.
    std::unique_ptr<TlsClient> connect12(const Daemon& daemon, const std::string& name,
                                         const TlsClient* earlier = nullptr, bool tickets = true) {
        auto options = certs_->client(name);
        options.tls12_only = true;
        options.session_tickets = tickets;
        return TlsClient::connect(daemon.tls_port(), options, earlier);
    }

    static std::string at(const TlsClient& client) {
        return "127.0.0.1:" + std::to_string(client.local_port());
    }

    // Ends a client's connection, keeping its session to offer later.
    static void hang_up(TlsClient& client) {
        client.shutdown_write();
        client.recv_all();
    }

    // The client is served Info over its session.
    static void expect_served(TlsClient& client) {
        client.send({4, 125, 1});
        EXPECT_EQ(client.recv_all(), Bytes{1} + info_reply("clip_share"));
    }

    // The client offered a stored session and is served after a full handshake instead;
    // the daemon logged `why` (when given) and resumed no session at all.
    static void expect_served_without_resuming(const Daemon& daemon, TlsClient& client,
                                               const std::string& why = {}) {
        ASSERT_TRUE(client.handshake_ok()) << client.error();
        EXPECT_FALSE(client.resumed());
        expect_served(client);
        if (!why.empty()) {
            EXPECT_TRUE(wait_for_line_with(daemon, {why})) << daemon.log();
        }
        EXPECT_FALSE(log_has_line_with(daemon, {"TLS session resumed"}));
    }
};

TEST_F(TlsResumption, SecondConnectionResumesByTicketAndIsLogged) {
    auto daemon = start_logging();
    auto first = connect12(*daemon, "phone");
    ASSERT_TRUE(first->handshake_ok()) << first->error();
    EXPECT_FALSE(first->resumed());
    auto second = connect12(*daemon, "phone", first.get());
    ASSERT_TRUE(second->handshake_ok()) << second->error();
    EXPECT_TRUE(second->resumed());
    expect_served(*second);
    EXPECT_TRUE(wait_for_line_with(*daemon, {at(*second) + " CN=phone: TLS session resumed"}))
        << daemon->log();
    EXPECT_FALSE(log_has_line_with(*daemon, {at(*first) + " ", "resumed"}));
}

TEST_F(TlsResumption, ClientWithoutTicketsResumesFromTheCache) {
    auto daemon = start_logging(R"(["phone"])", "session_cache_size = 2\n");
    auto first = connect12(*daemon, "phone", nullptr, false);
    ASSERT_TRUE(first->handshake_ok()) << first->error();
    auto second = connect12(*daemon, "phone", first.get(), false);
    ASSERT_TRUE(second->handshake_ok()) << second->error();
    EXPECT_TRUE(second->resumed());
    expect_served(*second);
    EXPECT_TRUE(wait_for_line_with(*daemon, {at(*second) + " CN=phone: TLS session resumed"}));
}

TEST_F(TlsResumption, NothingResumesWithTicketsAndCacheOff) {
    auto daemon =
        start_logging(R"(["phone"])", "session_tickets = false\nsession_cache_size = 0\n");
    for (bool tickets : {true, false}) {
        auto first = connect12(*daemon, "phone", nullptr, tickets);
        ASSERT_TRUE(first->handshake_ok()) << first->error();
        auto second = connect12(*daemon, "phone", first.get(), tickets);
        ASSERT_TRUE(second->handshake_ok()) << second->error();
        EXPECT_FALSE(second->resumed());
        expect_served(*second);
    }
    EXPECT_FALSE(log_has_line_with(*daemon, {"TLS session resumed"}));
}

TEST_F(TlsResumption, TicketFromAnotherDaemonGetsAFullHandshake) {
    // As after a restart: the other daemon's ticket keys never existed here.
    auto other = start_logging();
    auto earlier = connect12(*other, "phone");
    ASSERT_TRUE(earlier->handshake_ok()) << earlier->error();
    hang_up(*earlier);
    auto daemon = start_logging();
    auto client = connect12(*daemon, "phone", earlier.get());
    expect_served_without_resuming(*daemon, *client, "a session ticket was not accepted");
}

TEST_F(TlsResumption, SighupVoidsStoredSessionsAndARemovedClientIsRefused) {
    TempDir lists;
    auto allowed = lists.path() / "allowed.txt";
    write_file(allowed, "phone\nlaptop\n");
    auto daemon = start_logging("\"" + allowed.string() + "\"");
    // Both kinds of stored session, for a client that stays and for one that goes.
    auto phone = connect12(*daemon, "phone");
    auto phone_cached = connect12(*daemon, "phone", nullptr, false);
    auto laptop = connect12(*daemon, "laptop");
    for (auto* client : {phone.get(), phone_cached.get(), laptop.get()}) {
        ASSERT_TRUE(client->handshake_ok()) << client->error();
        hang_up(*client);
    }

    write_file(allowed, "laptop\n");
    daemon->signal(SIGHUP);
    ASSERT_TRUE(daemon->wait_for_log("configuration reloaded"));

    auto by_ticket = connect12(*daemon, "phone", phone.get());
    EXPECT_FALSE(by_ticket->handshake_ok());
    EXPECT_TRUE(wait_for_line_with(
        *daemon, {at(*by_ticket) + ": TLS client refused: CN=phone is not in allowed_clients"}))
        << daemon->log();
    auto by_id = connect12(*daemon, "phone", phone_cached.get(), false);
    EXPECT_FALSE(by_id->handshake_ok());
    EXPECT_TRUE(wait_for_line_with(
        *daemon, {at(*by_id) + ": TLS client refused: CN=phone is not in allowed_clients"}));
    // The client still allowed is served, by a full handshake: its ticket is void too.
    auto again = connect12(*daemon, "laptop", laptop.get());
    expect_served_without_resuming(*daemon, *again);
}

// ---- session resumption, TLS 1.3 (mbedTLS 3.6: the ticket carries the client's CN) ----

class Tls13Resumption : public TlsResumption {
protected:
    void SetUp() override {
        TlsResumption::SetUp();
        if (IsSkipped()) return;
        if (!mbedtls_compat::has_tls13_tickets) {
            GTEST_SKIP() << "this mbedTLS (" << mbedtls_compat::version_string
                         << ") makes no TLS 1.3 tickets";
        }
        if (!tls13_here()) GTEST_SKIP() << "this run caps TLS at 1.2";
    }

    // Client `name` over TLS 1.3 keeping tickets, offering `earlier`'s ticket.
    std::unique_ptr<TlsClient> connect13(const Daemon& daemon, const std::string& name,
                                         const TlsClient* earlier = nullptr) {
        auto options = certs_->client(name);
        options.tls13_tickets = true;
        return TlsClient::connect(daemon.tls_port(), options, earlier);
    }

    // A first, full TLS 1.3 connection served once, so its ticket has come.
    std::unique_ptr<TlsClient> served_with_ticket(const Daemon& daemon, const std::string& name) {
        auto client = connect13(daemon, name);
        EXPECT_TRUE(client->handshake_ok()) << client->error();
        EXPECT_FALSE(client->resumed());
        EXPECT_EQ(client->version(), "TLSv1.3");
        expect_served(*client);
        EXPECT_TRUE(client->has_tls13_ticket());
        return client;
    }
};

TEST_F(Tls13Resumption, TicketResumesAndTheClientIsLoggedUnderItsCn) {
    auto daemon = start_logging();
    auto first = served_with_ticket(*daemon, "phone");
    auto second = connect13(*daemon, "phone", first.get());
    ASSERT_TRUE(second->handshake_ok()) << second->error();
    EXPECT_TRUE(second->resumed());
    EXPECT_EQ(second->version(), "TLSv1.3");
    expect_served(*second);
    EXPECT_TRUE(wait_for_line_with(*daemon, {at(*second) + " CN=phone: TLS established (TLSv1.3"}))
        << daemon->log();
    EXPECT_TRUE(wait_for_line_with(*daemon, {at(*second) + " CN=phone: TLS session resumed"}));
    EXPECT_FALSE(log_has_line_with(*daemon, {at(*first) + " ", "resumed"}));
}

TEST_F(Tls13Resumption, TicketFromAnotherDaemonGetsAFullHandshake) {
    auto other = start_logging();
    auto earlier = served_with_ticket(*other, "phone");
    auto daemon = start_logging();
    auto client = connect13(*daemon, "phone", earlier.get());
    expect_served_without_resuming(*daemon, *client, "TLS 1.3 session ticket was not accepted");
}

TEST_F(Tls13Resumption, TamperedTicketGetsAFullHandshake) {
    auto daemon = start_logging();
    auto first = served_with_ticket(*daemon, "phone");
    first->tamper_with_tls13_ticket(40);  // inside the sealed name
    auto client = connect13(*daemon, "phone", first.get());
    expect_served_without_resuming(*daemon, *client, "not sealed by this daemon");
}

TEST_F(Tls13Resumption, SighupThatRemovesTheCnVoidsItsTicketAndTheClientIsRefused) {
    TempDir lists;
    auto allowed = lists.path() / "allowed.txt";
    write_file(allowed, "phone\nlaptop\n");
    auto daemon = start_logging("\"" + allowed.string() + "\"");
    auto phone = served_with_ticket(*daemon, "phone");
    auto laptop = served_with_ticket(*daemon, "laptop");

    write_file(allowed, "laptop\n");
    daemon->signal(SIGHUP);
    ASSERT_TRUE(daemon->wait_for_log("configuration reloaded"));

    // A full handshake, where the certificate is judged: refused, as TLS 1.3 refuses, after
    // the handshake with an alert the client reads.
    auto by_ticket = connect13(*daemon, "phone", phone.get());
    EXPECT_FALSE(by_ticket->resumed());
    by_ticket->send({4, 125, 1});
    EXPECT_TRUE(by_ticket->recv_all().empty());  // not served
    EXPECT_TRUE(wait_for_line_with(
        *daemon, {at(*by_ticket) + ": TLS client refused: CN=phone is not in allowed_clients"}))
        << daemon->log();
    // The client still allowed is served by a full handshake: the reload voided its ticket
    // too (new keys).
    auto again = connect13(*daemon, "laptop", laptop.get());
    expect_served_without_resuming(*daemon, *again);
}

}  // namespace
}  // namespace clipshare::test
