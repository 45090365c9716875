// A Connection with a real Session over a stream in memory, on a real libuv loop (for its
// timers; no sockets): bytes in and out, output that waits for the network, the peer's end,
// the deadlines, and one close however the exchange ends.
#include <gtest/gtest.h>
#include <uv.h>

#include <memory>
#include <string>

#include "fakes.hpp"
#include "memory_stream.hpp"
#include "proto/files_sender.hpp"
#include "proto/wire.hpp"
#include "server/connection.hpp"
#include "support/files.hpp"
#include "support/temp_dir.hpp"
#include "util/log.hpp"
#include "wire_bytes.hpp"

namespace clipshare {
namespace {

using namespace test;  // Bytes, operator+, i64, MemoryPeer

Bytes info_reply() {
    return Bytes{1} + wire::MessageBuilder{}.byte(wire::ok).string("clip_share").take();
}

class ConnectionTest : public ::testing::Test, public ConnectionOwner {
protected:
    void SetUp() override {
        ASSERT_EQ(uv_loop_init(&loop), 0);
        ASSERT_EQ(log_use_file(log_dir.path() / "log"), "");
    }
    void TearDown() override {
        connection.reset();
        // Every timer the connection had must close: nothing may be left on the loop.
        uv_run(&loop, UV_RUN_DEFAULT);
        EXPECT_EQ(uv_loop_close(&loop), 0) << "a handle outlived its connection";
        log_use_syslog(false);  // back to stderr, closing the file
    }

    // The server's part: the connection is destroyed in its closed callback.
    void on_connection_closed(Connection& closed) override {
        EXPECT_EQ(&closed, connection.get());
        ++closed_callbacks;
        connection.reset();
    }

    Connection& start(ConnectionTimeouts timeouts = {}) {
        connection = std::make_unique<Connection>(
            *this, &loop, std::make_unique<test::MemoryStream>(peer), settings,
            Services{&clipboard, &files}, timeouts, MemoryCharge{});
        connection->start();
        return *connection;
    }
    std::string log() const { return test::read_file(log_dir.path() / "log"); }

    uv_loop_t loop{};
    test::TempDir log_dir{"clipshare-connection"};
    MemoryPeer peer;
    SessionSettings settings;
    fake::Clipboard clipboard;
    fake::Files files;
    std::unique_ptr<Connection> connection;
    int closed_callbacks = 0;
};

TEST_F(ConnectionTest, ReadsFromTheStartAndAnswersOverTheStream) {
    start();
    EXPECT_TRUE(peer.reading());
    peer.send({4, 125});
    EXPECT_EQ(peer.written(), info_reply());
    EXPECT_EQ(peer.pending(), peer.written().size()) << "nothing was taken by the network yet";
    EXPECT_EQ(peer.closes(), 0);
}

TEST_F(ConnectionTest, AFinishedExchangeShutsDownThenClosesOnceOnThePeersEnd) {
    start();
    peer.send({4, 125, 1});
    EXPECT_EQ(peer.shutdowns(), 1);
    EXPECT_TRUE(peer.reading()) << "the rest of the peer's input is drained until its end";
    peer.take();
    EXPECT_EQ(peer.closes(), 0) << "closing before the peer does could reset the reply";
    peer.end(0);
    EXPECT_EQ(peer.closes(), 1);
    EXPECT_EQ(closed_callbacks, 0) << "the owner hears of it only once the transport closed";
    peer.report_closed();
    EXPECT_EQ(closed_callbacks, 1);
    EXPECT_FALSE(peer.stream_alive()) << "the owner destroyed the connection and its stream";
}

TEST_F(ConnectionTest, ThePeersEndWaitsForTheQueuedReplyToDrain) {
    start();
    peer.send({4, 125, 1});
    peer.end(0);
    EXPECT_EQ(peer.closes(), 0) << "closing now would drop the queued reply";
    peer.take(3);
    EXPECT_EQ(peer.closes(), 0);
    peer.take();
    EXPECT_EQ(peer.closes(), 1);
    peer.report_closed();
    EXPECT_EQ(closed_callbacks, 1);
}

TEST_F(ConnectionTest, InputAfterTheExchangeIsDroppedUnanswered) {
    start();
    peer.send({4, 125, 1});
    auto reply = peer.written();
    peer.send({4, 125, 1, 4, 125});
    EXPECT_EQ(peer.written(), reply);
    EXPECT_EQ(peer.closes(), 0);
}

TEST_F(ConnectionTest, GetFilesProducesOneWindowAheadOfTheNetworkAndNoMore) {
    const std::string content(8 * file_chunk_size + 5, 'x');
    clipboard.current = ContentKind::files;
    clipboard.files = {"/w/big"};
    files.listing = {{"big", static_cast<std::int64_t>(content.size()), "/w/big", "/w", "big"}};
    files.disk["/w/big"] = content;
    start();
    peer.send({4, 3});
    // The sender stops once the stream holds more than a chunk: the rest stays on the disk.
    EXPECT_LE(peer.pending(), files_working_set);
    EXPECT_LT(peer.written().size(), content.size());
    int rounds = 0;
    while (peer.pending() > 0 && rounds < 100) {
        peer.take();
        EXPECT_LE(peer.pending(), files_working_set) << "after round " << rounds;
        ++rounds;
    }
    EXPECT_GT(rounds, 4) << "the file went out in one go: pending output is not looked at";
    Bytes name{'b', 'i', 'g'};
    Bytes expected = Bytes{1, 1} + i64(1) + i64(3) + name +
                     i64(static_cast<std::int64_t>(content.size())) +
                     Bytes(content.begin(), content.end());
    EXPECT_EQ(peer.written(), expected);
    EXPECT_EQ(peer.shutdowns(), 0) << "the v4 exchange waits for the client's confirmation";
    peer.send({1});
    EXPECT_EQ(peer.shutdowns(), 1);
}

TEST_F(ConnectionTest, AnUploadsContentIsReadStraightIntoItsChunks) {
    fake::Loop disk;  // the disk answers when the test turns it
    files.later = &disk;
    clipboard.later = &disk;
    peer.read_in_place(16);
    start();
    const std::string content(100 * 1024, 'u');
    peer.send(Bytes{1, 4} + entry("f", content));
    while (disk.turn()) peer.deliver();
    EXPECT_EQ(files.written, content);
    // Only the content bytes that shared the header's read were copied.
    EXPECT_GT(peer.in_place_bytes(), content.size() - 16);
    EXPECT_LE(peer.in_place_bytes(), content.size());
    EXPECT_EQ(peer.written(), (Bytes{1, 1}));
    EXPECT_EQ(peer.shutdowns(), 1) << "stored: the v1 exchange is over";
    EXPECT_EQ(peer.closes(), 0);
}

TEST_F(ConnectionTest, AProtocolErrorClosesAtOnceAndOnlyOnce) {
    start();
    peer.send(Bytes{4, 2} + i64(-1));  // Send Text with a negative length
    EXPECT_EQ(peer.closes(), 1);
    EXPECT_EQ(peer.shutdowns(), 0) << "an abort does not wait for a flush";
    EXPECT_FALSE(peer.reading());
    // Whatever comes after the close closes nothing again.
    connection->stop("the server is stopping");
    peer.take();
    peer.report_closed();
    EXPECT_EQ(peer.closes(), 1);
    EXPECT_EQ(closed_callbacks, 1);
    EXPECT_NE(log().find("memory-peer:1: "), std::string::npos) << log();
    EXPECT_EQ(log().find("the server is stopping"), std::string::npos)
        << "a connection already closing is not stopped again: " << log();
}

TEST_F(ConnectionTest, ALostConnectionMidRequestClosesAtOnceAndSaysWhy) {
    start();
    peer.send(Bytes{4, 2} + i64(10) + Bytes{'a'});
    peer.end(UV_ECONNRESET);
    EXPECT_EQ(peer.closes(), 1);
    EXPECT_NE(log().find("memory-peer:1: send_text v4"), std::string::npos) << log();
    EXPECT_NE(log().find("connection lost: " + std::string{uv_strerror(UV_ECONNRESET)}),
              std::string::npos)
        << log();
    peer.report_closed();
    EXPECT_EQ(closed_callbacks, 1);
}

TEST_F(ConnectionTest, StoppingTwiceClosesOnceAndLogsOnce) {
    start();
    peer.send({4});
    connection->stop("slot needed");
    connection->stop("slot needed");
    EXPECT_EQ(peer.closes(), 1);
    auto text = log();
    EXPECT_EQ(text.find("slot needed"), text.rfind("slot needed")) << text;
    peer.report_closed();
    EXPECT_EQ(closed_callbacks, 1);
}

// The deadlines run on the loop's own timers: the loop runs until they have fired and the
// connection has nothing left armed.
TEST_F(ConnectionTest, AHeaderThatNeverCompletesMeetsItsDeadline) {
    start({.idle_ms = 60'000, .header_ms = 20});
    peer.send(Bytes{4, 2} + Bytes{0, 0, 0});  // three bytes of an eight-byte length
    EXPECT_EQ(peer.closes(), 0);
    uv_run(&loop, UV_RUN_DEFAULT);
    EXPECT_EQ(peer.closes(), 1);
    EXPECT_NE(log().find("the request header did not arrive within 0 s"), std::string::npos)
        << log();
    peer.report_closed();
    EXPECT_EQ(closed_callbacks, 1);
}

TEST_F(ConnectionTest, AnIdlePeerIsClosedByTheIdleDeadline) {
    start({.idle_ms = 20, .header_ms = 60'000});
    peer.send({4, 125});  // answered; the confirmation never comes
    peer.take();
    uv_run(&loop, UV_RUN_DEFAULT);
    EXPECT_EQ(peer.closes(), 1);
    EXPECT_NE(log().find("no progress for 0 s, closing"), std::string::npos) << log();
    peer.report_closed();
    EXPECT_EQ(closed_callbacks, 1);
}

TEST_F(ConnectionTest, AfterTheReplyDrainsAPeerThatNeverEndsIsLeftAfterTheLinger) {
    start({.idle_ms = 20, .header_ms = 60'000});
    peer.send({4, 125, 1});
    peer.take();
    EXPECT_EQ(peer.closes(), 0);
    uv_run(&loop, UV_RUN_DEFAULT);
    EXPECT_EQ(peer.closes(), 1);
    EXPECT_EQ(log().find("no progress"), std::string::npos)
        << "a finished exchange is not reported as idle: " << log();
    peer.report_closed();
    EXPECT_EQ(closed_callbacks, 1);
}

}  // namespace
}  // namespace clipshare
