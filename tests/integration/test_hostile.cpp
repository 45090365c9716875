// Hostile clients and faults: after each, the daemon still serves a normal client and the
// working directory holds no partial file and no temporary directory.
#include <gtest/gtest.h>

#include <pwd.h>
#include <signal.h>

#include <chrono>
#include <fstream>
#include <set>
#include <thread>

#include "daemon_fixture.hpp"
#include "disk_helpers.hpp"
#include "protocol_helpers.hpp"

namespace clipshare::test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

Bytes small_batch() {
    return send_files_request(
        4, {file_entry("a.txt", "alpha"), dir_entry("empty"), file_entry("d/b.txt", "bravo")});
}

TEST(Hostile, DisconnectAtEveryByteOfAnUploadLeavesNothing) {
    auto daemon = Daemon::start();
    auto request = small_batch();
    for (std::size_t cut = 0; cut < request.size(); ++cut) {
        auto client = Client::connect(daemon->port());
        client.send(Bytes(request.begin(), request.begin() + static_cast<std::ptrdiff_t>(cut)));
        // End our side and wait for the daemon to close its own: then it has seen the cut
        // and dropped the batch, and what is left for it is clean-up, which settled() awaits.
        client.shutdown_write();
        client.recv_all();
    }
    EXPECT_EQ(settled(daemon->working_dir(), {}), std::set<std::string>{});
    EXPECT_TRUE(serves_info(*daemon));
    // The whole request still works afterwards.
    auto client = Client::connect(daemon->port());
    client.send(request);
    EXPECT_EQ(client.recv_all(), (Bytes{1, 1, 1}));
    EXPECT_EQ(contents(daemon->working_dir()),
              (std::set<std::string>{"a.txt", "d", "d/b.txt", "empty"}));
}

TEST(Hostile, SlowlorisDoesNotDelayOthersAndIsDroppedWhenItStalls) {
    auto daemon = Daemon::start(
        "[server]\nbind = \"127.0.0.1\"\nworking_dir = \"work\"\n"
        "idle_timeout = 1\n");
    auto slow = Client::connect(daemon->port());
    auto request = send_text_request(4, "dribbled text");
    // One byte at a time, well apart: every byte is progress, so it is not dropped yet...
    for (std::size_t i = 0; i < 6; ++i) {
        slow.send(Bytes{request[i]});
        EXPECT_TRUE(serves_info(*daemon)) << "a normal client waited on the slow one";
        std::this_thread::sleep_for(200ms);  // the hostile client's pace, not a wait on us
    }
    // ...but once it stalls past idle_timeout, it is.
    EXPECT_EQ(slow.recv(2), (Bytes{1, 1}));
    EXPECT_TRUE(slow.closed_by_peer());
    EXPECT_TRUE(daemon->wait_for_log("no progress"));
}

TEST(Hostile, ClientThatNeverReadsIsNotBufferedWithoutBound) {
    auto daemon = Daemon::start(
        "[server]\nbind = \"127.0.0.1\"\nworking_dir = \"work\"\n"
        "idle_timeout = 2\n");
    // The clipboard gets a 64 MiB file; then a client asks for it and never reads.
    auto upload = Client::connect(daemon->port());
    upload.send(Bytes{4, 4} + i64_bytes(1) + i64_bytes(3) + bytes_of("big") + i64_bytes(64 << 20));
    Bytes block(1 << 20, 'x');
    for (int i = 0; i < 64; ++i) upload.send(block);
    ASSERT_EQ(upload.recv(3), (Bytes{1, 1, 1}));
    long before = rss_kib(daemon->pid());

    auto hog = Client::connect(daemon->port());
    hog.send(Bytes{4, 3});
    // Others are served while the hog sits on 64 MiB it does not read.
    for (int i = 0; i < 5; ++i) EXPECT_TRUE(serves_info(*daemon));
    long during = rss_kib(daemon->pid());
    if (!built_with_asan) {
        EXPECT_LT(during - before, 8 * 1024) << "the daemon buffered what the hog did not read";
    }
    // And it goes once it has made no progress for idle_timeout.
    EXPECT_TRUE(daemon->wait_for_log("no progress"));
}

TEST(Hostile, FileSizeLimitDuringUploadIsACleanRefusal) {
    // RLIMIT_FSIZE stands in for a full disk: writes past it fail with EFBIG.
    auto daemon = Daemon::start({}, {}, {"prlimit", "--fsize=1048576", "--"});
    Bytes block(256 * 1024, 'z');
    auto client = Client::connect(daemon->port());
    client.send(Bytes{4, 4} + i64_bytes(1) + i64_bytes(7) + bytes_of("too.big") +
                i64_bytes(2 << 20));
    for (int i = 0; i < 8; ++i) client.send(block);
    client.shutdown_write();
    EXPECT_EQ(client.recv_all(), (Bytes{1, 1}));
    EXPECT_TRUE(daemon->wait_for_log("too.big"));
    EXPECT_EQ(settled(daemon->working_dir(), {}), std::set<std::string>{});
    EXPECT_TRUE(daemon->running());
    auto small = Client::connect(daemon->port());
    small.send(send_files_request(4, {file_entry("small.txt", "fits")}));
    EXPECT_EQ(small.recv_all(), (Bytes{1, 1, 1}));
}

TEST(Hostile, WorkingDirRemovedAtRunTime) {
    auto daemon = Daemon::start();
    fs::remove_all(daemon->working_dir());
    auto client = Client::connect(daemon->port());
    client.send(send_files_request(4, {file_entry("x.txt", "x")}));
    client.shutdown_write();
    EXPECT_EQ(client.recv_all(), (Bytes{1, 1}));
    EXPECT_TRUE(daemon->wait_for_log("working_dir"));
    EXPECT_TRUE(serves_info(*daemon));
    // Made again, it is used again.
    fs::create_directory(daemon->working_dir());
    auto again = Client::connect(daemon->port());
    again.send(send_files_request(4, {file_entry("y.txt", "y")}));
    EXPECT_EQ(again.recv_all(), (Bytes{1, 1, 1}));
    EXPECT_TRUE(fs::exists(daemon->working_dir() / "y.txt"));
}

TEST(Hostile, WorkingDirMadeReadOnlyAtRunTime) {
    if (geteuid() != 0) GTEST_SKIP() << "needs root to run the daemon as another user";
    const passwd* nobody = getpwnam("nobody");
    if (nobody == nullptr) GTEST_SKIP() << "no user 'nobody'";
    TempDir shared;
    auto work = shared.path() / "work";
    fs::create_directory(work);
    fs::permissions(work, fs::perms::all);
    auto daemon = Daemon::start("[server]\nbind = \"127.0.0.1\"\nworking_dir = \"" + work.string() +
                                "\"\nuser = \"nobody\"\n");
    fs::permissions(work, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                              fs::perms::others_read | fs::perms::others_exec);
    auto client = Client::connect(daemon->port());
    client.send(send_files_request(4, {file_entry("x.txt", "x")}));
    client.shutdown_write();
    EXPECT_EQ(client.recv_all(), (Bytes{1, 1}));
    EXPECT_TRUE(daemon->wait_for_log("Permission denied"));
    EXPECT_TRUE(serves_info(*daemon));
    EXPECT_FALSE(fs::exists(work / "x.txt"));
}

}  // namespace
}  // namespace clipshare::test
