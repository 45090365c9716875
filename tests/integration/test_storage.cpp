// [storage]: the quota on working_dir, with the real daemon. A batch that does not fit is
// refused and leaves nothing; make_room removes the oldest batches whole; the clipboard's
// files, and files a download is reading, are never removed; max_age removes old batches
// (their age is their entries' mtime, set here with utimensat and swept with SIGHUP).
#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>

#include <fstream>
#include <set>
#include <string>

#include "daemon_fixture.hpp"
#include "disk_helpers.hpp"
#include "protocol_helpers.hpp"

namespace clipshare::test {
namespace {

namespace fs = std::filesystem;

const Bytes stored{1, 1, 1};  // v4: 01 for the method, 01 for the batch once stored

std::string config(std::string_view storage) {
    return "[server]\nbind = \"127.0.0.1\"\nworking_dir = \"work\"\n[storage]\n" +
           std::string{storage};
}

// Starts the daemon and waits for its first count of working_dir.
std::unique_ptr<Daemon> start(std::string_view storage) {
    auto daemon = Daemon::start(config(storage));
    EXPECT_TRUE(daemon->wait_for_log("storage: working_dir holds"));
    return daemon;
}

Bytes upload(const Daemon& daemon, const std::vector<WireEntry>& entries) {
    auto client = Client::connect(daemon.port());
    client.send(send_files_request(4, entries));
    return client.recv_all();
}

std::string bytes(std::size_t n) {
    return std::string(n, 'q');
}

std::uint64_t mtime_ns(const fs::path& path) {
    struct stat info {};
    if (lstat(path.c_str(), &info) != 0) return 0;
    return static_cast<std::uint64_t>(info.st_mtim.tv_sec) * 1'000'000'000u +
           static_cast<std::uint64_t>(info.st_mtim.tv_nsec);
}

void make_old(const fs::path& path, int seconds) {
    timespec now{};
    clock_gettime(CLOCK_REALTIME, &now);
    const timespec times[2] = {{now.tv_sec - seconds, 0}, {now.tv_sec - seconds, 0}};
    ASSERT_EQ(utimensat(AT_FDCWD, path.c_str(), times, AT_SYMLINK_NOFOLLOW), 0);
}

TEST(Storage, BatchOverTheQuotaIsRefusedAndLeavesNothing) {
    auto daemon = start("max_bytes = 100\n");
    ASSERT_EQ(upload(*daemon, {file_entry("a", bytes(60))}), stored);
    // Its first file fits, its second does not: refused at the second size, before its data,
    // and the first file goes with the batch.
    auto refused = upload(*daemon, {file_entry("b1", bytes(30)), file_entry("b2", bytes(20))});
    EXPECT_EQ(refused, (Bytes{1, 1})) << "no acknowledgement: the client sees a failure";
    EXPECT_EQ(settled(daemon->working_dir(), {"a"}), std::set<std::string>{"a"});
    EXPECT_TRUE(daemon->wait_for_log(
        "upload refused: storage quota: working_dir holds 60 bytes and uploads in progress 30"))
        << daemon->log();
    EXPECT_NE(daemon->log().find("127.0.0.1"), std::string::npos);
    // A single file larger than the whole quota, and nothing else is touched.
    EXPECT_EQ(upload(*daemon, {file_entry("huge", bytes(101))}), (Bytes{1, 1}));
    // What fits still does.
    EXPECT_EQ(upload(*daemon, {file_entry("c", bytes(40))}), stored);
    EXPECT_EQ(settled(daemon->working_dir(), {"a", "c"}), (std::set<std::string>{"a", "c"}));
}

TEST(Storage, DeclaredSizeIsRefusedBeforeItsData) {
    auto daemon = start("max_bytes = 1000\n");
    // A header that declares 1 GiB, and no data: the refusal comes at once, not after
    // the client has sent (or the daemon has waited for) anything more.
    auto client = Client::connect(daemon->port());
    client.send(Bytes{4, 4} + i64_bytes(1) + i64_bytes(3) + bytes_of("big") +
                i64_bytes(std::int64_t{1} << 30));
    EXPECT_EQ(client.recv_all(), (Bytes{1, 1}));
    EXPECT_EQ(settled(daemon->working_dir(), {}), std::set<std::string>{});
}

TEST(Storage, MakeRoomRemovesTheOldestBatchWhole) {
    auto daemon = start("max_bytes = 100\nmake_room = true\n");
    ASSERT_EQ(upload(*daemon, {file_entry("old1", bytes(40)), file_entry("d/old2", bytes(10))}),
              stored);
    ASSERT_EQ(upload(*daemon, {file_entry("mid", bytes(40))}), stored);
    // 130 bytes would be held: the oldest batch (50 bytes, both its entries) goes.
    ASSERT_EQ(upload(*daemon, {file_entry("new", bytes(40))}), stored);
    EXPECT_EQ(settled(daemon->working_dir(), {"mid", "new"}),
              (std::set<std::string>{"mid", "new"}));
    EXPECT_TRUE(daemon->wait_for_log("to make room for an upload"));
}

TEST(Storage, EntriesOfOneBatchShareTheirStamp) {
    auto daemon = start("max_bytes = 1000\n");
    ASSERT_EQ(upload(*daemon, {file_entry("f", "x"), file_entry("dir/g", "y"), dir_entry("e")}),
              stored);
    auto work = daemon->working_dir();
    auto stamp = mtime_ns(work / "f");
    EXPECT_NE(stamp, 0u);
    EXPECT_EQ(mtime_ns(work / "dir"), stamp);
    EXPECT_EQ(mtime_ns(work / "e"), stamp);
}

TEST(Storage, ClipboardFilesAreNeverRemoved) {
    auto daemon = start("max_bytes = 100\nmake_room = true\n");
    ASSERT_EQ(upload(*daemon, {file_entry("current", bytes(80))}), stored);
    // Only the clipboard's own batch could make room: refused instead.
    EXPECT_EQ(upload(*daemon, {file_entry("next", bytes(40))}), (Bytes{1, 1}));
    EXPECT_EQ(settled(daemon->working_dir(), {"current"}), std::set<std::string>{"current"});
    // Nor by age: the clipboard's file is old, the sweep leaves it.
    make_old(daemon->working_dir() / "current", 7200);
    auto counted = daemon->log().find("storage: working_dir holds");
    ASSERT_NE(counted, std::string::npos);
    daemon->signal(SIGHUP);
    EXPECT_TRUE(daemon->wait_for_log("storage: working_dir holds", 2));
    EXPECT_EQ(contents(daemon->working_dir()), std::set<std::string>{"current"});
}

TEST(Storage, FilesBeingDownloadedAreNotRemoved) {
    auto daemon = start("max_bytes = 100\nmake_room = true\n");
    ASSERT_EQ(upload(*daemon, {file_entry("read", bytes(60))}), stored);
    // A Get Files reply of it, held open: we never send the acknowledgement.
    auto reader = Client::connect(daemon->port());
    reader.send(Bytes{4, 3});
    ASSERT_EQ(reader.recv(2), (Bytes{1, 1}));
    // The clipboard moves on; "read" is no longer its content, but is still being read.
    ASSERT_EQ(upload(*daemon, {file_entry("then", bytes(30))}), stored);
    EXPECT_EQ(upload(*daemon, {file_entry("more", bytes(30))}), (Bytes{1, 1}));
    EXPECT_EQ(settled(daemon->working_dir(), {"read", "then"}),
              (std::set<std::string>{"read", "then"}));
    // Once the reply is over, it may go.
    reader.close();
    EXPECT_TRUE(daemon->wait_for_log("get_files v4")) << daemon->log();
    bool stored_now =
        wait_until([&] { return upload(*daemon, {file_entry("more", bytes(30))}) == stored; });
    EXPECT_TRUE(stored_now);
    EXPECT_EQ(settled(daemon->working_dir(), {"then", "more"}),
              (std::set<std::string>{"then", "more"}));
}

TEST(Storage, MaxAgeRemovesOldBatchesOnASweep) {
    auto daemon = start("max_age = 3600\n");
    ASSERT_EQ(upload(*daemon, {file_entry("aged", "a"), dir_entry("aged-dir")}), stored);
    ASSERT_EQ(upload(*daemon, {file_entry("young", "b")}), stored);
    ASSERT_EQ(upload(*daemon, {file_entry("current", "c")}), stored);
    auto work = daemon->working_dir();
    make_old(work / "aged", 7200);
    make_old(work / "aged-dir", 7200);
    make_old(work / "young", 600);
    daemon->signal(SIGHUP);
    EXPECT_EQ(settled(work, {"young", "current"}), (std::set<std::string>{"young", "current"}));
    EXPECT_TRUE(daemon->wait_for_log("older than [storage] max_age"));
}

TEST(Storage, UsageIsCountedFromTheDisk) {
    auto daemon = start("max_bytes = 100\n");
    // Put there by hand, and seen once the daemon counts again (SIGHUP).
    std::ofstream{daemon->working_dir() / "by-hand"} << bytes(90);
    fs::create_directories(daemon->working_dir() / "tree/deeper");
    std::ofstream{daemon->working_dir() / "tree/deeper/file"} << bytes(5);
    daemon->signal(SIGHUP);
    ASSERT_TRUE(daemon->wait_for_log("storage: working_dir holds 95 bytes in 2 entries"));
    EXPECT_EQ(upload(*daemon, {file_entry("x", bytes(10))}), (Bytes{1, 1}));
    EXPECT_EQ(upload(*daemon, {file_entry("x", bytes(5))}), stored);
}

}  // namespace
}  // namespace clipshare::test
