// The memory budget against clients that declare what they never send, nest names a
// thousand deep, or ask for replies they never read: the daemon runs under an address-space
// limit like a router's and must still answer afterwards.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "daemon_fixture.hpp"
#include "disk_helpers.hpp"
#include "protocol_helpers.hpp"

namespace clipshare::test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// 256 MiB of address space: what a small router has, and far less than the lengths below.
const std::vector<std::string> small_box{"prlimit", "--as=268435456", "--"};

std::string server_section(const std::string& extra) {
    return "[server]\nbind = \"127.0.0.1\"\nworking_dir = \"work\"\n" + extra;
}

TEST(Memory, DeclaredLengthsAreNeverAllocated) {
    if (built_with_asan) GTEST_SKIP() << "AddressSanitizer cannot run under an address-space limit";
    auto daemon = Daemon::start(
        "[limits]\nmax_text_length = \"1GiB\"\nmemory_budget = \"1100MiB\"\n", {}, small_box);
    // A 10-byte header promising a gigabyte of text, then a few bytes of it.
    auto liar = Client::connect(daemon->port());
    liar.send(Bytes{4, 2} + i64_bytes(std::int64_t{1} << 30) + bytes_of("only this"));
    ASSERT_EQ(liar.recv(2), (Bytes{1, 1}));
    EXPECT_TRUE(serves_info(*daemon));

    // Names nested a thousand levels deep: refused at the first one, before any disk work.
    std::string deep;
    for (int level = 0; level < 1000; ++level) deep += level ? "/d" : "d";
    auto nester = Client::connect(daemon->port());
    nester.send(Bytes{4, 4} + i64_bytes(700) + i64_bytes(static_cast<std::int64_t>(deep.size())) +
                bytes_of(deep) + i64_bytes(-1));
    EXPECT_EQ(nester.recv_all(), (Bytes{1, 1}));
    EXPECT_TRUE(daemon->wait_for_log("over max_path_depth 128"));

    // A real deep folder at the limit: 700 files 127 levels down, all stored.
    std::string folder;
    for (int level = 0; level < 126; ++level) folder += level ? "/d" : "d";
    std::vector<WireEntry> files;
    for (int i = 0; i < 700; ++i)
        files.push_back(file_entry(folder + "/f" + std::to_string(i), "x"));
    auto uploader = Client::connect(daemon->port());
    uploader.send(send_files_request(4, files));
    EXPECT_EQ(uploader.recv_all(), (Bytes{1, 1, 1}));
    EXPECT_TRUE(daemon->running());
    EXPECT_TRUE(serves_info(*daemon));
    liar.close();
}

TEST(Memory, AThousandClientsThatNeverReadCostLittleAndLockNobodyOut) {
    if (built_with_asan) GTEST_SKIP() << "AddressSanitizer cannot run under an address-space limit";
    auto daemon = Daemon::start(
        server_section("max_connections = 2000\nmax_connections_per_address = 2000\n"), {},
        small_box);
    std::string text(1 << 20, 't');
    auto setter = Client::connect(daemon->port());
    setter.send(send_text_request(4, text));
    ASSERT_EQ(setter.recv_all(), (Bytes{1, 1, 1}));
    long before = rss_kib(daemon->pid());
    std::vector<Client> hogs;
    for (int i = 0; i < 1000; ++i) {
        hogs.push_back(Client::connect(daemon->port()));
        hogs.back().send(Bytes{4, 1});
    }
    // Every hog has been answered or refused once Info gets through after them.
    EXPECT_TRUE(serves_info(*daemon));
    long during = rss_kib(daemon->pid());
    if (!built_with_asan) {
        // Each hog costs its socket buffers (the kernel's) plus at most one window.
        EXPECT_LT(during - before, 1000 * 64) << "KiB for 1,000 clients that never read";
    }
    std::printf("[ figures  ] 1,000 non-reading Get Text (1 MiB): RSS %ld -> %ld KiB\n", before,
                during);
    hogs.clear();
    EXPECT_TRUE(serves_info(*daemon));
}

TEST(Memory, ASpentBudgetRefusesNewWorkCleanlyAndRecovers) {
    // 2 MiB: room for a few downloads (each holds a 128 KiB window and a listing) only.
    auto daemon = Daemon::start(server_section("idle_timeout = 60\n") +
                                "[limits]\nmemory_budget = \"2MiB\"\nmax_text_length = \"1MiB\"\n");
    auto upload = Client::connect(daemon->port());
    upload.send(send_files_request(4, {file_entry("big.bin", std::string(8 << 20, 'b'))}));
    ASSERT_EQ(upload.recv_all(), (Bytes{1, 1, 1}));
    std::vector<Client> hogs;
    int refused = 0;
    for (int i = 0; i < 20; ++i) {
        hogs.push_back(Client::connect(daemon->port()));
        hogs.back().send(Bytes{4, 3});
    }
    for (auto& hog : hogs) {
        // Served ones start with 01 01; refused ones are closed before any reply byte
        // after the version.
        auto head = hog.recv(2);
        refused += head == Bytes{1} ? 1 : 0;
    }
    EXPECT_GT(refused, 0);
    EXPECT_LT(refused, 20);
    EXPECT_TRUE(daemon->wait_for_log("refused: the memory budget is spent"));
    // Info needs no budget of its own: still answered.
    EXPECT_TRUE(serves_info(*daemon));
    hogs.clear();
    // With the hogs gone their memory is back: a download works again.
    EXPECT_TRUE(wait_until([&] {
        auto client = Client::connect(daemon->port());
        client.send(Bytes{4, 3});
        ReplyReader reply{client};
        return reply.byte() == 1 && reply.byte() == 1 && reply.entries().size() == 1;
    }));
}

TEST(Memory, GetFilesNeverFollowsADirectorySwappedForASymlink) {
    auto daemon = Daemon::start(server_section("idle_timeout = 60\n"));
    // A batch "d" with two directories of files; then, while a slow client is in the middle
    // of d/a, d/b becomes a symlink to files of the very same names and sizes elsewhere.
    // 10 MiB in d/a: more than loopback's socket buffers hold, so d/b is read after the swap.
    std::vector<WireEntry> entries;
    for (const char* dir : {"a", "b"}) {
        for (int i = 0; i < 40; ++i) {
            entries.push_back(file_entry(std::string{"d/"} + dir + "/f" + std::to_string(i),
                                         std::string(256 * 1024, 'o')));
        }
    }
    auto request = send_files_request(4, entries);  // built before the header deadline runs
    auto upload = Client::connect(daemon->port());
    upload.send(request);
    ASSERT_EQ(upload.recv_all(), (Bytes{1, 1, 1})) << daemon->log();
    TempDir outside;
    for (int i = 0; i < 40; ++i) {
        std::ofstream{outside.path() / ("f" + std::to_string(i))} << std::string(256 * 1024, 'S');
    }
    auto reader = Client::connect(daemon->port());
    reader.send(Bytes{4, 3});
    ReplyReader reply{reader};
    ASSERT_EQ(reply.byte(), 1);
    ASSERT_EQ(reply.byte(), 1);
    ASSERT_EQ(reply.i64(), 80);
    auto first_name = reply.string();
    EXPECT_EQ(first_name, "d/a/f0");
    fs::remove_all(daemon->working_dir() / "d/b");
    fs::create_directory_symlink(outside.path(), daemon->working_dir() / "d/b");
    // Whatever still comes must not hold a byte from outside working_dir.
    Bytes rest = reader.recv_all();
    std::string tail(rest.begin(), rest.end());
    EXPECT_EQ(tail.find('S'), std::string::npos) << "a file from outside working_dir was sent";
}

}  // namespace
}  // namespace clipshare::test
