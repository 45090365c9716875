// The session machine fed whole and byte by byte, through a host that records everything.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "fakes.hpp"
#include "proto/session.hpp"
#include "proto/wire.hpp"

namespace clipshare {
namespace {

using Bytes = std::vector<std::uint8_t>;

using RecordingHost = fake::Host;

Bytes info_reply(std::string_view payload) {
    return wire::MessageBuilder{}.byte(wire::ok).string(payload).take();
}

Bytes concat(Bytes a, const Bytes& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

enum class Feeding { whole, byte_by_byte };

class SessionFeeding : public ::testing::TestWithParam<Feeding> {
protected:
    void feed(Session& session, const Bytes& input) {
        if (GetParam() == Feeding::whole) {
            session.feed(input);
        } else {
            for (auto byte : input) session.feed(std::span{&byte, 1});
        }
    }
};

TEST_P(SessionFeeding, InfoInV1ToV3IsMagicAndEnds) {
    for (std::uint8_t v = 1; v <= 3; ++v) {
        RecordingHost host;
        Session session{SessionSettings{}, host};
        feed(session, {v, 125});
        EXPECT_EQ(host.sent, concat({1}, info_reply("clip_share"))) << int{v};
        EXPECT_TRUE(host.finished);
        EXPECT_FALSE(session.active());
    }
}

TEST_P(SessionFeeding, InfoInV1IgnoresInfoName) {
    RecordingHost host;
    SessionSettings settings;
    settings.info_name = "kitchen";
    Session session{settings, host};
    feed(session, {1, 125});
    EXPECT_EQ(host.sent, concat({1}, info_reply("clip_share")));
}

TEST_P(SessionFeeding, InfoInV4WaitsForAck) {
    RecordingHost host;
    Session session{SessionSettings{}, host};
    feed(session, {4, 125});
    EXPECT_EQ(host.sent, concat({1}, info_reply("clip_share")));
    EXPECT_FALSE(host.finished);
    feed(session, {1});
    EXPECT_TRUE(host.finished);
    EXPECT_EQ(host.note, "");
}

TEST_P(SessionFeeding, InfoInV4WithNameAddsServerNameLine) {
    RecordingHost host;
    SessionSettings settings;
    settings.info_name = "kitchen-router";
    Session session{settings, host};
    feed(session, {4, 125, 1});
    EXPECT_EQ(host.sent, concat({1}, info_reply("clip_share\nserver_name=kitchen-router")));
    EXPECT_TRUE(host.finished);
}

TEST_P(SessionFeeding, PipelinedBytesAfterTheExchangeAreIgnored) {
    RecordingHost host;
    Session session{SessionSettings{}, host};
    feed(session, {4, 125, 1, 9, 9, 9});
    EXPECT_EQ(host.sent, concat({1}, info_reply("clip_share")));
    EXPECT_TRUE(host.finished);
}

TEST_P(SessionFeeding, WrongAckStillEndsQuietly) {
    RecordingHost host;
    Session session{SessionSettings{}, host};
    feed(session, {4, 125, 7});
    EXPECT_TRUE(host.finished);
    EXPECT_FALSE(host.aborted);
    EXPECT_NE(host.note.find("wrong acknowledgement"), std::string::npos);
}

TEST_P(SessionFeeding, OfferAcceptedThenMethod) {
    RecordingHost host;
    Session session{SessionSettings{}, host};
    feed(session, {9, 4, 125, 1});
    EXPECT_EQ(host.sent, concat({3, 4}, info_reply("clip_share")));
    EXPECT_EQ(session.version(), 4);
    EXPECT_TRUE(host.finished);
}

TEST_P(SessionFeeding, TooLowVersionIsRefused) {
    RecordingHost host;
    SessionSettings settings;
    settings.min_version = 2;
    Session session{settings, host};
    feed(session, {1, 125});
    EXPECT_EQ(host.sent, Bytes{2});
    EXPECT_TRUE(host.finished);
}

TEST_P(SessionFeeding, UnknownMethodsPerVersion) {
    struct Case {
        std::uint8_t version;
        std::uint8_t method;
    };
    for (Case c : {Case{1, 6}, Case{2, 7}, Case{3, 124}, Case{4, 0}, Case{4, 8}, Case{4, 126},
                   Case{4, 255}, Case{1, 124}}) {
        RecordingHost host;
        Session session{SessionSettings{}, host};
        feed(session, {c.version, c.method, 0, 0});
        EXPECT_EQ(host.sent, (Bytes{1, 3})) << int{c.version} << "/" << int{c.method};
        EXPECT_TRUE(host.finished);
    }
}

TEST_P(SessionFeeding, DisabledMethodAnswersNotImplemented) {
    RecordingHost host;
    SessionSettings settings;
    settings.methods.reset(method_code(Method::info));
    Session session{settings, host};
    feed(session, {4, 125});
    EXPECT_EQ(host.sent, (Bytes{1, 4}));
    EXPECT_TRUE(host.finished);
    EXPECT_NE(host.note.find("disabled"), std::string::npos);
}

TEST_P(SessionFeeding, DisabledUnknownMethodIsStillUnknown) {
    // A method the version does not define is unknown, whatever [methods] says.
    RecordingHost host;
    SessionSettings settings;
    settings.methods.reset(method_code(Method::get_any));
    Session session{settings, host};
    feed(session, {3, 124});
    EXPECT_EQ(host.sent, (Bytes{1, 3}));
}

TEST_P(SessionFeeding, EachReplyIsOneMessage) {
    RecordingHost host;
    Session session{SessionSettings{}, host};
    feed(session, {4, 125, 1});
    EXPECT_EQ(host.messages, 2);  // the version reply, then the whole Info reply
}

INSTANTIATE_TEST_SUITE_P(Feeding, SessionFeeding,
                         ::testing::Values(Feeding::whole, Feeding::byte_by_byte));

TEST(Session, PeerEndBeforeMethodFinishes) {
    RecordingHost host;
    Session session{SessionSettings{}, host};
    session.feed(Bytes{4});
    session.on_peer_end();
    EXPECT_TRUE(host.finished);
    EXPECT_FALSE(host.aborted);
}

TEST(Session, PeerEndWhileAwaitingAckFinishesWithNote) {
    RecordingHost host;
    Session session{SessionSettings{}, host};
    session.feed(Bytes{4, 125});
    session.on_peer_end();
    EXPECT_TRUE(host.finished);
    EXPECT_NE(host.note.find("without acknowledging"), std::string::npos);
}

TEST(Session, InputAfterFinishIsIgnored) {
    RecordingHost host;
    Session session{SessionSettings{}, host};
    session.feed(Bytes{0});
    auto sent = host.sent;
    session.feed(Bytes{4, 125});
    EXPECT_EQ(host.sent, sent);
}

}  // namespace
}  // namespace clipshare

namespace clipshare {
namespace {

Bytes i64_of(std::int64_t value) {
    auto encoded = wire::encode_i64(value);
    return Bytes(encoded.begin(), encoded.end());
}

// What the connection builds its deadlines on: which bytes are a request header, and when a
// new header begins.
TEST(SessionHeader, EachEntryOfABatchIsAHeaderOfItsOwn) {
    fake::Host host;
    fake::Clipboard clipboard;
    fake::Files files;
    Session session{SessionSettings{}, host, Services{&clipboard, &files}};
    EXPECT_TRUE(session.in_request_header());  // the version byte
    auto first = session.header_epoch();
    session.feed(Bytes{4, 4});
    EXPECT_TRUE(session.in_request_header());  // the count
    session.feed(concat(i64_of(2), concat(i64_of(1), Bytes{'a'})));
    EXPECT_TRUE(session.in_request_header());  // the size is still to come
    EXPECT_EQ(session.header_epoch(), first);  // all one header so far
    session.feed(concat(i64_of(3), Bytes{'x'}));
    EXPECT_FALSE(session.in_request_header());  // content: the idle timeout's business
    session.feed(Bytes{'y', 'z'});
    EXPECT_TRUE(session.in_request_header());  // the second entry's header
    EXPECT_GT(session.header_epoch(), first);
    session.feed(concat(i64_of(1), concat(Bytes{'b'}, i64_of(0))));
    EXPECT_FALSE(session.in_request_header());
    EXPECT_TRUE(host.finished);
    EXPECT_EQ(session.summary().entries, 2);
    EXPECT_EQ(session.summary().method, Method::send_files);
}

TEST(SessionHeader, DownloadsHaveNoHeaderAfterTheMethod) {
    fake::Host host;
    Session session{SessionSettings{}, host};
    session.feed(Bytes{4, 125});
    EXPECT_FALSE(session.in_request_header());
    EXPECT_EQ(session.summary().bytes_out, host.sent.size());
}

TEST(SessionBudget, ASpentBudgetRefusesADownloadBeforeAnyReply) {
    fake::Host host;
    fake::Clipboard clipboard;
    clipboard.current = ContentKind::text;
    clipboard.text = "hello";
    fake::Files files;
    MemoryBudget budget{64 * 1024};  // less than one reply window
    Session session{SessionSettings{}, host, Services{&clipboard, &files, &budget}};
    session.feed(Bytes{4, 1});
    EXPECT_TRUE(host.aborted);
    EXPECT_NE(host.note.find("memory budget"), std::string::npos);
    EXPECT_EQ(host.sent, Bytes{1});  // the version's answer, nothing of the reply
    EXPECT_EQ(budget.used(), 0u);
}

TEST(SessionBudget, TextGrowsWithWhatArrivesAndStopsAtTheBudget) {
    fake::Host host;
    fake::Clipboard clipboard;
    fake::Files files;
    MemoryBudget budget{1 << 20};
    SessionSettings settings;
    Session session{settings, host, Services{&clipboard, &files, &budget}};
    // Four MiB declared: nothing is taken for it up front.
    session.feed(concat(Bytes{4, 2}, i64_of(4 << 20)));
    EXPECT_FALSE(host.aborted);
    EXPECT_LT(budget.used(), 4096u);
    Bytes chunk(64 * 1024, 'a');
    for (int i = 0; i < 64 && !host.aborted; ++i) session.feed(chunk);
    // Refused once the text would pass the budget's work share, never before.
    EXPECT_TRUE(host.aborted);
    EXPECT_NE(host.note.find("memory budget"), std::string::npos);
    EXPECT_EQ(clipboard.current, ContentKind::empty);
}

}  // namespace
}  // namespace clipshare
