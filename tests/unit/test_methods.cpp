// Method machines over fakes, fed whole and byte by byte: what goes out, what is stored,
// and that v4 acknowledgements follow the storing. The clipboard and the disk answer on a
// later turn of a hand-turned loop, as the real ones do; the loop turns after every read.
#include <gtest/gtest.h>

#include "clipboard/deferred_clipboard.hpp"
#include "fakes.hpp"
#include "proto/upload_chunks.hpp"
#include "proto/wire.hpp"
#include "wire_bytes.hpp"

namespace clipshare {
namespace {

using namespace test;  // Bytes, operator+, i64, str, entry

SharedBytes shared(const Bytes& bytes) {
    return make_shared_bytes(std::string(bytes.begin(), bytes.end()));
}

// in_place: a transport that reads into the buffer the session lends (read_target), and
// through feed() a few bytes at a time where it lends none.
enum class Feeding { whole, byte_by_byte, in_place };

class MethodTest : public ::testing::TestWithParam<Feeding> {
protected:
    fake::Host host;
    fake::Loop loop;
    fake::Clipboard clipboard;  // answers at once: the deferred clipboard holds it to the rule
    DeferredClipboard deferred{clipboard, loop};
    fake::Files files;
    SessionSettings settings;
    std::unique_ptr<Session> session;

    Session& make() {
        files.later = &loop;
        session = std::make_unique<Session>(settings, host, Services{&deferred, &files});
        return *session;
    }
    void feed(const Bytes& input) {
        if (!session) make();
        feed(*session, input);
    }
    // Feeds any session the way the parameter says, so that tests with sessions of their own
    // run both ways too.
    void feed(Session& target, const Bytes& input) {
        if (GetParam() == Feeding::whole) {
            target.feed(input);
            loop.run();
        } else if (GetParam() == Feeding::in_place) {
            read_in_place(target, input, 7);
        } else {
            for (auto byte : input) {
                target.feed(std::span{&byte, 1});
                loop.run();
            }
        }
    }
    // Each read lands where the session lends, else goes through feed() (at most `small`
    // bytes); the loop turns after every read. Returns the bytes read in place.
    std::size_t read_in_place(Session& target, const Bytes& input, std::size_t small) {
        std::span<const std::uint8_t> rest{input};
        std::size_t in_place = 0;
        while (!rest.empty()) {
            auto lent = target.read_target();
            std::size_t size = std::min(rest.size(), lent.empty() ? small : lent.size());
            if (lent.empty()) {
                target.feed(rest.first(size));
            } else {
                std::copy_n(rest.begin(), size, lent.begin());
                target.filled(size);
                in_place += size;
            }
            rest = rest.subspan(size);
            loop.run();
        }
        return in_place;
    }
};

// ---- text ----

TEST_P(MethodTest, GetTextServesTheClipboardsText) {
    clipboard.current = ContentKind::text;
    clipboard.text = "a\nb";  // clipboards hand out LF text (SPEC.md 4.1)
    feed({4, 1});
    EXPECT_EQ(host.sent, (Bytes{1, 1} + i64(3) + str("a\nb")));
    EXPECT_FALSE(host.finished);
    feed({1});
    EXPECT_TRUE(host.finished);
}

TEST_P(MethodTest, GetTextOverLimitIsNoData) {
    settings.limits.max_text_length = 3;
    clipboard.current = ContentKind::text;
    clipboard.text = "four";
    feed({4, 1});
    EXPECT_EQ(host.sent, (Bytes{1, 2}));
    EXPECT_TRUE(host.finished);
}

TEST_P(MethodTest, SendTextStoresThenAcks) {
    feed(Bytes{4, 2} + i64(5) + str("hi\r\n!"));
    EXPECT_EQ(clipboard.text, "hi\n!");
    EXPECT_EQ(host.sent, (Bytes{1, 1, 1}));
    EXPECT_TRUE(host.finished);
}

TEST_P(MethodTest, SendTextBeforeV4HasNoAck) {
    feed(Bytes{3, 2} + i64(2) + str("ok"));
    EXPECT_EQ(clipboard.text, "ok");
    EXPECT_EQ(host.sent, (Bytes{1, 1}));
}

TEST_P(MethodTest, SendTextThatCannotBeStoredGetsNoAck) {
    clipboard.fail_with = "disk full";
    feed(Bytes{4, 2} + i64(2) + str("ok"));
    EXPECT_TRUE(host.aborted);
    EXPECT_EQ(host.sent, (Bytes{1, 1}));
    EXPECT_NE(host.note.find("disk full"), std::string::npos);
}

TEST_P(MethodTest, SendTextRefusesBadLengthsAndBytes) {
    for (const Bytes& bad :
         {Bytes{4, 2} + i64(0), Bytes{4, 2} + i64(-1), Bytes{4, 2} + i64(4194305),
          Bytes{4, 2} + i64(1) + Bytes{0}, Bytes{4, 2} + i64(2) + Bytes{0xc3, 0x28}}) {
        fake::Host fresh;
        fake::Clipboard board;
        Session s{settings, fresh, Services{&board, &files}};
        feed(s, bad);
        EXPECT_TRUE(fresh.aborted);
        EXPECT_EQ(board.current, ContentKind::empty);
    }
}

// ---- send files ----

TEST_P(MethodTest, SendFilesV4WritesInOrderAndAcksAfterCommit) {
    files.to_place = {{"d", true, false}};
    feed(Bytes{4, 4} + i64(3) + entry("/d/a.txt", 3, "abc") + entry("d/e/", -1) +
         entry("d/zero", 0));
    // Once committed and on the clipboard, the batch's life ends ("finish", "destroyed").
    std::vector<std::string> expected{"file d/a.txt 3", "write 3",       "end",
                                      "dir d/e",        "file d/zero 0", "end",
                                      "commit",         "finish",        "destroyed"};
    EXPECT_EQ(files.log, expected);
    EXPECT_EQ(files.written, "abc");
    EXPECT_EQ(clipboard.current, ContentKind::files);
    EXPECT_EQ(host.sent, (Bytes{1, 1, 1}));
    EXPECT_TRUE(host.finished);
}

TEST_P(MethodTest, SendFileV1HasNoCountAndKeepsTheBaseName) {
    feed(Bytes{1, 4} + entry("some/where/f.txt", 2, "hi"));
    std::vector<std::string> expected{"file f.txt 2", "write 2", "end",
                                      "commit",       "finish",  "destroyed"};
    EXPECT_EQ(files.log, expected);
    EXPECT_EQ(host.sent, (Bytes{1, 1}));
    EXPECT_TRUE(host.finished);
}

// The sizes of the writes of the last batch, in order.
std::vector<std::size_t> write_sizes(const fake::Files& files) {
    std::vector<std::size_t> sizes;
    for (const auto& line : files.log) {
        if (line.rfind("write ", 0) == 0) sizes.push_back(std::stoul(line.substr(6)));
    }
    return sizes;
}

constexpr std::size_t KiB = 1024;
constexpr std::size_t MiB = 1024 * KiB;

TEST_P(MethodTest, LargeFileIsWrittenInChunks) {
    // Without a budget, and with a router's default one, chunks are 64 KiB.
    for (std::size_t limit : {std::size_t{0}, 16 * MiB}) {
        MemoryBudget budget{limit};
        fake::Host fresh;
        fake::Files disk;
        disk.later = &loop;
        auto s = std::make_unique<Session>(settings, fresh,
                                           Services{&deferred, &disk, limit ? &budget : nullptr});
        std::string data(300 * KiB, 'x');
        feed(*s, Bytes{4, 4} + i64(1) + entry("big", static_cast<std::int64_t>(data.size()), data));
        EXPECT_EQ(disk.written, data);
        EXPECT_EQ(write_sizes(disk),
                  (std::vector<std::size_t>{64 * KiB, 64 * KiB, 64 * KiB, 64 * KiB, 44 * KiB}))
            << "budget " << limit;
        EXPECT_EQ(fresh.sent, (Bytes{1, 1, 1}));
        // Charged today's 194 KiB (and the batch's few names), never more.
        if (limit) {
            EXPECT_LT(budget.used(), upload_working_set(64 * KiB) + 4 * KiB);
        }
        s.reset();
        EXPECT_EQ(budget.used(), 0u);  // all given back with the session
    }
}

TEST_P(MethodTest, LargeFilesGetBiggerChunksWhereTheBudgetHasRoom) {
    struct Case {
        std::size_t limit;
        std::size_t chunk;
    };
    for (auto [limit, chunk] : {Case{128 * MiB, 256 * KiB}, Case{1024 * MiB, 256 * KiB}}) {
        MemoryBudget budget{limit};
        fake::Host fresh;
        fake::Files disk;
        disk.later = &loop;
        auto s = std::make_unique<Session>(settings, fresh, Services{&deferred, &disk, &budget});
        // A small file first (never a reason to grow), then one of two and a half chunks.
        std::string data(chunk * 5 / 2, 'y');
        auto request = Bytes{4, 4} + i64(2) + entry("small", 3, "abc") +
                       entry("big", static_cast<std::int64_t>(data.size()), data);
        // Fed in halves: in the middle the upload is charged its grown working set.
        Bytes first(request.begin(), request.begin() + static_cast<std::ptrdiff_t>(chunk * 2));
        Bytes second(request.begin() + static_cast<std::ptrdiff_t>(chunk * 2), request.end());
        feed(*s, first);
        EXPECT_GE(budget.used(), upload_working_set(chunk)) << "budget " << limit;
        EXPECT_LT(budget.used(), upload_working_set(chunk) + 64 * KiB) << "budget " << limit;
        feed(*s, second);
        EXPECT_EQ(disk.written, "abc" + data);
        EXPECT_EQ(write_sizes(disk), (std::vector<std::size_t>{3, chunk, chunk, chunk / 2}))
            << "budget " << limit;
        EXPECT_EQ(fresh.sent, (Bytes{1, 1, 1}));
        s.reset();
        EXPECT_EQ(budget.used(), 0u);
    }
}

TEST(UploadChunks, GrowOnlyWhereTheFreeBudgetIsLarge) {
    // The work share is seven eighths of the budget.
    EXPECT_EQ(upload_chunk_for(14 * MiB, 0), 64 * KiB);  // a router's default 16 MiB, idle
    EXPECT_EQ(upload_working_set(64 * KiB), 194 * KiB);
    EXPECT_EQ(upload_chunk_for(28 * MiB, 0), 64 * KiB);    // 32 MiB
    EXPECT_EQ(upload_working_set(256 * KiB), 1794 * KiB);  // six in flight, one filling
    EXPECT_EQ(upload_chunk_for(112 * MiB, 0), 256 * KiB);  // 128 MiB
    EXPECT_EQ(upload_chunk_for(896 * MiB, 0), 256 * KiB);  // 1 GiB: never more
    // A large budget that is nearly spent: the grown set must stay a small part of what
    // is left, so the last uploads stay small.
    EXPECT_EQ(upload_chunk_for(10 * MiB, 194 * KiB), 64 * KiB);
    // What the upload holds already counts as room for itself.
    EXPECT_EQ(upload_chunk_for(56 * MiB, 194 * KiB), 256 * KiB);
}

TEST_P(MethodTest, ContentIsReadInPlaceButNeverPastItsFile) {
    make();
    std::string first(150 * KiB, 'a');
    std::string second(10, 'b');
    Bytes request = Bytes{4, 4} + i64(2) + entry("one", first) + entry("two", second);
    auto header = Bytes{4, 4} + i64(2) + entry("one", static_cast<std::int64_t>(first.size()));
    EXPECT_TRUE(session->read_target().empty()) << "nothing is lent before the content";
    session->feed(header);
    // The lent buffer is the chunk being filled: one chunk, or the file's rest if smaller.
    EXPECT_EQ(session->read_target().size(), 64 * KiB);
    std::size_t in_place = read_in_place(
        *session,
        Bytes(request.begin() + static_cast<std::ptrdiff_t>(header.size()), request.end()), 1);
    // Every content byte went in place; only the second header came through feed().
    EXPECT_EQ(in_place, first.size() + second.size());
    EXPECT_EQ(files.written, first + second);
    EXPECT_EQ(write_sizes(files), (std::vector<std::size_t>{64 * KiB, 64 * KiB, 22 * KiB, 10}));
    EXPECT_EQ(host.sent, (Bytes{1, 1, 1}));
    EXPECT_TRUE(host.finished);
    EXPECT_EQ(session->summary().bytes_in, request.size() - 2);
}

TEST_P(MethodTest, ADiskBehindAnInPlaceReadPausesInputUntilItCatchesUp) {
    make();
    std::string data(max_chunks_in_flight * 64 * KiB + 5, 'c');
    session->feed(Bytes{4, 4} + i64(1) + entry("f", static_cast<std::int64_t>(data.size())));
    // The disk answers nothing yet: after the chunks it may hold, input stops.
    std::size_t offset = 0;
    for (std::size_t i = 0; i < max_chunks_in_flight; ++i) {
        auto lent = session->read_target();
        ASSERT_EQ(lent.size(), 64 * KiB);
        std::copy_n(data.begin() + static_cast<std::ptrdiff_t>(offset), lent.size(), lent.begin());
        offset += lent.size();
        session->filled(lent.size());
    }
    EXPECT_TRUE(host.paused) << "the disk is behind: reading on would only hold a read";
    EXPECT_TRUE(session->read_target().empty());
    loop.run();  // the disk catches up
    EXPECT_FALSE(host.paused);
    auto lent = session->read_target();
    ASSERT_EQ(lent.size(), 5u);
    std::copy_n(data.begin() + static_cast<std::ptrdiff_t>(offset), 5, lent.begin());
    session->filled(5);
    loop.run();
    EXPECT_EQ(files.written, data);
    EXPECT_TRUE(host.finished);
}

TEST_P(MethodTest, AfterAPauseInputResumesOnlyOnceTheDiskTookHalfOfWhatItHeld) {
    MemoryBudget budget{1024 * MiB};  // room to grow: 256 KiB chunks, six in flight
    constexpr std::size_t chunk = 256 * KiB;
    fake::Host fresh;
    fake::Files disk;
    disk.later = &loop;
    Session s{settings, fresh, Services{&deferred, &disk, &budget}};
    std::string data(grown_chunks_in_flight * chunk + 5, 'h');
    s.feed(Bytes{4, 4} + i64(1) + entry("f", static_cast<std::int64_t>(data.size())));
    loop.run();  // the file is begun
    std::size_t offset = 0;
    auto fill = [&] {
        auto lent = s.read_target();
        std::copy_n(data.begin() + static_cast<std::ptrdiff_t>(offset), lent.size(), lent.begin());
        offset += lent.size();
        s.filled(lent.size());
        return lent.size();
    };
    for (std::size_t i = 0; i < grown_chunks_in_flight; ++i) ASSERT_EQ(fill(), chunk) << i;
    ASSERT_TRUE(fresh.paused);
    // The disk answers one write at a time.
    auto answer_one = [&] {
        ASSERT_FALSE(loop.tasks.empty());
        auto task = std::move(loop.tasks.front());
        loop.tasks.pop_front();
        task();
    };
    for (std::size_t done = 1; done < grown_chunks_in_flight / 2; ++done) {
        answer_one();
        EXPECT_TRUE(fresh.paused) << "one chunk done of " << grown_chunks_in_flight;
        EXPECT_TRUE(s.read_target().empty());
    }
    answer_one();
    EXPECT_FALSE(fresh.paused) << "half of what the disk held is done";
    EXPECT_EQ(fill(), 5u);
    loop.run();
    EXPECT_EQ(disk.written, data);
    EXPECT_EQ(fresh.sent, (Bytes{1, 1, 1}));
}

TEST_P(MethodTest, DiskFailureAbortsWithoutAck) {
    files.fail_on = "write";
    feed(Bytes{4, 4} + i64(1) + entry("a", 1, "x"));
    EXPECT_TRUE(host.aborted);
    EXPECT_EQ(host.sent, (Bytes{1, 1}));
    EXPECT_EQ(clipboard.current, ContentKind::empty);
}

TEST_P(MethodTest, ClipboardFailureAfterCommitTakesTheBatchBack) {
    clipboard.fail_with = "state_dir is full";
    feed(Bytes{4, 4} + i64(1) + entry("a", 1, "x"));
    EXPECT_TRUE(host.aborted);
    EXPECT_EQ(host.sent, (Bytes{1, 1}));
    ASSERT_GE(files.log.size(), 2u);
    EXPECT_EQ(files.log[files.log.size() - 2], "uncommit");
    EXPECT_EQ(files.log.back(), "destroyed");
}

TEST_P(MethodTest, BadEntriesAbortBeforeTouchingTheDisk) {
    const std::vector<Bytes> bad{
        Bytes{4, 4} + i64(0),
        Bytes{4, 4} + i64(1) + entry("../x", 1, "x"),
        Bytes{4, 4} + i64(2) + entry("x", 1, "x") + entry("x", 1, "y"),
        Bytes{2, 4} + i64(1) + entry("dir", -1),
        Bytes{4, 4} + i64(1) + entry("big", 68719476737),
        Bytes{4, 4} + i64(1) + i64(0),
        Bytes{4, 4} + i64(1) + i64(2049),
    };
    for (const auto& input : bad) {
        fake::Host fresh;
        fake::Files disk;
        Session s{settings, fresh, Services{&clipboard, &disk}};
        feed(s, input);
        EXPECT_TRUE(fresh.aborted) << fresh.note;
        for (const auto& line : disk.log) EXPECT_EQ(line.rfind("commit", 0), std::string::npos);
    }
}

TEST_P(MethodTest, PeerEndMidUploadAbortsAndDropsTheBatch) {
    feed(Bytes{4, 4} + i64(1) + entry("a", 10, "abc"));
    session->on_peer_end();
    EXPECT_TRUE(host.aborted);
    session.reset();
    EXPECT_EQ(files.log.back(), "destroyed");
}

// ---- get files ----

TEST_P(MethodTest, GetFilesSendsTheListingWithContent) {
    clipboard.current = ContentKind::files;
    clipboard.files = {"/w/d"};
    files.listing = {{"d/a", 2, "/w/d/a", "/w", "d/a"},
                     {"d/e", -1, "/w/d/e", "/w", "d/e"},
                     {"d/z", 0, "/w/d/z", "/w", "d/z"}};
    files.disk["/w/d/a"] = "AB";
    feed({4, 3});
    EXPECT_EQ(host.sent,
              (Bytes{1, 1} + i64(3) + entry("d/a", 2, "AB") + entry("d/e", -1) + entry("d/z", 0)));
    EXPECT_FALSE(host.finished);
    feed({1});
    EXPECT_TRUE(host.finished);
}

TEST_P(MethodTest, GetFilesWithEmptyListingIsNoData) {
    clipboard.current = ContentKind::files;
    clipboard.files = {"/w/gone"};
    feed({4, 3});
    EXPECT_EQ(host.sent, (Bytes{1, 2}));
}

// ---- images ----

TEST_P(MethodTest, GetImageFallsBackToScreenshotThenNoData) {
    settings.display = 3;
    feed({4, 5});
    EXPECT_EQ(clipboard.last_display, 3);
    EXPECT_EQ(host.sent, (Bytes{1, 2}));
}

TEST_P(MethodTest, CopiedImageFromMemory) {
    clipboard.image = Image{{}, shared(Bytes{0x89, 'P', 'N', 'G'}), 0};
    feed({4, 6, 1});
    EXPECT_EQ(host.sent, (Bytes{1, 1} + i64(4) + Bytes{0x89, 'P', 'N', 'G'}));
    EXPECT_TRUE(host.finished);
}

TEST_P(MethodTest, ScreenshotDisplayIsTheClientsOnlyWhenAllowed) {
    clipboard.screen = Image{{}, shared(Bytes{1, 2}), 0};
    settings.display = 2;
    feed(Bytes{4, 7} + i64(5));
    EXPECT_EQ(clipboard.last_display, 2);
    EXPECT_EQ(host.sent, (Bytes{1, 1, 1} + i64(2) + Bytes{1, 2}));
}

TEST_P(MethodTest, ScreenshotDisplayChosenByClient) {
    clipboard.screen = Image{{}, shared(Bytes{1}), 0};
    settings.client_selects_display = true;
    feed(Bytes{4, 7} + i64(5));
    EXPECT_EQ(clipboard.last_display, 5);
}

TEST_P(MethodTest, ScreenshotDisplayZeroMeansDefault) {
    settings.client_selects_display = true;
    settings.display = 4;
    feed(Bytes{4, 7} + i64(0));
    EXPECT_EQ(clipboard.last_display, 4);
    EXPECT_EQ(host.sent, (Bytes{1, 1, 2}));
}

// ---- get any ----

TEST_P(MethodTest, GetAnyText) {
    clipboard.current = ContentKind::text;
    clipboard.text = "t";
    feed({4, 124, 1});
    EXPECT_EQ(host.sent, (Bytes{1, 1, 1} + i64(1) + str("t")));
    EXPECT_TRUE(host.finished);
}

TEST_P(MethodTest, GetAnyImage) {
    clipboard.current = ContentKind::image;
    clipboard.image = Image{{}, shared(Bytes{9}), 0};
    feed({4, 124, 1});
    EXPECT_EQ(host.sent, (Bytes{1, 1, 3} + i64(1) + Bytes{9}));
}

TEST_P(MethodTest, GetAnyEmpty) {
    feed({4, 124});
    EXPECT_EQ(host.sent, (Bytes{1, 2}));
    EXPECT_TRUE(host.finished);
}

TEST_P(MethodTest, MethodsWithoutServicesAnswerNotImplemented) {
    Session bare{settings, host};
    feed(bare, Bytes{4, 1});
    EXPECT_EQ(host.sent, (Bytes{1, 4}));
}

INSTANTIATE_TEST_SUITE_P(Feeding, MethodTest,
                         ::testing::Values(Feeding::whole, Feeding::byte_by_byte,
                                           Feeding::in_place));

}  // namespace
}  // namespace clipshare
