// HttpRequestParser: http_parser's callbacks turned into a bounded head and body pieces,
// whatever way the bytes are split, and the limits answered with the right status.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "web/http_request_parser.hpp"

namespace clipshare {
namespace {

std::span<const std::uint8_t> bytes(std::string_view text) {
    return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

class Recorder final : public HttpRequestHandler {
public:
    std::vector<HttpRequestHead> heads;
    std::string body;
    std::size_t pieces = 0;
    int ends = 0;

    std::optional<HttpError> on_request_head(HttpRequestHead head) override {
        heads.push_back(std::move(head));
        return std::nullopt;
    }
    std::optional<HttpError> on_request_body(std::span<const std::uint8_t> piece) override {
        body.append(reinterpret_cast<const char*>(piece.data()), piece.size());
        ++pieces;
        return std::nullopt;
    }
    void on_request_end() override { ++ends; }
};

struct Parsed {
    Recorder recorder;
    std::optional<HttpError> error;
    std::size_t consumed = 0;
};

// Feeds `request` in pieces of `step` bytes (all at once for 0).
void parse(Parsed& out, std::string_view request, std::size_t step = 0, HttpLimits limits = {}) {
    HttpRequestParser parser{limits, out.recorder};
    if (step == 0) step = request.size();
    for (std::size_t at = 0; at < request.size() && !out.error && out.recorder.ends == 0;
         at += step) {
        auto result = parser.feed(bytes(request.substr(at, step)));
        out.consumed += result.consumed;
        out.error = result.error;
    }
}

constexpr std::string_view kPut =
    "PUT /api/text?x=1 HTTP/1.1\r\nHost: a\r\nCONTENT-length: 5\r\n\r\nhello";

TEST(HttpRequestParser, HeadAndBodyWhateverTheSplit) {
    for (std::size_t step : {0, 1, 2, 7}) {
        Parsed parsed;
        parse(parsed, kPut, step);
        ASSERT_FALSE(parsed.error) << step << ": " << parsed.error->reason;
        ASSERT_EQ(parsed.recorder.heads.size(), 1u);
        const auto& head = parsed.recorder.heads[0];
        EXPECT_EQ(head.method, "PUT");
        EXPECT_EQ(head.target, "/api/text?x=1");
        EXPECT_EQ(head.path(), "/api/text");
        EXPECT_EQ(head.header("host"), "a");
        EXPECT_EQ(head.content_length, 5u);
        EXPECT_TRUE(head.keep_alive);
        EXPECT_EQ(parsed.recorder.body, "hello");
        EXPECT_EQ(parsed.recorder.ends, 1);
    }
}

TEST(HttpRequestParser, ChunkedBodyIsDecodedInPieces) {
    Parsed parsed;
    parse(parsed,
          "PUT / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;ext=1\r\nde\r\n"
          "0\r\n\r\n",
          4);
    ASSERT_FALSE(parsed.error);
    EXPECT_TRUE(parsed.recorder.heads.at(0).chunked);
    EXPECT_FALSE(parsed.recorder.heads.at(0).content_length);
    EXPECT_EQ(parsed.recorder.body, "abcde");
    EXPECT_GE(parsed.recorder.pieces, 2u);
    EXPECT_EQ(parsed.recorder.ends, 1);
}

TEST(HttpRequestParser, StopsAtTheEndOfOneRequest) {
    Recorder recorder;
    HttpRequestParser parser{{}, recorder};
    std::string two = std::string{kPut} + "GET / HTTP/1.0\r\n\r\n";
    auto first = parser.feed(bytes(two));
    EXPECT_FALSE(first.error);
    EXPECT_EQ(first.consumed, kPut.size());
    EXPECT_EQ(parser.feed(bytes(two).subspan(first.consumed)).consumed, 0u);  // until reset
    parser.reset();
    auto second = parser.feed(bytes(two).subspan(first.consumed));
    EXPECT_FALSE(second.error);
    ASSERT_EQ(recorder.heads.size(), 2u);
    EXPECT_EQ(recorder.heads[1].method, "GET");
    EXPECT_FALSE(recorder.heads[1].keep_alive);  // HTTP/1.0 without keep-alive
    EXPECT_EQ(recorder.ends, 2);
}

TEST(HttpRequestParser, DeclaredLengthIsOnlyReported) {
    Parsed parsed;
    parse(parsed, "PUT / HTTP/1.1\r\nContent-Length: 999999999999999\r\n\r\nab");
    ASSERT_FALSE(parsed.error);
    EXPECT_EQ(parsed.recorder.heads.at(0).content_length, 999999999999999u);
    EXPECT_EQ(parsed.recorder.body, "ab");
    EXPECT_EQ(parsed.recorder.ends, 0);
}

TEST(HttpRequestParser, LimitsAnswerWithTheirStatus) {
    HttpLimits limits{1024, 8};
    struct Case {
        std::string request;
        int status;
        bool head_whole = false;  // the fault is in the body
    };
    std::string many = "GET / HTTP/1.1\r\n";
    for (int i = 0; i < 9; ++i) many += "X" + std::to_string(i) + ": v\r\n";
    const Case cases[] = {
        {"GET /" + std::string(1100, 'a') + " HTTP/1.1\r\n\r\n", 414},
        {"GET / HTTP/1.1\r\nX: " + std::string(1100, 'b') + "\r\n\r\n", 431},
        // Spaces are not kept, but they are received.
        {"GET / HTTP/1.1\r\nX:" + std::string(1100, ' ') + "v\r\n\r\n", 431},
        {many + "\r\n", 431},
        {"PUT / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400, true},
        {"GET / HTTP/2.0\r\n\r\n", 505},
        {"NOT A REQUEST\r\n\r\n", 400},
        {"GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", 400},
    };
    for (const auto& test : cases) {
        for (std::size_t step : {0, 1}) {
            Parsed parsed;
            parse(parsed, test.request, step, limits);
            ASSERT_TRUE(parsed.error) << test.request.substr(0, 40);
            EXPECT_EQ(parsed.error->status, test.status) << test.request.substr(0, 40);
            EXPECT_EQ(parsed.recorder.heads.empty(), !test.head_whole) << test.request;
        }
    }
}

TEST(HttpRequestParser, HandlerRefusalStopsTheParse) {
    class Refuser final : public HttpRequestHandler {
    public:
        std::optional<HttpError> on_request_head(HttpRequestHead) override { return std::nullopt; }
        std::optional<HttpError> on_request_body(std::span<const std::uint8_t>) override {
            return HttpError{413, "too big"};
        }
        void on_request_end() override { ended = true; }
        bool ended = false;
    } refuser;
    HttpRequestParser parser{{}, refuser};
    auto result = parser.feed(bytes(kPut));
    ASSERT_TRUE(result.error);
    EXPECT_EQ(result.error->status, 413);
    EXPECT_FALSE(refuser.ended);
}

}  // namespace
}  // namespace clipshare
