// Admission of TLS handshakes in the real clipshared ([tls] max_handshakes): with one slot,
// clients that stall before their ClientHello is whole hold none, a client that stalls after
// it holds the slot only until someone else waits, the one in line is served then, the
// handshake deadline counts from the moment the slot is given, and a client whose session is
// already established is served while the slot is taken.
#include <gtest/gtest.h>

#include <sstream>
#include <string>

#include "daemon_fixture.hpp"
#include "test_certificates.hpp"
#include "tls_client.hpp"

namespace clipshare::test {
namespace {

// The first line of the daemon's log that contains `text` and (if not empty) `also`; npos
// when there is none.
std::size_t line_index(const Daemon& daemon, const std::string& text, const std::string& also) {
    std::istringstream log{daemon.log()};
    std::size_t index = 0;
    for (std::string line; std::getline(log, line); ++index) {
        if (line.find(text) != std::string::npos &&
            (also.empty() || line.find(also) != std::string::npos)) {
            return index;
        }
    }
    return std::string::npos;
}

class TlsAdmission : public ::testing::Test {
protected:
    void SetUp() override {
        certs_ = &test_certificates();
        ASSERT_FALSE(certs_->dir.empty()) << "could not make test certificates";
    }

    // One handshake slot; `timeout`: handshake_timeout in seconds.
    std::unique_ptr<Daemon> start(int timeout) {
        return Daemon::start(certs_->tls_section(
            R"(["phone"])",
            "max_handshakes = 1\nhandshake_timeout = " + std::to_string(timeout) + "\n"));
    }

    Bytes ask(const Daemon& daemon, const Bytes& request) {
        auto client = TlsClient::connect(daemon.tls_port(), certs_->client("phone"));
        EXPECT_TRUE(client->handshake_ok()) << client->error();
        client->send(request);
        return client->recv_all();
    }

    static std::string port_of(const TlsClient& client) {
        return "127.0.0.1:" + std::to_string(client.local_port()) + ":";
    }

    const TestCertificates* certs_ = nullptr;
};

TEST_F(TlsAdmission, ClientsStalledBeforeTheirHelloHoldNoSlot) {
    // A deadline far away: nothing is cleared by it during the test.
    auto daemon = start(600);
    std::vector<Client> stalled;
    for (int i = 0; i < 4; ++i) {
        stalled.push_back(Client::connect(daemon->tls_port()));  // silent
        stalled.push_back(Client::connect(daemon->tls_port()));
        stalled.back().send(Bytes{0x16, 0x03, 0x01, 0x02, 0x00, 0x01});  // half a ClientHello
    }
    EXPECT_EQ(ask(*daemon, {4, 125, 1}), Bytes{1} + info_reply("clip_share"));
    // Served in its turn, not by pushing anyone out.
    EXPECT_EQ(daemon->log().find("stalled"), std::string::npos) << daemon->log();
}

TEST_F(TlsAdmission, ClientInLineIsServedOnceTheStalledHolderGivesWay) {
    auto daemon = start(600);
    auto holder = TlsClient::send_hello_and_stall(daemon->tls_port(), certs_->client("phone"));
    ASSERT_TRUE(holder->error().empty()) << holder->error();
    // The one slot is the holder's: this client waits in line until the holder, silent while
    // someone waits, is closed, long before its deadline.
    EXPECT_EQ(ask(*daemon, {4, 125, 1}), Bytes{1} + info_reply("clip_share"));
    EXPECT_TRUE(holder->socket_closed_by_peer());
    EXPECT_NE(line_index(*daemon, "TLS handshake stalled", port_of(*holder)), std::string::npos)
        << daemon->log();
}

TEST_F(TlsAdmission, EstablishedClientIsServedWhileTheSlotIsTaken) {
    auto daemon = start(600);
    auto established = TlsClient::connect(daemon->tls_port(), certs_->client("phone"));
    ASSERT_TRUE(established->handshake_ok()) << established->error();
    ASSERT_TRUE(established->send({4}));
    ASSERT_EQ(established->recv(1), Bytes{1});
    auto holder = TlsClient::send_hello_and_stall(daemon->tls_port(), certs_->client("phone"));
    ASSERT_TRUE(holder->error().empty()) << holder->error();
    // The server answered the holder's ClientHello: the slot is the holder's.
    ASSERT_TRUE(holder->wait_readable());
    established->send({125, 1});
    EXPECT_EQ(established->recv_all(), info_reply("clip_share"));
    // Nobody waited in line, so the holder kept its slot all along.
    EXPECT_EQ(line_index(*daemon, "TLS handshake stalled", ""), std::string::npos) << daemon->log();
}

TEST_F(TlsAdmission, HandshakeDeadlineStartsWhenItsSlotIsGiven) {
    constexpr int timeout = 4;
    auto daemon = start(timeout);
    // Holds the one slot until the next client has waited in line for a while.
    auto holder = TlsClient::send_hello_and_stall(daemon->tls_port(), certs_->client("phone"));
    ASSERT_TRUE(holder->error().empty()) << holder->error();
    // Joins the line, gets the slot when the holder gives way, and then stalls too.
    auto late = TlsClient::send_hello_and_stall(daemon->tls_port(), certs_->client("phone"));
    ASSERT_TRUE(late->error().empty()) << late->error();
    // Connected after `late`, never says a word: its deadline counts from its accept.
    auto silent = Client::connect(daemon->tls_port());
    ASSERT_TRUE(silent.connected());

    EXPECT_TRUE(holder->socket_closed_by_peer());
    EXPECT_TRUE(late->socket_closed_by_peer());
    EXPECT_TRUE(silent.closed_by_peer());
    const std::string timed_out = "TLS handshake not finished after " + std::to_string(timeout);
    ASSERT_TRUE(wait_until([&] {
        std::string log = daemon->log();
        std::size_t count = 0;
        for (auto at = log.find(timed_out); at != std::string::npos;
             at = log.find(timed_out, at + 1)) {
            ++count;
        }
        return count >= 2;
    })) << daemon->log();
    // Counted from its accept, `late`'s deadline would have come first: it was accepted
    // before `silent`. It came after, a whole timeout after its slot was given.
    std::size_t late_line = line_index(*daemon, timed_out, port_of(*late));
    std::size_t first_line = line_index(*daemon, timed_out, "");
    ASSERT_NE(late_line, std::string::npos) << daemon->log();
    EXPECT_LT(first_line, late_line) << daemon->log();
    EXPECT_NE(line_index(*daemon, "TLS handshake stalled", port_of(*holder)), std::string::npos)
        << daemon->log();
}

}  // namespace
}  // namespace clipshare::test
