// The client's protocol code against scripted fake servers: negotiation (including offers),
// every method in every version, the v4 acknowledgements in both directions, every status
// byte, and servers that lie or attack.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <random>
#include <set>
#include <sstream>

#include "client/conversation.hpp"
#include "client/downloads.hpp"
#include "client/errors.hpp"
#include "client/negotiate.hpp"
#include "client/output.hpp"
#include "client/uploads.hpp"
#include "client_fakes.hpp"
#include "sandbox.hpp"

namespace clipshare::client::test {
namespace {

namespace fs = std::filesystem;

enum class Transport { memory, socketpair };

struct Outcome {
    Bytes sent;
    std::optional<Exit> error;  // nothing: the call succeeded
    std::string message;
};

class ClientProtocol : public ::testing::TestWithParam<Transport> {
protected:
    Outcome talk(const Bytes& script, const std::function<void(Channel&)>& body) {
        Outcome outcome;
        auto run = [&](Channel& channel) {
            try {
                body(channel);
            } catch (const ClientError& error) {
                outcome.error = error.code();
                outcome.message = error.what();
            }
        };
        if (GetParam() == Transport::memory) {
            MemoryChannel channel{script};
            run(channel);
            outcome.sent = channel.sent;
        } else {
            SocketPairServer server{script};
            run(server.channel());
            outcome.sent = server.sent();
        }
        return outcome;
    }

    // Asks for exactly `version` (the server accepts with 01, then `script`), and runs
    // `body` in the agreed version.
    Outcome call(int version, const Bytes& script, const std::function<void(Conversation&)>& body) {
        return talk(Bytes{1} + script, [&](Channel& channel) {
            int agreed = negotiate(channel, {version, true});
            Conversation conversation{channel, agreed};
            body(conversation);
        });
    }
};

INSTANTIATE_TEST_SUITE_P(Transports, ClientProtocol,
                         ::testing::Values(Transport::memory, Transport::socketpair),
                         [](const auto& info) {
                             return info.param == Transport::memory ? "Memory" : "SocketPair";
                         });

const std::vector<int> all_versions{1, 2, 3, 4};

Bytes ack_if_v4(int version) {
    return version >= 4 ? Bytes{1} : Bytes{};
}
// The version byte and the method byte.
Bytes request(int version, std::uint8_t method) {
    return Bytes{static_cast<std::uint8_t>(version), method};
}

// ---- negotiation ----

TEST_P(ClientProtocol, AcceptedVersionIsUsed) {
    int agreed = 0;
    auto outcome = talk({1}, [&](Channel& c) { agreed = negotiate(c, {}); });
    EXPECT_FALSE(outcome.error) << outcome.message;
    EXPECT_EQ(agreed, 4);
    EXPECT_EQ(outcome.sent, Bytes{4});
}

TEST_P(ClientProtocol, OfferedLowerVersionIsEchoedAndUsed) {
    for (std::uint8_t offer = 1; offer <= 3; ++offer) {
        int agreed = 0;
        auto outcome = talk({3, offer}, [&](Channel& c) { agreed = negotiate(c, {}); });
        EXPECT_FALSE(outcome.error) << outcome.message;
        EXPECT_EQ(agreed, offer);
        EXPECT_EQ(outcome.sent, (Bytes{4, offer}));
    }
}

TEST_P(ClientProtocol, OfferWithExactVersionIsDeclinedWithZero) {
    auto outcome = talk({3, 2}, [&](Channel& c) { negotiate(c, {3, true}); });
    EXPECT_EQ(outcome.error, Exit::version_refused);
    EXPECT_EQ(outcome.sent, (Bytes{3, 0}));
    EXPECT_NE(outcome.message.find("--proto 3"), std::string::npos) << outcome.message;
}

TEST_P(ClientProtocol, OfferOfZeroIsDeclined) {
    auto outcome = talk({3, 0}, [&](Channel& c) { negotiate(c, {}); });
    EXPECT_EQ(outcome.error, Exit::version_refused);
    EXPECT_EQ(outcome.sent, (Bytes{4, 0}));
}

TEST_P(ClientProtocol, OfferNotBelowOurVersionIsABadResponse) {
    for (std::uint8_t offer : {4, 5, 200}) {
        auto outcome = talk({3, offer}, [&](Channel& c) { negotiate(c, {}); });
        EXPECT_EQ(outcome.error, Exit::bad_response) << int{offer};
        EXPECT_EQ(outcome.sent, (Bytes{4, 0}));
    }
}

TEST_P(ClientProtocol, VersionTooLowIsRefused) {
    auto outcome = talk({2}, [&](Channel& c) { negotiate(c, {1, true}); });
    EXPECT_EQ(outcome.error, Exit::version_refused);
    EXPECT_EQ(outcome.sent, Bytes{1});
}

TEST_P(ClientProtocol, NonsenseOrSilenceInNegotiationIsABadResponse) {
    EXPECT_EQ(talk({0x48}, [&](Channel& c) { negotiate(c, {}); }).error, Exit::bad_response);
    EXPECT_EQ(talk({}, [&](Channel& c) { negotiate(c, {}); }).error, Exit::bad_response);
    EXPECT_EQ(talk({3}, [&](Channel& c) { negotiate(c, {}); }).error, Exit::bad_response);
}

// A plain client on a TLS port: clipshared's closes at once, other TLS servers answer with an
// alert record (type 21). Both stay status 9, with a hint to try --tls; over TLS, no hint.
TEST_P(ClientProtocol, PlainClientMeetingTlsIsToldToTryTls) {
    const Bytes alert{21, 3, 3, 0, 2, 2, 10};
    for (const Bytes& script : {Bytes{}, alert}) {
        VersionRequest plain;
        plain.plain = true;
        auto outcome = talk(script, [&](Channel& c) { negotiate(c, plain); });
        EXPECT_EQ(outcome.error, Exit::bad_response);
        EXPECT_NE(outcome.message.find("the server may speak TLS: try --tls (port 4338"),
                  std::string::npos)
            << outcome.message;
        auto over_tls = talk(script, [&](Channel& c) { negotiate(c, {}); });
        EXPECT_EQ(over_tls.error, Exit::bad_response);
        EXPECT_EQ(over_tls.message.find("--tls"), std::string::npos) << over_tls.message;
    }
    // A ClipShare answer that is merely wrong gets no hint.
    VersionRequest plain;
    plain.plain = true;
    auto outcome = talk({0x48}, [&](Channel& c) { negotiate(c, plain); });
    EXPECT_EQ(outcome.error, Exit::bad_response);
    EXPECT_EQ(outcome.message.find("--tls"), std::string::npos) << outcome.message;
}

// ---- status bytes, for every method ----

struct MethodCase {
    Method method;
    std::function<void(Conversation&)> run;
};

std::vector<MethodCase> every_method() {
    static MemorySink sink;
    static RecordingFiles files;
    static Progress none{nullptr};
    return {
        {Method::info, [](Conversation& c) { get_info(c); }},
        {Method::get_text, [](Conversation& c) { get_text(c, sink); }},
        {Method::send_text, [](Conversation& c) { send_text(c, "x"); }},
        {Method::get_files, [](Conversation& c) { get_files(c, files, none); }},
        {Method::send_files,
         [](Conversation& c) {
             send_files(c, {{"a", 0, "/dev/null", "/dev", "null"}}, none);
         }},
        {Method::get_image, [](Conversation& c) { get_image(c, Method::get_image, sink, none); }},
        {Method::get_copied_image,
         [](Conversation& c) { get_image(c, Method::get_copied_image, sink, none); }},
        {Method::get_screenshot, [](Conversation& c) { get_screenshot(c, 0, sink, none); }},
        {Method::get_any, [](Conversation& c) { get_any(c, sink, files, none); }},
    };
}

TEST_P(ClientProtocol, EveryStatusOfEveryMethodHasItsExitCode) {
    for (const auto& method : every_method()) {
        auto code = static_cast<std::uint8_t>(method.method);
        SCOPED_TRACE(method_title(method.method));
        struct Expected {
            Bytes script;
            std::optional<Exit> error;
        };
        for (const auto& expected :
             {Expected{{2}, Exit::no_data}, Expected{{3}, Exit::unknown_method},
              Expected{{4}, Exit::not_implemented}, Expected{{0x7f}, Exit::bad_response},
              Expected{{}, Exit::bad_response}}) {
            auto outcome = call(4, expected.script, method.run);
            EXPECT_EQ(outcome.error, expected.error) << outcome.message;
            EXPECT_EQ(outcome.sent, (Bytes{4, code}));  // no ack after a failure
        }
    }
}

TEST_P(ClientProtocol, MethodsOutsideTheAgreedVersionAreNotSent) {
    for (const auto& method : every_method()) {
        auto code = static_cast<std::uint8_t>(method.method);
        for (int version : all_versions) {
            if (method_in_version(code, version)) continue;
            auto outcome = call(version, {}, method.run);
            EXPECT_EQ(outcome.error, Exit::unknown_method) << int{code} << " v" << version;
            EXPECT_EQ(outcome.sent, Bytes{static_cast<std::uint8_t>(version)});
        }
    }
}

// ---- Info ----

TEST_P(ClientProtocol, InfoInEveryVersion) {
    for (int version : all_versions) {
        ServerInfo info;
        auto outcome = call(version, Bytes{1} + str("clip_share"),
                            [&](Conversation& c) { info = get_info(c); });
        EXPECT_FALSE(outcome.error) << outcome.message;
        EXPECT_TRUE(info.details.empty());
        EXPECT_EQ(outcome.sent, request(version, 125) + ack_if_v4(version));
    }
}

TEST_P(ClientProtocol, InfoV4DetailsAreReturned) {
    ServerInfo info;
    auto outcome = call(4, Bytes{1} + str("clip_share\nserver_name=kitchen\n"),
                        [&](Conversation& c) { info = get_info(c); });
    EXPECT_FALSE(outcome.error) << outcome.message;
    EXPECT_EQ(info.details, std::vector<std::string>{"server_name=kitchen"});
}

TEST_P(ClientProtocol, InfoThatIsNotTheMagicIsRefused) {
    for (auto [version, payload] : std::vector<std::pair<int, std::string>>{
             {1, "clip_shar"}, {3, "clip_share\nserver_name=x"}, {4, "clip_sharex"}, {4, ""}}) {
        auto outcome = call(version, Bytes{1} + str(payload), [](Conversation& c) { get_info(c); });
        EXPECT_EQ(outcome.error, Exit::bad_response) << payload;
        EXPECT_EQ(outcome.sent, (request(version, 125)));
    }
    auto huge =
        call(4, Bytes{1} + i64(std::int64_t{1} << 40), [](Conversation& c) { get_info(c); });
    EXPECT_EQ(huge.error, Exit::bad_response);
}

// ---- Get Text / Send Text ----

TEST_P(ClientProtocol, GetTextInEveryVersion) {
    for (int version : all_versions) {
        MemorySink sink;
        auto outcome = call(version, Bytes{1} + str("h\xc3\xa9llo"),
                            [&](Conversation& c) { get_text(c, sink); });
        EXPECT_FALSE(outcome.error) << outcome.message;
        EXPECT_EQ(sink.bytes, "h\xc3\xa9llo");
        EXPECT_TRUE(sink.finished);
        EXPECT_EQ(outcome.sent, request(version, 1) + ack_if_v4(version));
    }
}

TEST_P(ClientProtocol, TruncatedOrNegativeTextIsABadResponseWithoutAck) {
    for (const Bytes& script :
         {Bytes{1} + i64(10) + bytes("short"), Bytes{1} + i64(-1), Bytes{1, 0, 0}}) {
        MemorySink sink;
        auto outcome = call(4, script, [&](Conversation& c) { get_text(c, sink); });
        EXPECT_EQ(outcome.error, Exit::bad_response);
        EXPECT_FALSE(sink.finished);
        EXPECT_EQ(outcome.sent, (Bytes{4, 1}));
    }
}

TEST_P(ClientProtocol, SendTextInEveryVersion) {
    for (int version : all_versions) {
        auto outcome = call(version, Bytes{1} + ack_if_v4(version),
                            [](Conversation& c) { send_text(c, "hi there"); });
        EXPECT_FALSE(outcome.error) << outcome.message;
        EXPECT_EQ(outcome.sent, request(version, 2) + str("hi there"));
    }
}

TEST_P(ClientProtocol, SendTextV4WaitsForTheServersConfirmation) {
    auto missing = call(4, {1}, [](Conversation& c) { send_text(c, "hi"); });
    EXPECT_EQ(missing.error, Exit::rejected) << missing.message;
    EXPECT_EQ(missing.sent, request(4, 2) + str("hi"));
    auto wrong = call(4, {1, 2}, [](Conversation& c) { send_text(c, "hi"); });
    EXPECT_EQ(wrong.error, Exit::bad_response) << wrong.message;
}

TEST_P(ClientProtocol, TextTheServerWouldRefuseIsNotSent) {
    for (std::string_view text :
         {std::string_view{}, std::string_view{"a\0b", 3}, std::string_view{"bad\xff"}}) {
        auto outcome = call(4, {1, 1}, [&](Conversation& c) { send_text(c, text); });
        EXPECT_EQ(outcome.error, Exit::failure);
        EXPECT_EQ(outcome.sent, Bytes{4});
    }
}

// ---- Get Files ----

Bytes entry(std::string_view name, std::string_view content) {
    return str(name) + i64(static_cast<std::int64_t>(content.size())) + bytes(content);
}
Bytes dir_entry(std::string_view name) {
    return str(name) + i64(-1);
}

TEST_P(ClientProtocol, GetFilesInEveryVersion) {
    for (int version : all_versions) {
        RecordingFiles files;
        Progress none{nullptr};
        std::vector<std::string> placed;
        Bytes script = Bytes{1} + i64(2) + entry("a.txt", "abc") +
                       (version >= 2 ? entry("dir/b.txt", "") : entry("b.txt", ""));
        auto outcome =
            call(version, script, [&](Conversation& c) { placed = get_files(c, files, none); });
        EXPECT_FALSE(outcome.error) << outcome.message;
        std::string second = version >= 2 ? "file dir/b.txt 0 " : "file b.txt 0 ";
        EXPECT_EQ(files.log, (std::vector<std::string>{"file a.txt 3 abc", second, "commit"}));
        EXPECT_EQ(placed, std::vector<std::string>{"placed"});
        EXPECT_EQ(outcome.sent, request(version, 3) + ack_if_v4(version));
    }
}

TEST_P(ClientProtocol, EmptyDirectoriesFromV3On) {
    for (int version : {3, 4}) {
        RecordingFiles files;
        Progress none{nullptr};
        auto outcome = call(version, Bytes{1} + i64(2) + dir_entry("empty/") + entry("f", "x"),
                            [&](Conversation& c) { get_files(c, files, none); });
        EXPECT_FALSE(outcome.error) << outcome.message;
        EXPECT_EQ(files.log, (std::vector<std::string>{"dir empty", "file f 1 x", "commit"}));
    }
    for (int version : {1, 2}) {
        RecordingFiles files;
        Progress none{nullptr};
        auto outcome = call(version, Bytes{1} + i64(1) + dir_entry("empty"),
                            [&](Conversation& c) { get_files(c, files, none); });
        EXPECT_EQ(outcome.error, Exit::bad_response) << version;
        EXPECT_EQ(files.log, std::vector<std::string>{});
    }
}

TEST_P(ClientProtocol, BrokenBatchesAreRefusedBeforeCommitAndWithoutAck) {
    std::vector<std::pair<std::string, Bytes>> cases{
        {"count 0", i64(0)},
        {"negative count", i64(-5)},
        {"size -2", i64(1) + str("a") + i64(-2)},
        {"empty name", i64(1) + str("") + i64(0)},
        {"huge name length", i64(1) + i64(std::int64_t{1} << 40)},
        {"same path twice", i64(2) + entry("a", "1") + entry("a", "2")},
        {"file used as a directory", i64(2) + entry("a", "1") + entry("a/b", "2")},
        {"truncated content", i64(1) + str("a") + i64(10) + bytes("abc")},
        {"fewer entries than counted", i64(3) + entry("a", "1")},
    };
    for (const auto& [what, body] : cases) {
        RecordingFiles files;
        Progress none{nullptr};
        auto outcome =
            call(4, Bytes{1} + body, [&](Conversation& c) { get_files(c, files, none); });
        EXPECT_EQ(outcome.error, Exit::bad_response) << what;
        EXPECT_TRUE(files.log.empty() || files.log.back() != "commit") << what;
        EXPECT_EQ(outcome.sent, (Bytes{4, 3})) << what;
    }
}

// The names a hostile server could use to escape the target directory.
const std::vector<std::string> traversal_names{
    "../x",
    "/etc/passwd",
    "a/../../b",
    "..",
    "./a",
    "a/./b",
    "a//b",
    "..\\x",
    "dir/../../../../tmp/evil",
    std::string{"a\0b", 3},
    "a\nb",
};

TEST_P(ClientProtocol, TraversalNamesAreRefusedInEveryVersion) {
    for (int version : all_versions) {
        for (const auto& name : traversal_names) {
            RecordingFiles files;
            Progress none{nullptr};
            auto outcome =
                call(version, Bytes{1} + i64(2) + entry("fine.txt", "ok") + entry(name, "x"),
                     [&](Conversation& c) { get_files(c, files, none); });
            EXPECT_EQ(outcome.error, Exit::bad_response) << "v" << version << " " << name;
            EXPECT_TRUE(files.log.empty() || files.log.back() != "commit") << name;
        }
    }
}

using clipshare::test::Sandbox;

TEST_P(ClientProtocol, HostileServerWritesNothingAnywhere) {
    for (const auto& name : traversal_names) {
        Sandbox sandbox;
        fs::create_directories(sandbox.target() / "a");  // so "a/../../b" would resolve
        auto before = sandbox.everything();
        {
            DirectoryFiles files{sandbox.target()};
            Progress none{nullptr};
            auto outcome = call(4, Bytes{1} + i64(2) + entry("first.txt", "ok") + entry(name, "x"),
                                [&](Conversation& c) { get_files(c, files, none); });
            EXPECT_EQ(outcome.error, Exit::bad_response) << name;
        }
        EXPECT_EQ(sandbox.everything(), before) << name;
        EXPECT_FALSE(fs::exists("/tmp/evil"));
    }
}

TEST_P(ClientProtocol, GetFilesWritesIntoTheDirectoryWithTheClashScheme) {
    Sandbox sandbox;
    std::ofstream{sandbox.target() / "a.txt"} << "old";
    std::vector<std::string> placed;
    {
        DirectoryFiles files{sandbox.target()};
        Progress none{nullptr};
        auto outcome = call(3,
                            Bytes{1} + i64(3) + entry("a.txt", "new") + entry("d/e/f", "deep") +
                                dir_entry("d/empty"),
                            [&](Conversation& c) { placed = get_files(c, files, none); });
        EXPECT_FALSE(outcome.error) << outcome.message;
    }
    EXPECT_EQ(placed, (std::vector<std::string>{"1_a.txt", "d"}));
    std::stringstream old_content, new_content, deep;
    old_content << std::ifstream{sandbox.target() / "a.txt"}.rdbuf();
    new_content << std::ifstream{sandbox.target() / "1_a.txt"}.rdbuf();
    deep << std::ifstream{sandbox.target() / "d/e/f"}.rdbuf();
    EXPECT_EQ(old_content.str(), "old");
    EXPECT_EQ(new_content.str(), "new");
    EXPECT_EQ(deep.str(), "deep");
    EXPECT_TRUE(fs::is_directory(sandbox.target() / "d/empty"));
    // Nothing else: no temporary directory left behind.
    EXPECT_EQ(sandbox.everything(),
              (std::set<std::string>{"target", "target/a.txt", "target/1_a.txt", "target/d",
                                     "target/d/e", "target/d/e/f", "target/d/empty"}));
}

TEST_P(ClientProtocol, SymlinkInTheTargetIsNeverWrittenThrough) {
    Sandbox sandbox;
    fs::create_directory(sandbox.root() / "outside");
    fs::create_directory_symlink(sandbox.root() / "outside", sandbox.target() / "link");
    {
        DirectoryFiles files{sandbox.target()};
        Progress none{nullptr};
        auto outcome = call(4, Bytes{1} + i64(1) + entry("link/x", "x"),
                            [&](Conversation& c) { get_files(c, files, none); });
        EXPECT_FALSE(outcome.error) << outcome.message;
    }
    EXPECT_TRUE(fs::is_empty(sandbox.root() / "outside"));
    EXPECT_TRUE(fs::exists(sandbox.target() / "1_link/x"));
}

// ---- Send Files ----

class Files {
public:
    Files() { fs::create_directories(sandbox_.target()); }
    fs::path add(const std::string& relative, std::string_view content) {
        auto path = sandbox_.target() / relative;
        fs::create_directories(path.parent_path());
        std::ofstream{path, std::ios::binary} << content;
        return path;
    }
    fs::path dir(const std::string& relative) {
        auto path = sandbox_.target() / relative;
        fs::create_directories(path);
        return path;
    }

private:
    Sandbox sandbox_;
};

TEST_P(ClientProtocol, SendFileV1IsOneFileWithoutACount) {
    Files files;
    auto roots = upload_roots({files.add("a.txt", "abc").string()});
    auto plan = plan_upload(roots, 1);
    Progress none{nullptr};
    auto outcome = call(1, {1}, [&](Conversation& c) { send_files(c, plan.entries, none); });
    EXPECT_FALSE(outcome.error) << outcome.message;
    EXPECT_EQ(outcome.sent, request(1, 4) + str("a.txt") + i64(3) + bytes("abc"));
}

TEST_P(ClientProtocol, SendFilesEncodingsInEveryVersion) {
    Files files;
    auto a = files.add("a.txt", "abc");
    files.add("tree/sub/b", "B");
    files.dir("tree/empty");
    auto roots = upload_roots({a.string(), (a.parent_path() / "tree/").string()});
    Progress none{nullptr};
    for (int version : {2, 3, 4}) {
        auto plan = plan_upload(roots, version);
        Bytes expected = request(version, 4);
        if (version == 2) {
            expected = expected + i64(2) + entry("a.txt", "abc") + entry("tree/sub/b", "B");
        } else {
            expected = expected + i64(3) + entry("a.txt", "abc") + dir_entry("tree/empty") +
                       entry("tree/sub/b", "B");
        }
        auto outcome = call(version, Bytes{1} + ack_if_v4(version),
                            [&](Conversation& c) { send_files(c, plan.entries, none); });
        EXPECT_FALSE(outcome.error) << outcome.message;
        EXPECT_EQ(outcome.sent, expected) << "v" << version;
    }
}

TEST_P(ClientProtocol, SendFilesV4WithoutConfirmationIsRejected) {
    Files files;
    auto plan = plan_upload(upload_roots({files.add("a", "1").string()}), 4);
    Progress none{nullptr};
    auto outcome = call(4, {1}, [&](Conversation& c) { send_files(c, plan.entries, none); });
    EXPECT_EQ(outcome.error, Exit::rejected) << outcome.message;
}

TEST(UploadPlan, VersionShapes) {
    Files files;
    auto a = files.add("a.txt", "abc");
    auto b = files.add("b.txt", "b");
    auto empty = files.dir("empty");
    // v1: a single regular file, nothing else.
    for (const auto& roots :
         {upload_roots({a.string(), b.string()}), upload_roots({empty.string()})}) {
        try {
            plan_upload(roots, 1);
            ADD_FAILURE() << "v1 accepted more than one file";
        } catch (const ClientError& error) {
            EXPECT_EQ(error.code(), Exit::unknown_method);
        }
    }
    // v2 cannot send an empty directory: a warning, and nothing left is an error.
    auto v2 = plan_upload(upload_roots({a.string(), empty.string()}), 2);
    EXPECT_EQ(v2.entries.size(), 1u);
    EXPECT_EQ(v2.warnings.size(), 1u);
    EXPECT_THROW(plan_upload(upload_roots({empty.string()}), 2), ClientError);
    auto v3 = plan_upload(upload_roots({empty.string()}), 3);
    ASSERT_EQ(v3.entries.size(), 1u);
    EXPECT_EQ(v3.entries[0].name, "empty");
    EXPECT_EQ(v3.entries[0].size, -1);
}

TEST(UploadPlan, ArgumentsAreCheckedBeforeConnecting) {
    Files files;
    auto a = files.add("x/a.txt", "abc");
    EXPECT_THROW(upload_roots({"/nonexistent/file"}), ClientError);
    EXPECT_THROW(upload_roots({a.string(), a.string()}), ClientError);
    EXPECT_THROW(upload_roots({"/dev/null"}), ClientError);
    auto roots = upload_roots({(a.parent_path().string() + "/")});
    ASSERT_EQ(roots.size(), 1u);
    EXPECT_EQ(roots[0].filename(), "x");
    // A symlink named on the command line is followed.
    auto link = a.parent_path().parent_path() / "link.txt";
    fs::create_symlink(a, link);
    auto linked = plan_upload(upload_roots({link.string()}), 4);
    ASSERT_EQ(linked.entries.size(), 1u);
    EXPECT_EQ(linked.entries[0].size, 3);
}

// ---- images ----

TEST_P(ClientProtocol, GetImageInEveryVersion) {
    for (int version : all_versions) {
        MemorySink sink;
        Progress none{nullptr};
        auto outcome = call(version, Bytes{1} + str("\x89PNG..."),
                            [&](Conversation& c) { get_image(c, Method::get_image, sink, none); });
        EXPECT_FALSE(outcome.error) << outcome.message;
        EXPECT_EQ(sink.bytes, "\x89PNG...");
        EXPECT_TRUE(sink.finished);
        EXPECT_EQ(outcome.sent, request(version, 5) + ack_if_v4(version));
    }
}

TEST_P(ClientProtocol, GetCopiedImageInV3AndV4) {
    for (int version : {3, 4}) {
        MemorySink sink;
        Progress none{nullptr};
        auto outcome = call(version, Bytes{1} + str("png"), [&](Conversation& c) {
            get_image(c, Method::get_copied_image, sink, none);
        });
        EXPECT_FALSE(outcome.error) << outcome.message;
        EXPECT_EQ(outcome.sent, request(version, 6) + ack_if_v4(version));
    }
}

TEST_P(ClientProtocol, ScreenshotSendsTheDisplayThenReadsTheSecondStatus) {
    for (int version : {3, 4}) {
        MemorySink sink;
        Progress none{nullptr};
        auto outcome = call(version, Bytes{1, 1} + str("png"),
                            [&](Conversation& c) { get_screenshot(c, 2, sink, none); });
        EXPECT_FALSE(outcome.error) << outcome.message;
        EXPECT_EQ(sink.bytes, "png");
        EXPECT_EQ(outcome.sent, request(version, 7) + i64(2) + ack_if_v4(version));
    }
    MemorySink sink;
    Progress none{nullptr};
    auto none_there = call(4, {1, 2}, [&](Conversation& c) { get_screenshot(c, 0, sink, none); });
    EXPECT_EQ(none_there.error, Exit::no_data);
    EXPECT_EQ(none_there.sent, request(4, 7) + i64(0));
}

TEST_P(ClientProtocol, ImageSizeOutsideTheLimitIsABadResponse) {
    for (std::int64_t size : {std::int64_t{-1}, (std::int64_t{1} << 30) + 1}) {
        MemorySink sink;
        Progress none{nullptr};
        auto outcome = call(4, Bytes{1} + i64(size),
                            [&](Conversation& c) { get_image(c, Method::get_image, sink, none); });
        EXPECT_EQ(outcome.error, Exit::bad_response);
        EXPECT_EQ(outcome.sent, (Bytes{4, 5}));
    }
}

// ---- Get Any ----

TEST_P(ClientProtocol, GetAnyEachType) {
    Progress none{nullptr};
    {
        MemorySink text;
        RecordingFiles files;
        AnyResult result;
        auto outcome = call(4, Bytes{1, 1} + str("hello"),
                            [&](Conversation& c) { result = get_any(c, text, files, none); });
        EXPECT_FALSE(outcome.error) << outcome.message;
        EXPECT_EQ(result.kind, AnyKind::text);
        EXPECT_EQ(text.bytes, "hello");
        EXPECT_EQ(outcome.sent, (Bytes{4, 124, 1}));
    }
    {
        MemorySink text;
        RecordingFiles files;
        AnyResult result;
        auto outcome = call(4, Bytes{1, 2} + i64(1) + entry("f", "data"),
                            [&](Conversation& c) { result = get_any(c, text, files, none); });
        EXPECT_FALSE(outcome.error) << outcome.message;
        EXPECT_EQ(result.kind, AnyKind::files);
        EXPECT_EQ(files.log, (std::vector<std::string>{"file f 4 data", "commit"}));
        EXPECT_EQ(outcome.sent, (Bytes{4, 124, 1}));
    }
    {
        MemorySink text;
        RecordingFiles files;
        AnyResult result;
        auto outcome = call(4, Bytes{1, 3} + str("png"),
                            [&](Conversation& c) { result = get_any(c, text, files, none); });
        EXPECT_FALSE(outcome.error) << outcome.message;
        EXPECT_EQ(result.kind, AnyKind::image);
        EXPECT_EQ(files.log, (std::vector<std::string>{"file clipboard.png 3 png", "commit"}));
        EXPECT_EQ(outcome.sent, (Bytes{4, 124, 1}));
    }
    {
        MemorySink text;
        RecordingFiles files;
        auto outcome =
            call(4, Bytes{1, 9}, [&](Conversation& c) { get_any(c, text, files, none); });
        EXPECT_EQ(outcome.error, Exit::bad_response);
        EXPECT_EQ(outcome.sent, (Bytes{4, 124}));
    }
}

}  // namespace
}  // namespace clipshare::client::test
