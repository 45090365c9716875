// The web port ([web]) against the real daemon over real sockets: the clipboard text API
// over plain HTTP and over TLS with client certificates, the text shared with the ClipShare
// protocol, keep-alive, and the answers to bad requests.
#include <gtest/gtest.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include "build_config.hpp"
#include "daemon_fixture.hpp"
#include "disk_helpers.hpp"
#include "protocol_helpers.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

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
    } else if (response.head.find("Transfer-Encoding: chunked") != std::string::npos) {
        // Chunk sizes line by line, each chunk and its CRLF, to the empty last chunk.
        for (;;) {
            std::string line;
            while (line.size() < 2 || line.compare(line.size() - 2, 2, "\r\n") != 0) {
                auto byte = connection.recv(1);
                if (byte.empty()) return {};
                line += static_cast<char>(byte[0]);
            }
            auto size = std::stoull(line, nullptr, 16);
            auto chunk = connection.recv(size + 2);
            if (chunk.size() != size + 2) return {};
            if (size == 0) break;
            response.body += text_of(Bytes(chunk.begin(), chunk.end() - 2));
        }
    }
    return response;
}

std::string put_request(std::string_view text, std::string_view extra = {}) {
    return "PUT /api/text HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: " +
           std::to_string(text.size()) + "\r\n" + std::string{extra} + "\r\n" + std::string{text};
}

constexpr std::string_view kGetText = "GET /api/text HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";

std::string get(std::string_view path, std::string_view extra = {}) {
    return "GET " + std::string{path} + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + std::string{extra} +
           "\r\n";
}

// The body of POST /api/files: the v3 Send Files stream after its method byte.
std::string upload_body(const std::vector<WireEntry>& entries) {
    auto request = send_files_request(3, entries);
    return {request.begin() + 2, request.end()};
}

std::string upload_request(std::string_view body,
                           std::string_view type = "application/x-clipshare-files") {
    return "POST /api/files HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: " + std::string{type} +
           "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + std::string{body};
}

std::string file_text(const std::filesystem::path& path) {
    std::ifstream in{path, std::ios::binary};
    return {std::istreambuf_iterator<char>(in), {}};
}

// Bytes that do not repeat with a short period, so that a misplaced chunk shows.
std::string pattern(std::size_t n) {
    std::string out(n, '\0');
    std::uint32_t x = 12345;
    for (auto& c : out) {
        x = x * 1103515245 + 12345;
        c = static_cast<char>(x >> 24);
    }
    return out;
}

class Web : public ::testing::Test {
protected:
    void SetUp() override {
        daemon = Daemon::start(
            "[web]\nenabled = true\ntls = false\nport = @WEB_PORT@\n"
            "request_timeout = 1\nallowed_hosts = [\"clip.example\"]\n"
            "[limits]\nmax_text_length = 1000\nmax_file_size = 1000000\n"
            "[storage]\nmax_bytes = 2000000\n");
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
    auto page = ask("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
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
        ask("PUT /api/text HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n"
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
    auto response = ask("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    EXPECT_EQ(response.status, 200);
    EXPECT_NE(response.head.find("text/html"), std::string::npos);
    EXPECT_NE(response.body.find("<!DOCTYPE html>"), std::string::npos);
}

// Browsers ask for it on their own: no icon, no 404 in their console, and not asked for again
// on every load. Everything else stays out of caches.
TEST_F(Web, FaviconIsNoContentKeptForADay) {
    auto client = Client::connect(daemon->web_port());
    client.send(get("/favicon.ico") + get("/api/kind"));
    auto favicon = read_response(client);
    EXPECT_EQ(favicon.status, 204) << favicon.head;
    EXPECT_EQ(favicon.head.find("\r\nContent-Length:"), std::string::npos) << favicon.head;
    EXPECT_EQ(favicon.head.find("\r\nContent-Type:"), std::string::npos) << favicon.head;
    EXPECT_NE(favicon.head.find("Cache-Control: max-age=86400\r\n"), std::string::npos)
        << favicon.head;
    EXPECT_EQ(favicon.head.find("no-store"), std::string::npos) << favicon.head;
    // No body went with it: the next answer on the connection starts right after its head.
    auto kind = read_response(client);
    EXPECT_EQ(kind.status, 200) << kind.head;
    EXPECT_NE(kind.head.find("Cache-Control: no-store\r\n"), std::string::npos) << kind.head;
    EXPECT_TRUE(daemon->wait_for_log("HTTP GET /favicon.ico: 204"));
}

TEST_F(Web, UnknownRouteIsNotFound) {
    expect_refused("GET /nothing HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 404);
}

TEST_F(Web, UnknownMethodIsNotAllowed) {
    expect_refused("DELETE /api/text HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 405);
}

TEST_F(Web, PutWithoutLengthIsRefused) {
    expect_refused("PUT /api/text HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 411);
}

TEST_F(Web, DeclaredBodyOverTheLimitIsRefusedBeforeItComes) {
    expect_refused("PUT /api/text HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1001\r\n\r\n",
                   413);
}

TEST_F(Web, ChunkedBodyOverTheLimitIsRefused) {
    std::string chunk(600, 'a');
    expect_refused(
        "PUT /api/text HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n"
        "258\r\n" +
            chunk + "\r\n258\r\n" + chunk + "\r\n0\r\n\r\n",
        413);
    EXPECT_EQ(protocol_get_text(), "<refused>");  // nothing was stored
}

TEST_F(Web, BadChunkIsRefused) {
    expect_refused(
        "PUT /api/text HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n"
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

// ---- Host and Origin ----

TEST_F(Web, ForeignHostIsMisdirected) {
    expect_refused("GET /api/text HTTP/1.1\r\nHost: evil.example\r\n\r\n", 421);
    EXPECT_TRUE(daemon->wait_for_log("evil.example"));
}

TEST_F(Web, MissingHostIsRefused) {
    expect_refused("GET /api/text HTTP/1.0\r\n\r\n", 400);
}

TEST_F(Web, ForeignOriginIsForbidden) {
    auto request =
        "PUT /api/text HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(daemon->web_port()) +
        "\r\nOrigin: http://evil.example\r\nContent-Length: 2\r\n\r\nhi";
    expect_refused(request, 403);
    EXPECT_EQ(protocol_get_text(), "<refused>");  // nothing was stored
}

TEST_F(Web, LiteralsLocalhostAndAllowedNamesAreServed) {
    auto port = std::to_string(daemon->web_port());
    for (const std::string& host :
         std::vector<std::string>{"127.0.0.1", "127.0.0.1:" + port, "[::1]:" + port, "localhost",
                                  "LocalHost:" + port, "clip.example", "clip.example."}) {
        auto response = ask("GET /api/kind HTTP/1.1\r\nHost: " + host + "\r\n\r\n");
        EXPECT_EQ(response.status, 200) << host;
    }
}

TEST_F(Web, OwnOriginIsServed) {
    auto host = "127.0.0.1:" + std::to_string(daemon->web_port());
    auto response = ask("PUT /api/text HTTP/1.1\r\nHost: " + host + "\r\nOrigin: http://" + host +
                        "\r\nContent-Length: 2\r\n\r\nok");
    EXPECT_EQ(response.status, 204);
    EXPECT_EQ(protocol_get_text(), "ok");
}

// ---- text, kind ----

TEST_F(Web, TextCarriesAnEtagThatAnswersNotModified) {
    ASSERT_EQ(ask(put_request("tagged")).status, 204);
    auto first = ask(kGetText);
    ASSERT_EQ(first.status, 200);
    auto at = first.head.find("ETag: \"");
    ASSERT_NE(at, std::string::npos) << first.head;
    auto etag = first.head.substr(at + 6, 18);
    EXPECT_EQ(etag.back(), '"');
    auto again = ask(get("/api/text", "If-None-Match: " + etag + "\r\n"));
    EXPECT_EQ(again.status, 304);
    EXPECT_TRUE(again.body.empty());
    ASSERT_EQ(ask(put_request("changed")).status, 204);
    auto changed = ask(get("/api/text", "If-None-Match: " + etag + "\r\n"));
    EXPECT_EQ(changed.status, 200);
    EXPECT_EQ(changed.body, "changed");
}

// The store's image is a received file: its tag tells it from the image before it, even one
// at the same path and of the same size, and a client that has it gets 304 and no body.
TEST_F(Web, ImageCarriesAnEtagThatAnswersNotModified) {
    const std::string signature{"\x89PNG\r\n\x1a\n", 8};
    const std::string first_png = signature + pattern(5000);
    ASSERT_EQ(ask(upload_request(upload_body({file_entry("shot.png", first_png)}))).status, 201);
    auto first = ask(get("/api/image"));
    ASSERT_EQ(first.status, 200) << first.head;
    EXPECT_EQ(first.body, first_png);
    auto at = first.head.find("ETag: \"");
    ASSERT_NE(at, std::string::npos) << first.head;
    auto etag = first.head.substr(at + 6, 18);
    EXPECT_EQ(etag.back(), '"');
    auto again = ask(get("/api/image", "If-None-Match: " + etag + "\r\n"));
    EXPECT_EQ(again.status, 304) << again.head;
    EXPECT_TRUE(again.body.empty());
    EXPECT_NE(again.head.find("ETag: " + etag + "\r\n"), std::string::npos) << again.head;
    EXPECT_EQ(again.head.find("\r\nContent-Length:"), std::string::npos) << again.head;
    // Another tag is not this image's: the image comes.
    EXPECT_EQ(ask(get("/api/image", "If-None-Match: \"0000000000000000\"\r\n")).body, first_png);

    // Another image at the very same path (the first file removed, so that the name is free
    // again) and of the same size: only when it came tells the two apart.
    std::string second_png = first_png;
    std::reverse(second_png.begin() + 8, second_png.end());
    ASSERT_TRUE(std::filesystem::remove(daemon->working_dir() / "shot.png"));
    ASSERT_EQ(ask(upload_request(upload_body({file_entry("shot.png", second_png)}))).status, 201);
    ASSERT_EQ(file_text(daemon->working_dir() / "shot.png"), second_png);
    auto changed = ask(get("/api/image", "If-None-Match: " + etag + "\r\n"));
    EXPECT_EQ(changed.status, 200) << changed.head;
    EXPECT_EQ(changed.body, second_png);
    EXPECT_EQ(changed.head.find("ETag: " + etag), std::string::npos) << changed.head;
    EXPECT_NE(changed.head.find("ETag: \""), std::string::npos) << changed.head;
}

// The tag names the image's file: once that file is deleted behind the daemon's back, the
// browser's copy is stale, and a request carrying the tag must not be told otherwise.
TEST_F(Web, ImageDeletedByHandIsNotFoundEvenWithItsEtag) {
    const std::string png = std::string{"\x89PNG\r\n\x1a\n", 8} + pattern(3000);
    ASSERT_EQ(ask(upload_request(upload_body({file_entry("gone.png", png)}))).status, 201);
    auto first = ask(get("/api/image"));
    ASSERT_EQ(first.status, 200) << first.head;
    auto at = first.head.find("ETag: \"");
    ASSERT_NE(at, std::string::npos) << first.head;
    auto etag = first.head.substr(at + 6, 18);
    ASSERT_EQ(ask(get("/api/image", "If-None-Match: " + etag + "\r\n")).status, 304);

    ASSERT_TRUE(std::filesystem::remove(daemon->working_dir() / "gone.png"));
    auto stale = ask(get("/api/image", "If-None-Match: " + etag + "\r\n"));
    EXPECT_EQ(stale.status, 404) << stale.head;
    EXPECT_TRUE(daemon->wait_for_log("'gone.png' is gone"));
}

TEST_F(Web, KindFollowsTheClipboard) {
    EXPECT_EQ(ask(get("/api/kind")).body, "{\"kind\":\"empty\"}");
    ASSERT_EQ(ask(put_request("t")).status, 204);
    auto response = ask(get("/api/kind"));
    EXPECT_NE(response.head.find("application/json"), std::string::npos);
    EXPECT_EQ(response.body, "{\"kind\":\"text\"}");
}

// ---- files ----

TEST_F(Web, NoFilesIsAnEmptyList) {
    EXPECT_EQ(ask(get("/api/files")).body, "{\"items\":[]}");
    expect_refused(get("/api/files/nothing"), 404);
}

TEST_F(Web, UploadedFileAndFolderAreStoredListedAndDownloaded) {
    const std::string big = pattern(300000);
    auto body = upload_body({file_entry("a.txt", "hello"), file_entry("photos/x.bin", big),
                             file_entry("photos/sub/y.txt", "why"), dir_entry("photos/empty")});
    auto stored = ask(upload_request(body));
    ASSERT_EQ(stored.status, 201) << stored.head;
    EXPECT_EQ(stored.body, "{\"files\":4}");
    // On disk as Send Files leaves it, and on the clipboard.
    auto work = daemon->working_dir();
    EXPECT_EQ(file_text(work / "a.txt"), "hello");
    EXPECT_EQ(file_text(work / "photos/x.bin"), big);
    EXPECT_TRUE(std::filesystem::is_directory(work / "photos/empty"));
    EXPECT_EQ(ask(get("/api/kind")).body, "{\"kind\":\"files\"}");
    EXPECT_EQ(ask(get("/api/files")).body,
              "{\"items\":[{\"name\":\"a.txt\",\"dir\":false,\"size\":5},"
              "{\"name\":\"photos\",\"dir\":true,\"size\":300003,\"files\":2}]}");

    auto file = ask(get("/api/files/a.txt"));
    EXPECT_EQ(file.status, 200);
    EXPECT_EQ(file.body, "hello");
    EXPECT_NE(file.head.find("Content-Disposition: attachment; filename*=UTF-8''a.txt"),
              std::string::npos);

    auto tar = ask(get("/api/files/photos"));
    ASSERT_EQ(tar.status, 200) << tar.head;
    EXPECT_NE(tar.head.find("application/x-tar"), std::string::npos);
    EXPECT_NE(tar.head.find("photos.tar"), std::string::npos);
    TempDir out;
    {
        std::ofstream archive{out.path() / "photos.tar", std::ios::binary};
        archive << tar.body;
    }
    auto tar_program = find_program("tar");
    ASSERT_FALSE(tar_program.empty());
    auto extract = run_command({tar_program.string(), "-xf", (out.path() / "photos.tar").string(),
                                "-C", out.path().string()});
    EXPECT_EQ(extract.exit_status, 0) << extract.err;
    auto listed = run_command({tar_program.string(), "-tvf", (out.path() / "photos.tar").string()});
    EXPECT_NE(listed.out.find("photos/empty/"), std::string::npos) << listed.out;
    EXPECT_EQ(file_text(out.path() / "photos/x.bin"), big);
    EXPECT_EQ(file_text(out.path() / "photos/sub/y.txt"), "why");
    EXPECT_TRUE(std::filesystem::is_directory(out.path() / "photos/empty"));
}

TEST_F(Web, ChunkedUploadIsStored) {
    auto body = upload_body({file_entry("c.txt", pattern(70000))});
    std::string request =
        "POST /api/files HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        "Content-Type: application/x-clipshare-files\r\nTransfer-Encoding: chunked\r\n\r\n";
    for (std::size_t at = 0; at < body.size(); at += 1000) {
        auto piece = body.substr(at, 1000);
        char size[16];
        std::snprintf(size, sizeof size, "%zx\r\n", piece.size());
        request += size + piece + "\r\n";
    }
    request += "0\r\n\r\n";
    EXPECT_EQ(ask(request).status, 201);
    EXPECT_EQ(file_text(daemon->working_dir() / "c.txt"), pattern(70000));
}

TEST_F(Web, BadUploadsAreRefusedAndLeaveNothing) {
    struct Case {
        std::string body;
        int status;
    };
    const std::vector<Case> cases{
        {upload_body({file_entry("../x", "x")}), 400},
        {upload_body({file_entry("a//b", "x")}), 400},
        {std::string(8, '\0'), 400},  // count 0
        {upload_body({file_entry("big", std::string(1000001, 'b'))}), 413},
        {upload_body({file_entry("a", "x"), file_entry("a", "y")}), 400},
        {upload_body({file_entry("ok", "fine")}).substr(0, 28), 400},  // ends short
    };
    for (const auto& c : cases) {
        expect_refused(upload_request(c.body), c.status);
        EXPECT_EQ(settled(daemon->working_dir(), {}), std::set<std::string>{}) << c.status;
    }
    expect_refused(upload_request(upload_body({file_entry("a", "x")}), "text/plain"), 415);
    EXPECT_EQ(ask(get("/api/kind")).body, "{\"kind\":\"empty\"}");
}

TEST_F(Web, OverTheQuotaIsInsufficientStorage) {
    expect_refused(upload_request(upload_body({file_entry("one", pattern(600000)),
                                               file_entry("two", pattern(600000)),
                                               file_entry("three", pattern(900000))})),
                   507);
    EXPECT_EQ(settled(daemon->working_dir(), {}), std::set<std::string>{});
}

TEST_F(Web, ClientGoneMidBodyLeavesNothing) {
    auto body = upload_body({file_entry("first", pattern(200000)), file_entry("second", "x")});
    auto request = upload_request(body);
    {
        auto client = Client::connect(daemon->web_port());
        client.send(request.substr(0, request.size() - 5000));
        EXPECT_TRUE(wait_until([&] { return !contents(daemon->working_dir()).empty(); }));
    }
    EXPECT_TRUE(daemon->wait_for_log("the body ended after"));
    EXPECT_EQ(settled(daemon->working_dir(), {}), std::set<std::string>{});
    EXPECT_EQ(ask(get("/api/kind")).body, "{\"kind\":\"empty\"}");
}

TEST_F(Web, ShutdownMidBodyLeavesNothing) {
    auto request = upload_request(upload_body({file_entry("partial", pattern(400000))}));
    auto client = Client::connect(daemon->web_port());
    client.send(request.substr(0, request.size() - 100000));
    ASSERT_TRUE(wait_until([&] { return !contents(daemon->working_dir()).empty(); }));
    EXPECT_EQ(daemon->stop(SIGTERM), 0);
    EXPECT_EQ(contents(daemon->working_dir()), std::set<std::string>{});
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

TEST_F(WebTls, AllowedCertificateUploadsListsAndDownloads) {
    auto client = TlsClient::connect(daemon->web_port(), certs->client("phone"));
    ASSERT_TRUE(client->handshake_ok()) << client->error();
    const std::string data = pattern(200000);
    client->send(bytes_of_text(upload_request(upload_body({file_entry("t.bin", data)}))));
    EXPECT_EQ(read_response(*client).status, 201);
    client->send(bytes_of_text(get("/api/files")));
    EXPECT_EQ(read_response(*client).body,
              "{\"items\":[{\"name\":\"t.bin\",\"dir\":false,\"size\":200000}]}");
    client->send(bytes_of_text(get("/api/files/t.bin")));
    EXPECT_EQ(read_response(*client).body, data);
    client->send(bytes_of_text(get("/api/kind")));
    EXPECT_EQ(read_response(*client).body, "{\"kind\":\"files\"}");
}

TEST_F(WebTls, ForeignOriginOverTlsIsForbidden) {
    auto client = TlsClient::connect(daemon->web_port(), certs->client("phone"));
    ASSERT_TRUE(client->handshake_ok()) << client->error();
    // A page served over TLS has an https origin; http:// of the same host is another.
    client->send(bytes_of_text(get("/api/kind", "Origin: http://127.0.0.1\r\n")));
    EXPECT_EQ(read_response(*client).status, 403);
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
