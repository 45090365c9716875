// The callback rule (clipboard/clipboard.hpp) and backpressure, through a Session without
// sockets: backends answer on a later turn of a hand-turned loop, and the host keeps what is
// sent pending until the test drains it, the way a socket nobody reads would.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "clipboard/deferred_clipboard.hpp"
#include "fakes.hpp"
#include "files/disk_files.hpp"
#include "proto/files_sender.hpp"
#include "proto/wire.hpp"
#include "sandbox.hpp"
#include "server/uv_next_turn.hpp"
#include "wire_bytes.hpp"

namespace clipshare {
namespace {

using namespace test;  // Bytes, operator+, i64, entry

// ---- the boundary ----

TEST(DeferredClipboard, AnAnswerGivenAtOnceArrivesOnTheNextTurn) {
    fake::Loop loop;
    fake::Clipboard backend;  // answers inside the call
    backend.current = ContentKind::text;
    DeferredClipboard clipboard{backend, loop};
    int answers = 0;
    clipboard.kind([&](ContentKind kind) {
        ++answers;
        EXPECT_EQ(kind, ContentKind::text);
    });
    EXPECT_EQ(answers, 0);  // not inside the call
    loop.turn();
    EXPECT_EQ(answers, 1);
}

TEST(DeferredClipboard, AnAnswerThatComesLaterTakesNoExtraTurn) {
    fake::Loop backend_loop;
    fake::Loop loop;
    fake::Clipboard backend;
    backend.later = &backend_loop;
    backend.current = ContentKind::text;
    backend.text = "t";
    DeferredClipboard clipboard{backend, loop};
    std::string got;
    clipboard.get_text([&](SharedBytes text) { got = text->bytes; });
    backend_loop.turn();
    EXPECT_EQ(got, "t");
    EXPECT_TRUE(loop.tasks.empty());
}

TEST(DeferredClipboard, EveryCallIsDeferred) {
    fake::Loop loop;
    fake::Clipboard backend;
    DeferredClipboard clipboard{backend, loop};
    int answers = 0;
    clipboard.kind([&](ContentKind) { ++answers; });
    clipboard.get_text([&](SharedBytes) { ++answers; });
    clipboard.set_text(make_shared_bytes("x"), [&](std::string) { ++answers; });
    clipboard.get_files([&](auto) { ++answers; });
    clipboard.set_files({}, [&](std::string) { ++answers; });
    clipboard.get_image([&](std::optional<Image>) { ++answers; });
    clipboard.screenshot(1, [&](std::optional<Image>) { ++answers; });
    EXPECT_EQ(answers, 0);
    loop.turn();
    EXPECT_EQ(answers, 7);
}

TEST(UvNextTurn, RunsTasksOnALaterIterationInOrderAndLetsTheLoopEnd) {
    uv_loop_t loop{};
    ASSERT_EQ(uv_loop_init(&loop), 0);
    {
        UvNextTurn next_turn{&loop};
        std::vector<int> ran;
        next_turn.post([&] {
            ran.push_back(1);
            next_turn.post([&] { ran.push_back(3); });  // the turn after
        });
        next_turn.post([&] { ran.push_back(2); });
        EXPECT_TRUE(ran.empty());
        uv_run(&loop, UV_RUN_NOWAIT);
        EXPECT_EQ(ran, (std::vector<int>{1, 2}));
        // Nothing else keeps the loop alive: it ends once the last task ran.
        uv_run(&loop, UV_RUN_DEFAULT);
        EXPECT_EQ(ran, (std::vector<int>{1, 2, 3}));
    }
    uv_run(&loop, UV_RUN_DEFAULT);  // the idle handle's close
    EXPECT_EQ(uv_loop_close(&loop), 0);
}

// DiskFiles keeps the rule by construction (WorkQueue): checked here, not assumed.
TEST(DiskFilesRule, NoAnswerArrivesInsideTheCallThatAskedForIt) {
    test::Sandbox sandbox;
    uv_loop_t loop{};
    ASSERT_EQ(uv_loop_init(&loop), 0);
    {
        DiskFiles files{&loop, sandbox.target(), 8};
        ASSERT_EQ(files.open(), "");
        int answers = 0;
        auto count = [&answers](auto&&...) { ++answers; };
        // `ask` makes one request: its answer must wait for the loop.
        auto answered_later = [&](auto ask) {
            int before = answers;
            ask();
            EXPECT_EQ(answers, before);
            uv_run(&loop, UV_RUN_DEFAULT);
            EXPECT_EQ(answers, before + 1);
        };
        auto batch = files.begin_batch();
        answered_later([&] { batch->add_directory("d", count); });
        answered_later([&] { batch->begin_file("d/f", 1, count); });
        answered_later([&] { batch->write({'x'}, count); });
        answered_later([&] { batch->end_file(count); });
        answered_later([&] { batch->commit(count); });
        answered_later([&] { batch->finish(count); });

        auto listing = files.list({sandbox.target() / "d"}, 4);
        answered_later([&] { listing->count(count); });
        std::vector<FileEntry> entries;
        answered_later([&] {
            listing->next([&](std::string, std::vector<FileEntry> got) {
                ++answers;
                entries = std::move(got);
            });
        });
        auto file = std::find_if(entries.begin(), entries.end(),
                                 [](const FileEntry& entry) { return entry.size == 1; });
        ASSERT_NE(file, entries.end());
        auto reader = files.open(*file);
        answered_later([&] { reader->read(1, count); });
    }
    uv_run(&loop, UV_RUN_DEFAULT);
    EXPECT_EQ(uv_loop_close(&loop), 0);
}

// ---- a session over late answers ----

class LateAnswers : public ::testing::Test {
protected:
    fake::Host host;
    fake::Loop loop;
    fake::Clipboard clipboard;
    DeferredClipboard deferred{clipboard, loop};
    fake::Files files;
    SessionSettings settings;
    std::unique_ptr<Session> session;

    void SetUp() override {
        files.later = &loop;
        host.hold_output = true;
        session = std::make_unique<Session>(settings, host, Services{&deferred, &files});
    }
    // The socket takes everything sent so far.
    void drain() {
        host.pending = 0;
        session->on_output_drained();
    }
};

TEST_F(LateAnswers, AFileDownloadWaitsForTheSocketAChunkAtATime) {
    std::string data(1 << 20, 'f');
    clipboard.current = ContentKind::files;
    clipboard.files = {"/w/big"};
    files.listing = {{"big", static_cast<std::int64_t>(data.size()), "/w/big", "/w", "big"}};
    files.disk["/w/big"] = data;
    Bytes expected = Bytes{1, 1} + i64(1) + entry("big", data);

    session->feed(Bytes{4, 3});
    loop.run();
    int drains = 0;
    while (host.sent.size() < expected.size() && drains < 100) {
        // Never more than the chunk being sent and the one read meanwhile (and the entry's
        // header before the first).
        EXPECT_LE(host.pending, files_working_set);
        EXPECT_TRUE(loop.tasks.empty());  // nothing runs until the socket drains
        drain();
        loop.run();
        ++drains;
    }
    EXPECT_EQ(host.sent, expected);
    // 1 MiB in 128 KiB reads, at most two waiting for the socket: four windows.
    EXPECT_GE(drains, 3);
    drain();
    loop.run();
    EXPECT_FALSE(host.finished);
    session->feed(Bytes{1});
    EXPECT_TRUE(host.finished);
    EXPECT_EQ(host.note, "");
}

TEST_F(LateAnswers, AFileDownloadOverTlsReadsTheNextChunkWhileOneWaits) {
    // TLS sends a chunk as a little more (its records' headers and tags): the next chunk is
    // still read while the last one waits for the socket, or the disk and the socket would
    // take turns.
    host.framing_per_64 = 1;
    std::string data(1 << 20, 'f');
    clipboard.current = ContentKind::files;
    clipboard.files = {"/w/big"};
    files.listing = {{"big", static_cast<std::int64_t>(data.size()), "/w/big", "/w", "big"}};
    files.disk["/w/big"] = data;

    session->feed(Bytes{4, 3});
    loop.run();
    EXPECT_GE(host.sent.size(), 2 * file_chunk_size);
    // Still two chunks at most.
    EXPECT_LT(host.sent.size(), 3 * file_chunk_size);
    EXPECT_LE(host.pending, files_working_set);
    drain();
    loop.run();
    EXPECT_GE(host.sent.size(), 4 * file_chunk_size);
}

TEST_F(LateAnswers, AFileDownloadReadsAheadWhatTheTransportAsksIfTheBudgetHasRoomForIt) {
    // TLS sealing on the pool asks for two more chunks: read while the one before is sealed,
    // granted only while that is at most 1/8 of the budget's free work share.
    std::string data(1 << 20, 'f');
    clipboard.current = ContentKind::files;
    clipboard.files = {"/w/big"};
    files.listing = {{"big", static_cast<std::int64_t>(data.size()), "/w/big", "/w", "big"}};
    files.disk["/w/big"] = data;
    host.ahead = 2 * file_chunk_size;
    for (const std::size_t limit : {std::size_t{64} << 20, std::size_t{1536} << 10}) {
        MemoryBudget budget{limit};
        host.sent.clear();
        host.pending = 0;
        session = std::make_unique<Session>(settings, host, Services{&deferred, &files, &budget});
        session->feed(Bytes{4, 3});
        loop.run();
        if (limit > (std::size_t{2} << 20)) {
            // Two chunks of window and two ahead, and the ahead charged.
            EXPECT_GE(host.sent.size(), 4 * file_chunk_size);
            EXPECT_LE(host.pending, files_working_set + host.ahead);
            EXPECT_GE(budget.used(), files_working_set + host.ahead);
        } else {
            // 1.5 MiB: the free work share is under 2 MiB, so the window stays as it is.
            EXPECT_LT(host.sent.size(), 3 * file_chunk_size);
            EXPECT_LT(budget.used(), files_working_set + host.ahead);
        }
        session.reset();
    }
}

TEST_F(LateAnswers, ATextReplyIsSentAWindowAtATime) {
    clipboard.current = ContentKind::text;
    clipboard.text = std::string(1 << 20, 't');
    session->feed(Bytes{4, 1});
    EXPECT_EQ(host.sent, Bytes{1});  // the clipboard has not answered yet
    loop.run();
    auto reply_size = 1 + 8 + clipboard.text.size();  // 01, the length, the text
    EXPECT_LT(host.sent.size(), 1 + reply_size / 2);
    int drains = 0;
    while (host.sent.size() < 1 + reply_size && drains < 100) {
        EXPECT_LE(host.pending, file_chunk_size + transfer_chunk_size + 16);
        drain();
        ++drains;
    }
    EXPECT_EQ(host.sent.size(), 1 + reply_size);
    EXPECT_GE(drains, 4);  // 64 KiB messages while at most 128 KiB wait
}

TEST_F(LateAnswers, APipelinedAcknowledgementWaitsForTheReplyItAcknowledges) {
    clipboard.current = ContentKind::text;
    clipboard.text = "hello";
    host.hold_output = false;
    session->feed(Bytes{4, 1, 1});  // method and acknowledgement in one read
    EXPECT_FALSE(host.finished);
    EXPECT_TRUE(host.paused);  // the acknowledgement is held, not taken for the reply's
    loop.run();
    EXPECT_EQ(host.sent, (Bytes{1, 1} + i64(5) + Bytes{'h', 'e', 'l', 'l', 'o'}));
    EXPECT_TRUE(host.finished);
    EXPECT_EQ(host.note, "");
}

TEST_F(LateAnswers, AnUploadPausesForASlowDiskAndResumesOnItsAnswers) {
    // Many small files in one read: the handler stops reading when the disk is behind.
    Bytes upload = Bytes{4, 4} + i64(100);
    for (int i = 0; i < 100; ++i) upload = upload + entry("f" + std::to_string(i), "x");
    files.to_place = {{"f0", false, false}};
    host.hold_output = false;
    session->feed(upload);
    EXPECT_TRUE(host.paused);
    EXPECT_FALSE(host.finished);
    EXPECT_LE(files.steps_pending, 32u + 2);  // max_pending_steps, give or take an entry's
    loop.run();
    EXPECT_LE(files.most_steps_pending, 32u + 2);
    EXPECT_FALSE(host.paused);
    EXPECT_TRUE(host.finished) << host.note;
    EXPECT_FALSE(host.aborted) << host.note;
    EXPECT_EQ(files.written, std::string(100, 'x'));
    EXPECT_EQ(host.sent, (Bytes{1, 1, 1}));  // the acknowledgement follows the commit
    EXPECT_EQ(clipboard.current, ContentKind::files);
}

TEST_F(LateAnswers, ThePeersEndComesAfterTheInputHeldBeforeIt) {
    Bytes upload = Bytes{4, 4} + i64(100);
    for (int i = 0; i < 100; ++i) upload = upload + entry("f" + std::to_string(i), "x");
    host.hold_output = false;
    session->feed(upload);
    ASSERT_TRUE(host.paused);
    // The client sent everything and closed its side: that is not "closed mid-upload".
    session->on_peer_end();
    EXPECT_FALSE(host.aborted);
    loop.run();
    EXPECT_TRUE(host.finished) << host.note;
    EXPECT_FALSE(host.aborted) << host.note;
    EXPECT_EQ(files.written.size(), 100u);
    EXPECT_TRUE(session->input_ended());
}

TEST_F(LateAnswers, AStoredTextIsAcknowledgedOnlyOnceTheClipboardAnswers) {
    host.hold_output = false;
    session->feed(Bytes{4, 2} + i64(2) + Bytes{'o', 'k'});
    EXPECT_EQ(host.sent, (Bytes{1, 1}));  // no acknowledgement inside the call
    EXPECT_TRUE(session->waiting_for_daemon());
    loop.run();
    EXPECT_EQ(host.sent, (Bytes{1, 1, 1}));
    EXPECT_TRUE(host.finished);
}

}  // namespace
}  // namespace clipshare
