// Every method in every version over real sockets against the real daemon, plain and over
// TLS, and every bad-input rule of SPEC.md section 5 checked on the disk afterwards.
#include <gtest/gtest.h>

#include <signal.h>

#include <chrono>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <thread>

#include "daemon_fixture.hpp"
#include "protocol_helpers.hpp"
#include "transport.hpp"

namespace clipshare::test {
namespace {

namespace fs = std::filesystem;

const std::string png_bytes = std::string("\x89PNG\r\n\x1a\n", 8) + "not really an image body";

// Every path below `dir` (except the state directory) with its content, for comparing the
// disk before and after.
std::set<std::string> snapshot(const fs::path& dir) {
    std::set<std::string> out;
    std::error_code error;
    // The daemon may be removing a refused batch while we look: report that as "changing"
    // so that callers polling for a settled disk look again.
    for (fs::recursive_directory_iterator it(dir, error), end; !error && it != end;
         it.increment(error)) {
        auto relative = it->path().lexically_relative(dir).string();
        if (relative == ".clipshare") {
            it.disable_recursion_pending();
            continue;
        }
        std::error_code type_error;
        if (it->is_regular_file(type_error)) {
            std::ifstream in{it->path(), std::ios::binary};
            std::stringstream content;
            content << in.rdbuf();
            out.insert(relative + "=" + content.str());
        } else {
            out.insert(relative + "/");
        }
    }
    if (error) out.insert("<changing: " + error.message() + ">");
    return out;
}

std::string read_text(const fs::path& path) {
    std::ifstream in{path, std::ios::binary};
    std::stringstream content;
    content << in.rdbuf();
    return content.str();
}

void write_text(const fs::path& path, std::string_view text) {
    std::ofstream out{path, std::ios::binary};
    out << text;
}

// A refused batch is removed on the thread pool after the connection closes: poll (with a
// deadline) until the disk is back to `expected`.
std::set<std::string> settled_snapshot(const fs::path& dir, const std::set<std::string>& expected) {
    std::set<std::string> current;
    wait_until([&] { return (current = snapshot(dir)) == expected; });
    return current;
}

Bytes expected_upload_reply(std::uint8_t version) {
    return version >= 4 ? Bytes{1, 1, 1} : Bytes{1, 1};
}

// Every method in every version, plain and over TLS.
class Methods : public TransportTest {
protected:
    void SetUp() override {
        TransportTest::SetUp();
        if (!HasFatalFailure()) daemon = start();
    }
    fs::path work() const { return daemon->working_dir(); }

    // Connects, sends `bytes`, and returns the connection for reading the reply.
    std::unique_ptr<TestConnection> request(const Daemon& to, const Bytes& bytes) const {
        auto client = connect(to);
        EXPECT_TRUE(client->ready());
        client->send(bytes);
        return client;
    }

    // Sends a whole upload and returns everything the daemon answered until it closed.
    Bytes upload(const Daemon& to, const Bytes& bytes) const {
        auto client = request(to, bytes);
        client->shutdown_write();
        return client->recv_all();
    }

    std::string get_text(const Daemon& from, std::uint8_t version) const {
        auto client = request(from, {version, 1});
        ReplyReader reply{*client};
        if (reply.byte() != 1 || reply.byte() != 1) return "<refused>";
        auto text = reply.string();
        if (version >= 4) client->send(Bytes{1});
        return reply.ok ? text : "<short>";
    }

    std::vector<WireEntry> get_files(const Daemon& from, std::uint8_t version,
                                     bool* no_data = nullptr) const {
        auto client = request(from, {version, 3});
        ReplyReader reply{*client};
        EXPECT_EQ(reply.byte(), 1);
        auto status = reply.byte();
        if (no_data) *no_data = status == 2;
        if (status != 1) return {};
        auto entries = reply.entries();
        EXPECT_TRUE(reply.ok);
        if (version >= 4) client->send(Bytes{1});
        return entries;
    }

    std::unique_ptr<Daemon> daemon;
};

INSTANTIATE_TEST_SUITE_P(Transports, Methods, all_transports(), transport_name);

// ---- text ----

TEST_P(Methods, TextRoundTripsBetweenEveryPairOfVersions) {
    for (std::uint8_t sender = 1; sender <= 4; ++sender) {
        std::string text = "from v" + std::to_string(sender) + " caf\xc3\xa9";
        ASSERT_EQ(upload(*daemon, send_text_request(sender, text)), expected_upload_reply(sender));
        for (std::uint8_t getter = 1; getter <= 4; ++getter) {
            EXPECT_EQ(get_text(*daemon, getter), text) << int{sender} << "->" << int{getter};
        }
    }
}

TEST_P(Methods, GetTextWithNothingCopiedIsNoData) {
    EXPECT_EQ(upload(*daemon, {4, 1}), (Bytes{1, 2}));
}

TEST_P(Methods, SendTextConvertsCrlf) {
    upload(*daemon, send_text_request(4, "a\r\nb\rc\r\n"));
    EXPECT_EQ(get_text(*daemon, 4), "a\nb\rc\n");
}

TEST_P(Methods, BadTextIsRefusedAndNothingChanges) {
    upload(*daemon, send_text_request(4, "kept"));
    const std::vector<Bytes> bad{
        Bytes{4, 2} + i64_bytes(0),
        Bytes{4, 2} + i64_bytes(-5) + bytes_of("hello"),
        Bytes{4, 2} + i64_bytes(4194305),
        send_text_request(4, std::string("nul\0byte", 8)),
        send_text_request(4, "bad \xff utf8"),
        Bytes{4, 2} + i64_bytes(10) + bytes_of("short"),  // then the client closes
    };
    for (const auto& request_bytes : bad) {
        auto reply = upload(*daemon, request_bytes);
        EXPECT_EQ(reply, (Bytes{1, 1})) << "no acknowledgement for refused text";
    }
    EXPECT_EQ(get_text(*daemon, 4), "kept");
    EXPECT_TRUE(daemon->wait_for_log("is not valid UTF-8"));
}

TEST_P(Methods, TextOverConfiguredLimitIsRefused) {
    auto limited = start("[limits]\nmax_text_length = 8\n");
    EXPECT_EQ(upload(*limited, send_text_request(4, "123456789")), (Bytes{1, 1}));
    EXPECT_EQ(upload(*limited, send_text_request(4, "12345678")), (Bytes{1, 1, 1}));
    EXPECT_EQ(get_text(*limited, 4), "12345678");
}

TEST_P(Methods, PipelinedV4ExchangesInOneWrite) {
    // Upload and its end in one write; then a download with its acknowledgement pipelined.
    ASSERT_EQ(upload(*daemon, send_text_request(4, "pipelined")), (Bytes{1, 1, 1}));
    auto reply = upload(*daemon, Bytes{4, 1, 1});
    EXPECT_EQ(reply, Bytes{1} + info_reply("pipelined"));
}

// ---- files ----

const std::vector<WireEntry> tree{
    file_entry("top.txt", "top"),
    file_entry("dir/a.txt", "alpha"),
    file_entry("dir/sub/b.bin", std::string("\0\1\2", 3)),
    dir_entry("dir/empty"),
    dir_entry("lonely/"),
    file_entry("zero.txt", ""),
};

TEST_P(Methods, TreeWithEmptyDirectoriesRoundTripsInV3AndV4) {
    for (std::uint8_t version : {3, 4}) {
        auto fresh = start();
        ASSERT_EQ(upload(*fresh, send_files_request(version, tree)),
                  expected_upload_reply(version));
        EXPECT_EQ(read_text(fresh->working_dir() / "dir/sub/b.bin"), std::string("\0\1\2", 3));
        EXPECT_TRUE(fs::is_directory(fresh->working_dir() / "dir/empty"));
        EXPECT_TRUE(fs::is_directory(fresh->working_dir() / "lonely"));
        for (std::uint8_t getter : {3, 4}) {
            auto entries = get_files(*fresh, getter);
            std::vector<WireEntry> expected{file_entry("dir/a.txt", "alpha"),
                                            dir_entry("dir/empty"),
                                            file_entry("dir/sub/b.bin", std::string("\0\1\2", 3)),
                                            dir_entry("lonely"),
                                            file_entry("top.txt", "top"),
                                            file_entry("zero.txt", "")};
            EXPECT_EQ(entries, expected) << int{version} << "->" << int{getter};
        }
        // v2 walks directories but leaves empty ones out; v1 sends top-level files only.
        auto v2 = get_files(*fresh, 2);
        EXPECT_EQ(v2.size(), 4u);
        for (const auto& entry : v2) EXPECT_GE(entry.size, 0) << entry.name;
        auto v1 = get_files(*fresh, 1);
        ASSERT_EQ(v1.size(), 2u);
        EXPECT_EQ(v1[0], file_entry("top.txt", "top"));
        EXPECT_EQ(v1[1], file_entry("zero.txt", ""));
    }
}

TEST_P(Methods, V2SendFilesAndV1SendFile) {
    ASSERT_EQ(upload(*daemon, send_files_request(
                                  2, {file_entry("/abs/x.txt", "x"), file_entry("y.txt", "yy")})),
              (Bytes{1, 1}));
    EXPECT_EQ(read_text(work() / "abs/x.txt"), "x");
    EXPECT_EQ(read_text(work() / "y.txt"), "yy");
    ASSERT_EQ(upload(*daemon, send_files_request(1, {file_entry("some/dir/v1.txt", "one")})),
              (Bytes{1, 1}));
    EXPECT_EQ(read_text(work() / "v1.txt"), "one");
    EXPECT_EQ(get_files(*daemon, 4), (std::vector<WireEntry>{file_entry("v1.txt", "one")}));
}

TEST_P(Methods, ConcurrentLargeUploadsAreStoredIntact) {
    // Several multi-MiB uploads at once on the default budget. Over TLS on a machine with more
    // than one core the first ones have their records opened on the thread pool and the later
    // ones, once the budget's free share is too small for that, on the loop: both kinds meet
    // here, each file must arrive whole and in order, and nothing may be left charged.
    constexpr int uploads = 6;
    constexpr std::size_t size = 3 * 1024 * 1024 + 11;
    auto logging = start("[log]\nlevel = \"debug\"\n");
    std::vector<std::string> contents;
    for (int i = 0; i < uploads; ++i) {
        std::string content(size, '\0');
        for (std::size_t j = 0; j < size; ++j) {
            content[j] = static_cast<char>((j * 7 + static_cast<std::size_t>(i) * 31) % 253);
        }
        contents.push_back(std::move(content));
    }
    std::vector<Bytes> replies(uploads);
    std::vector<std::thread> clients;
    for (int i = 0; i < uploads; ++i) {
        clients.emplace_back([&, i] {
            replies[static_cast<std::size_t>(i)] =
                upload(*logging,
                       send_files_request(3, {file_entry("big" + std::to_string(i) + ".bin",
                                                         contents[static_cast<std::size_t>(i)])}));
        });
    }
    for (auto& client : clients) client.join();
    for (int i = 0; i < uploads; ++i) {
        EXPECT_EQ(replies[static_cast<std::size_t>(i)], expected_upload_reply(3)) << i;
    }
    // Each upload replaces the clipboard's files with its own: the last one stored is there,
    // and each file went through whole (a truncated or reordered one would differ).
    std::size_t found = 0;
    for (int i = 0; i < uploads; ++i) {
        auto path = logging->working_dir() / ("big" + std::to_string(i) + ".bin");
        if (!fs::exists(path)) continue;
        ++found;
        EXPECT_EQ(read_text(path), contents[static_cast<std::size_t>(i)]) << i;
    }
    EXPECT_GE(found, 1u);
    EXPECT_EQ(get_files(*logging, 4).size(), 1u);
    if (tls() && std::thread::hardware_concurrency() > 1) {
        EXPECT_TRUE(logging->wait_for_log("TLS records are opened on the thread pool"));
    }
}

TEST_P(Methods, ConcurrentLargeDownloadsArriveIntact) {
    // Files of many sizes around the read chunk (128 KiB), an empty one and a directory among
    // them, fetched by several clients at once in v3 and v4. Over TLS on a machine with more
    // than one core their records are sealed on the thread pool, headers and small messages
    // too once it begins: every byte must still come in order.
    auto logging = start("[log]\nlevel = \"debug\"\n");
    std::vector<WireEntry> tree;
    const std::size_t sizes[] = {3 * 1024 * 1024 + 11, 131072, 1, 0, 131073, 262143, 70000};
    for (std::size_t i = 0; i < std::size(sizes); ++i) {
        std::string content(sizes[i], '\0');
        for (std::size_t j = 0; j < content.size(); ++j) {
            content[j] = static_cast<char>((j * 13 + i * 7) % 251);
        }
        tree.push_back(file_entry("d/f" + std::to_string(i) + ".bin", std::move(content)));
    }
    tree.push_back(dir_entry("d/g"));  // entries go out sorted by name
    ASSERT_EQ(upload(*logging, send_files_request(4, tree)), expected_upload_reply(4));
    constexpr int clients = 4;
    std::vector<std::vector<WireEntry>> got(clients);
    std::vector<std::thread> threads;
    for (int i = 0; i < clients; ++i) {
        threads.emplace_back(
            [&, i] { got[static_cast<std::size_t>(i)] = get_files(*logging, i % 2 == 0 ? 4 : 3); });
    }
    for (auto& thread : threads) thread.join();
    for (int i = 0; i < clients; ++i) {
        EXPECT_TRUE(got[static_cast<std::size_t>(i)] == tree) << "client " << i;
    }
    if (tls() && std::thread::hardware_concurrency() > 1) {
        EXPECT_TRUE(logging->wait_for_log("TLS records are sealed on the thread pool"));
    }
}

TEST_P(Methods, NameClashesGetNumberedNames) {
    write_text(work() / "a.txt", "original");
    for (int i = 0; i < 3; ++i) {
        ASSERT_EQ(upload(*daemon, send_files_request(4, {file_entry("a.txt", std::to_string(i))})),
                  (Bytes{1, 1, 1}));
    }
    EXPECT_EQ(read_text(work() / "a.txt"), "original");
    EXPECT_EQ(read_text(work() / "1_a.txt"), "0");
    EXPECT_EQ(read_text(work() / "2_a.txt"), "1");
    EXPECT_EQ(read_text(work() / "3_a.txt"), "2");
    // The clipboard holds the last batch, under the name it was given.
    EXPECT_EQ(get_files(*daemon, 4), (std::vector<WireEntry>{file_entry("3_a.txt", "2")}));
}

TEST_P(Methods, SymlinkInWorkingDirIsNeverWrittenThrough) {
    TempDir outside;
    fs::create_symlink(outside.path(), work() / "link");
    fs::create_symlink(outside.path() / "target.txt", work() / "file-link");
    upload(*daemon, send_files_request(4, {file_entry("link/escape.txt", "x")}));
    upload(*daemon, send_files_request(4, {file_entry("file-link", "y")}));
    EXPECT_TRUE(fs::is_empty(outside.path()));
    // Both batches landed under new names beside the links instead.
    EXPECT_EQ(read_text(work() / "1_link/escape.txt"), "x");
    EXPECT_EQ(read_text(work() / "1_file-link"), "y");
}

TEST_P(Methods, GetFilesSkipsSymlinksInsideDirectories) {
    TempDir outside;
    write_text(outside.path() / "secret", "secret");
    ASSERT_EQ(upload(*daemon, send_files_request(4, {file_entry("d/ok.txt", "ok")})),
              (Bytes{1, 1, 1}));
    fs::create_symlink(outside.path() / "secret", work() / "d/link");
    fs::create_symlink(outside.path(), work() / "d/dirlink");
    EXPECT_EQ(get_files(*daemon, 4), (std::vector<WireEntry>{file_entry("d/ok.txt", "ok")}));
}

TEST_P(Methods, GetFilesWithNothingCopiedIsNoData) {
    bool no_data = false;
    get_files(*daemon, 4, &no_data);
    EXPECT_TRUE(no_data);
    upload(*daemon, send_text_request(4, "text now"));
    get_files(*daemon, 4, &no_data);
    EXPECT_TRUE(no_data);
}

TEST_P(Methods, GetFilesAfterTheFilesWereDeletedIsNoData) {
    upload(*daemon, send_files_request(4, {file_entry("gone.txt", "x")}));
    fs::remove(work() / "gone.txt");
    bool no_data = false;
    get_files(*daemon, 4, &no_data);
    EXPECT_TRUE(no_data);
}

struct BadUpload {
    const char* what;
    Bytes bytes;
};

TEST_P(Methods, BadUploadsLeaveNothingOnDisk) {
    write_text(work() / "existing.txt", "untouched");
    auto before = snapshot(work());
    auto entry = [](std::string_view name, std::int64_t size, std::string_view data) {
        return i64_bytes(static_cast<std::int64_t>(name.size())) + bytes_of(name) +
               i64_bytes(size) + bytes_of(data);
    };
    std::vector<BadUpload> cases{
        {"traversal",
         send_files_request(4, {file_entry("ok.txt", "1"), file_entry("../escape.txt", "x")})},
        {"deep traversal", send_files_request(4, {file_entry("a/../../b", "x")})},
        {"control byte", send_files_request(4, {file_entry("bad\nname", "x")})},
        {"backslash", send_files_request(4, {file_entry("..\\x", "x")})},
        {"bad utf8", send_files_request(4, {file_entry("bad\xff", "x")})},
        {"empty name", Bytes{4, 4} + i64_bytes(1) + entry("", 1, "x")},
        {"name too long", Bytes{4, 4} + i64_bytes(1) + i64_bytes(2049)},
        {"count zero", Bytes{4, 4} + i64_bytes(0)},
        {"count negative", Bytes{4, 4} + i64_bytes(-3)},
        {"size negative in v2", Bytes{2, 4} + i64_bytes(1) + entry("d", -1, "")},
        {"size -2 in v4", Bytes{4, 4} + i64_bytes(1) + entry("d", -2, "")},
        {"duplicate path",
         send_files_request(4, {file_entry("same.txt", "1"), file_entry("same.txt", "2")})},
        {"file then dir", send_files_request(4, {file_entry("f", "1"), file_entry("f/g", "2")})},
        {"truncated", Bytes{4, 4} + i64_bytes(2) + entry("one.txt", 3, "abc") +
                          entry("two.txt", 100, "only some")},
        {"truncated in a name", Bytes{4, 4} + i64_bytes(1) + i64_bytes(10) + bytes_of("abc")},
        {"count without entries", Bytes{4, 4} + i64_bytes(3)},
    };
    for (const auto& c : cases) {
        auto reply = upload(*daemon, c.bytes);
        EXPECT_EQ(reply, (Bytes{1, 1})) << c.what << ": no acknowledgement";
        EXPECT_EQ(settled_snapshot(work(), before), before) << c.what;
    }
    // The daemon is still there and still works.
    EXPECT_EQ(upload(*daemon, send_files_request(4, {file_entry("fine.txt", "ok")})),
              (Bytes{1, 1, 1}));
}

TEST_P(Methods, LimitsOnSizeAndCountHold) {
    auto limited = start("[limits]\nmax_file_size = 4\nmax_file_count = 2\n");
    auto before = snapshot(limited->working_dir());
    EXPECT_EQ(upload(*limited, send_files_request(4, {file_entry("big", "12345")})), (Bytes{1, 1}));
    EXPECT_EQ(upload(*limited, send_files_request(4, {file_entry("a", "1"), file_entry("b", "2"),
                                                      file_entry("c", "3")})),
              (Bytes{1, 1}));
    EXPECT_EQ(settled_snapshot(limited->working_dir(), before), before);
    EXPECT_EQ(upload(*limited, send_files_request(4, {file_entry("ok", "1234")})),
              (Bytes{1, 1, 1}));
}

TEST_P(Methods, ClientVanishingMidFileLeavesNothing) {
    auto before = snapshot(work());
    {
        auto client =
            request(*daemon, Bytes{4, 4} + i64_bytes(1) + i64_bytes(5) + bytes_of("a.bin") +
                                 i64_bytes(1 << 20) + Bytes(300000, 7));
        ASSERT_EQ(client->recv(2), (Bytes{1, 1}));
    }  // closed mid-file
    ASSERT_TRUE(daemon->wait_for_log("client closed in the middle of an upload"));
    EXPECT_EQ(settled_snapshot(work(), before), before);
}

// ---- images ----

TEST_P(Methods, PngBatchIsTheCopiedImage) {
    ASSERT_EQ(upload(*daemon, send_files_request(4, {file_entry("shot.png", png_bytes)})),
              (Bytes{1, 1, 1}));
    for (std::uint8_t version = 1; version <= 4; ++version) {
        for (std::uint8_t method : {5, 6}) {
            if (method == 6 && version < 3) continue;  // Get Copied Image came with v3
            auto client = request(*daemon, {version, method});
            ReplyReader reply{*client};
            EXPECT_EQ(reply.byte(), 1);
            EXPECT_EQ(reply.byte(), 1) << int{version} << "/" << int{method};
            EXPECT_EQ(reply.string(), png_bytes);
            if (version >= 4) client->send(Bytes{1});
            EXPECT_TRUE(client->closed_by_peer());
        }
    }
    EXPECT_EQ(upload(*daemon, {2, 6}), (Bytes{1, 3}));
    // v1/v2 know method 5 too.
    auto v1 = upload(*daemon, {1, 5});
    Bytes expected =
        Bytes{1, 1} + i64_bytes(static_cast<std::int64_t>(png_bytes.size())) + bytes_of(png_bytes);
    EXPECT_EQ(v1, expected);
}

TEST_P(Methods, NoImageWithoutAPngBatch) {
    upload(*daemon, send_files_request(4, {file_entry("not.png", "plain text")}));
    EXPECT_EQ(upload(*daemon, {4, 6}), (Bytes{1, 2}));
    EXPECT_EQ(upload(*daemon, {4, 5}), (Bytes{1, 2}));
    upload(*daemon,
           send_files_request(4, {file_entry("a.png", png_bytes), file_entry("b.png", png_bytes)}));
    EXPECT_EQ(upload(*daemon, {4, 6}), (Bytes{1, 2})) << "two files are not one image";
}

TEST_P(Methods, ScreenshotOnTheStoreIsOkThenNoData) {
    EXPECT_EQ(upload(*daemon, Bytes{4, 7} + i64_bytes(0)), (Bytes{1, 1, 2}));
    EXPECT_EQ(upload(*daemon, Bytes{3, 7} + i64_bytes(2)), (Bytes{1, 1, 2}));
    EXPECT_EQ(upload(*daemon, Bytes{4, 7} + i64_bytes(70000)), (Bytes{1, 1}));
}

// ---- get any ----

TEST_P(Methods, GetAnyServesTheCurrentType) {
    EXPECT_EQ(upload(*daemon, {4, 124}), (Bytes{1, 2}));

    upload(*daemon, send_text_request(4, "any text"));
    Bytes expected_text = Bytes{1, 1, 1} + i64_bytes(8) + bytes_of("any text");
    EXPECT_EQ(upload(*daemon, {4, 124, 1}), expected_text);

    upload(*daemon, send_files_request(4, {file_entry("f.txt", "file"), dir_entry("e")}));
    auto client = request(*daemon, {4, 124});
    ReplyReader reply{*client};
    EXPECT_EQ(reply.byte(), 1);
    EXPECT_EQ(reply.byte(), 1);
    EXPECT_EQ(reply.byte(), 2);
    EXPECT_EQ(reply.entries(),
              (std::vector<WireEntry>{dir_entry("e"), file_entry("f.txt", "file")}));
    client->send(Bytes{1});
    EXPECT_TRUE(client->closed_by_peer());
}

// ---- persistence ----

TEST_P(Methods, ClipboardSurvivesARestart) {
    TempDir shared;
    fs::create_directory(shared.path() / "work");
    std::string body = "[server]\nbind = \"127.0.0.1\"\nworking_dir = \"" +
                       (shared.path() / "work").string() + "\"\n";
    {
        auto first = start(body);
        ASSERT_EQ(upload(*first, send_text_request(4, "remember me")), (Bytes{1, 1, 1}));
        EXPECT_EQ(first->stop(), 0);
    }
    {
        auto second = start(body);
        EXPECT_EQ(get_text(*second, 4), "remember me");
        ASSERT_EQ(upload(*second, send_files_request(4, {file_entry("kept.txt", "k")})),
                  (Bytes{1, 1, 1}));
        EXPECT_EQ(second->stop(), 0);
    }
    auto third = start(body);
    EXPECT_EQ(get_files(*third, 4), (std::vector<WireEntry>{file_entry("kept.txt", "k")}));
    EXPECT_FALSE(fs::exists(shared.path() / "work/.clipshare/clipboard.state.tmp"));
}

TEST_P(Methods, LeftoverUploadDirectoryIsRemovedAtStart) {
    TempDir shared;
    fs::create_directories(shared.path() / "work/.clipshare-upload-dead/partial");
    write_text(shared.path() / "work/.clipshare-upload-dead/partial/half.bin", "half");
    auto daemon = start("[server]\nbind = \"127.0.0.1\"\nworking_dir = \"" +
                        (shared.path() / "work").string() + "\"\n");
    // Removed in the background once the daemon is ready, and logged when it is gone.
    EXPECT_TRUE(daemon->wait_for_log("removed " + (shared.path() / "work").string() +
                                     "/.clipshare-upload-dead"));
    EXPECT_FALSE(fs::exists(shared.path() / "work/.clipshare-upload-dead"));
}

}  // namespace
}  // namespace clipshare::test
