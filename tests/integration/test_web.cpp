// The web port ([web]) against the real daemon over real sockets: the clipboard text API
// over plain HTTP and over TLS with client certificates, the text shared with the ClipShare
// protocol, keep-alive, and the answers to bad requests.
#include <gtest/gtest.h>

#include <string>

#include "build_config.hpp"
#include "daemon_fixture.hpp"
#include "protocol_helpers.hpp"

#if CLIPSHARE_HAVE_TLS
#include "test_certificates.hpp"
#include "tls_client.hpp"
#endif

namespace clipshare::test {
namespace {

struct Response {
    int status = 0;
    std::string head;  // status line and headers
    std::string body;
};

std::string text_of(const Bytes& bytes) {
    return {bytes.begin(), bytes.end()};
}

// One response off any connection with recv(n): the head byte by byte, then the body of its
// Content-Length. status 0 when the connection ended first.
template <typename Connection>
Response read_response(Connection& connection) {
    Response response;
    while (response.head.size() < 4 ||
           response.head.compare(response.head.size() - 4, 4, "\r\n\r\n") != 0) {
        auto byte = connection.recv(1);
        if (byte.empty()) return {};
        response.head += static_cast<char>(byte[0]);
    }
    response.status = std::stoi(response.head.substr(9, 3));
    auto at = response.head.find("Content-Length: ");
    if (at != std::string::npos) {
        auto length = std::stoull(response.head.substr(at + 16));
        response.body = text_of(connection.recv(length));
    }
    return response;
}

std::string put_request(std::string_view text, std::string_view extra = {}) {
    return "PUT /api/text HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(text.size()) +
           "\r\n" + std::string{extra} + "\r\n" + std::string{text};
}

constexpr std::string_view kGetText = "GET /api/text HTTP/1.1\r\nHost: x\r\n\r\n";

class Web : public ::testing::Test {
protected:
    void SetUp() override {
        daemon = Daemon::start(
            "[web]\nenabled = true\ntls = false\nport = @WEB_PORT@\n"
            "request_timeout = 1\n[limits]\nmax_text_length = 1000\n");
    }

    // Sends `request` on a new connection and reads one response.
    Response ask(std::string_view request) const {
        auto client = Client::connect(daemon->web_port());
        client.send(request);
        return read_response(client);
    }

    // Sends `request` and expects `status`, the connection closed after it, and a log line
    // that names the peer.
    void expect_refused(std::string_view request, int status) const {
        auto client = Client::connect(daemon->web_port());
        client.send(request);
        auto response = read_response(client);
        EXPECT_EQ(response.status, status) << response.head;
        EXPECT_NE(response.head.find("Connection: close"), std::string::npos);
        EXPECT_TRUE(client.closed_by_peer());
        EXPECT_TRUE(daemon->wait_for_log("127.0.0.1:"));
        EXPECT_TRUE(daemon->wait_for_log("HTTP " + std::to_string(status)));
    }

    std::string protocol_get_text() const {
        auto client = Client::connect(daemon->port());
        client.send(Bytes{4, 1});
        ReplyReader reply{client};
        if (reply.byte() != 1 || reply.byte() != 1) return "<refused>";
        auto text = reply.string();
        client.send(Bytes{1});
        return reply.ok ? text : "<short>";
    }

    std::unique_ptr<Daemon> daemon;
};

TEST_F(Web, TextSetThroughTheProtocolIsReadByGet) {
    auto client = Client::connect(daemon->port());
    client.send(send_text_request(4, "from the protocol"));
    client.shutdown_write();
    client.recv_all();
    auto response = ask(kGetText);
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(response.body, "from the protocol");
    EXPECT_NE(response.head.find("Content-Type: text/plain; charset=utf-8"), std::string::npos);
    EXPECT_NE(response.head.find("Cache-Control: no-store"), std::string::npos);
    EXPECT_NE(response.head.find("Content-Security-Policy: default-src 'none'"), std::string::npos);
    EXPECT_NE(response.head.find("X-Content-Type-Options: nosniff"), std::string::npos);
}

TEST_F(Web, EmptyClipboardIsNoContent) {
    EXPECT_EQ(ask(kGetText).status, 204);
}

TEST_F(Web, OnlyThePageMayRunItsOwnInlineStyleAndScript) {
    auto page = ask("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    EXPECT_EQ(page.status, 200);
    EXPECT_NE(page.head.find("Content-Type: text/html; charset=utf-8"), std::string::npos);
    auto csp_of = [](const std::string& head) {
        auto at = head.find("Content-Security-Policy: ");
        return at == std::string::npos ? std::string{}
                                       : head.substr(at + 25, head.find("\r\n", at) - at - 25);
    };
    // Its blocks by hash: nothing injected runs, nothing is evaluated from strings.
    auto csp = csp_of(page.head);
    EXPECT_EQ(csp.rfind("default-src 'none'; ", 0), 0u) << csp;
    EXPECT_NE(csp.find("script-src 'sha256-"), std::string::npos) << csp;
    EXPECT_NE(csp.find("style-src 'sha256-"), std::string::npos) << csp;
    EXPECT_EQ(csp.find("unsafe"), std::string::npos) << csp;
    EXPECT_NE(page.body.find("window.clipshareUpload"), std::string::npos);
    // Every other answer runs and loads nothing.
    auto text = csp_of(ask(kGetText).head);
    EXPECT_EQ(text.rfind("default-src 'none'", 0), 0u) << text;
    EXPECT_EQ(text.find("-src", 17), std::string::npos) << text;
}

TEST_F(Web, TextPutIsReadByTheProtocol) {
    auto response = ask(put_request("caf\xc3\xa9\r\nline"));
    EXPECT_EQ(response.status, 204);
    EXPECT_EQ(protocol_get_text(), "caf\xc3\xa9\nline");
}

TEST_F(Web, ChunkedPutIsJoined) {
    auto response =
        ask("PUT /api/text HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
            "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");
    EXPECT_EQ(response.status, 204);
    EXPECT_EQ(protocol_get_text(), "hello world");
}

TEST_F(Web, KeepAliveServesTwoRequestsOnOneConnection) {
    auto client = Client::connect(daemon->web_port());
    client.send(put_request("first"));
    EXPECT_EQ(read_response(client).status, 204);
    client.send(kGetText);
    auto response = read_response(client);
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(response.body, "first");
}

TEST_F(Web, PipelinedRequestsAreAnsweredInOrder) {
    auto client = Client::connect(daemon->web_port());
    client.send(put_request("piped") + std::string{kGetText});
    EXPECT_EQ(read_response(client).status, 204);
    EXPECT_EQ(read_response(client).body, "piped");
}

TEST_F(Web, RequestFollowedByTheClientsEndIsAnswered) {
    auto client = Client::connect(daemon->web_port());
    client.send(put_request("then eof"));
    client.shutdown_write();
    EXPECT_EQ(read_response(client).status, 204);
    EXPECT_TRUE(client.closed_by_peer());
    EXPECT_EQ(protocol_get_text(), "then eof");
}

TEST_F(Web, PageIsServed) {
    auto response = ask("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    EXPECT_EQ(response.status, 200);
    EXPECT_NE(response.head.find("text/html"), std::string::npos);
    EXPECT_NE(response.body.find("<!DOCTYPE html>"), std::string::npos);
}

TEST_F(Web, UnknownRouteIsNotFound) {
    expect_refused("GET /nothing HTTP/1.1\r\nHost: x\r\n\r\n", 404);
}

TEST_F(Web, UnknownMethodIsNotAllowed) {
    expect_refused("DELETE /api/text HTTP/1.1\r\nHost: x\r\n\r\n", 405);
}

TEST_F(Web, PutWithoutLengthIsRefused) {
    expect_refused("PUT /api/text HTTP/1.1\r\nHost: x\r\n\r\n", 411);
}

TEST_F(Web, DeclaredBodyOverTheLimitIsRefusedBeforeItComes) {
    expect_refused("PUT /api/text HTTP/1.1\r\nHost: x\r\nContent-Length: 1001\r\n\r\n", 413);
}

TEST_F(Web, ChunkedBodyOverTheLimitIsRefused) {
    std::string chunk(600, 'a');
    expect_refused(
        "PUT /api/text HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
        "258\r\n" +
            chunk + "\r\n258\r\n" + chunk + "\r\n0\r\n\r\n",
        413);
    EXPECT_EQ(protocol_get_text(), "<refused>");  // nothing was stored
}

TEST_F(Web, BadChunkIsRefused) {
    expect_refused(
        "PUT /api/text HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
        "zz\r\nhello\r\n0\r\n\r\n",
        400);
}

TEST_F(Web, InvalidUtf8IsRefused) {
    expect_refused(put_request("bad \xff"), 400);
}

TEST_F(Web, OversizeHeaderIsRefused) {
    expect_refused("GET /api/text HTTP/1.1\r\nX-Big: " + std::string(9000, 'b') + "\r\n\r\n", 431);
}

TEST_F(Web, TooManyHeadersAreRefused) {
    std::string request = "GET /api/text HTTP/1.1\r\n";
    for (int i = 0; i < 65; ++i) request += "X-H" + std::to_string(i) + ": v\r\n";
    expect_refused(request + "\r\n", 431);
}

TEST_F(Web, LongTargetIsRefused) {
    expect_refused("GET /" + std::string(9000, 'a') + " HTTP/1.1\r\n\r\n", 414);
}

TEST_F(Web, SlowHeadIsTimedOut) {
    auto client = Client::connect(daemon->web_port());
    client.send("GET /api/text HTTP/1.1\r\nHost:");
    auto response = read_response(client);
    EXPECT_EQ(response.status, 408);
    EXPECT_TRUE(client.closed_by_peer());
}

TEST_F(Web, IdleKeptAliveConnectionIsClosedQuietly) {
    auto client = Client::connect(daemon->web_port());
    EXPECT_TRUE(client.closed_by_peer());
}

#if CLIPSHARE_HAVE_TLS
class WebTls : public ::testing::Test {
protected:
    void SetUp() override {
        certs = &test_certificates();
        ASSERT_FALSE(certs->dir.empty());
        daemon = Daemon::start(
            certs->tls_section(R"(["phone"])", "[web]\nenabled = true\nport = @WEB_PORT@\n"));
    }
    const TestCertificates* certs = nullptr;
    std::unique_ptr<Daemon> daemon;
};

std::vector<std::uint8_t> bytes_of_text(std::string_view text) {
    return {text.begin(), text.end()};
}

TEST_F(WebTls, AllowedCertificateSetsAndGetsText) {
    auto client = TlsClient::connect(daemon->web_port(), certs->client("phone"));
    ASSERT_TRUE(client->handshake_ok()) << client->error();
    client->send(bytes_of_text(put_request("over tls")));
    EXPECT_EQ(read_response(*client).status, 204);
    client->send(bytes_of_text(kGetText));
    auto response = read_response(*client);
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(response.body, "over tls");
}

// Refused: the handshake fails, or (TLS 1.3) the first request finds the session ended.
bool refused(TlsClient& client) {
    if (!client.handshake_ok()) return true;
    client.send(bytes_of_text(kGetText));
    return client.recv(1).empty();
}

TEST_F(WebTls, NoCertificateIsRefused) {
    auto options = certs->client("phone");
    options.certificate.clear();
    options.key.clear();
    EXPECT_TRUE(refused(*TlsClient::connect(daemon->web_port(), options)));
}

TEST_F(WebTls, CertificateWithAnotherCnIsRefused) {
    EXPECT_TRUE(refused(*TlsClient::connect(daemon->web_port(), certs->client("laptop"))));
}
#endif

}  // namespace
}  // namespace clipshare::test
