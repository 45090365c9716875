// Write-behind in BatchWriter (files/write_window.hpp): whatever the batch looks like, after
// every step at most the window is written and not yet confirmed on disk. Observed through
// the DiskSync the writer is given, which makes the real system calls and records which bytes
// each wait or sync confirmed, against the bytes the test itself wrote. No timing.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "files/batch_writer.hpp"
#include "sandbox.hpp"

namespace clipshare {
namespace {

using clipshare::test::Sandbox;

// Confirmed = bytes a wait covered, or everything written before a sync_all. With
// `disk_rate` set, the clock is fake: only waits take time, as long as that rate needs.
class RecordingSync final : public DiskSync {
public:
    explicit RecordingSync(const std::int64_t& written) : written_(written) {}

    std::int64_t now_ns() override { return disk_rate > 0 ? fake_ns : DiskSync::now_ns(); }

    int start(int fd, std::int64_t offset, std::int64_t length) override {
        ++starts;
        return DiskSync::start(fd, offset, length);
    }
    int wait(int fd, std::int64_t offset, std::int64_t length) override {
        ++waits;
        if (fail_waits) return EIO;
        int error = DiskSync::wait(fd, offset, length);
        if (error == 0) confirmed += length;  // the writer's ranges never overlap
        if (disk_rate > 0) fake_ns += static_cast<std::int64_t>(1e9 * length / disk_rate);
        return error;
    }
    // The test decides, not the file system the sandbox happens to be on.
    bool writes_back(int) override { return device; }
    int sync_all(int fd) override {
        ++syncs;
        int error = DiskSync::sync_all(fd);
        if (error == 0) confirmed = written_;
        return error;
    }

    // Atomic: with waits made elsewhere, they come from another thread than starts.
    std::atomic<int> starts = 0;
    std::atomic<int> waits = 0;
    std::atomic<int> syncs = 0;
    std::atomic<std::int64_t> confirmed = 0;
    std::atomic<bool> fail_waits = false;
    bool device = true;    // writes_back()
    double disk_rate = 0;  // bytes per second; 0: the real clock
    std::int64_t fake_ns = 0;

private:
    const std::int64_t& written_;
};

constexpr std::int64_t window = 256 << 10;
constexpr std::size_t piece = 64 << 10;  // what the daemon writes per step

struct Upload {
    explicit Upload(WindowLimits limits = {window, window}, double disk_rate = 0)
        : writer(sandbox.target(), "target", limits, sync) {
        sync.disk_rate = disk_rate;
    }
    WriteWindow& write_window() { return *writer.write_window(); }
    Sandbox sandbox;
    std::int64_t written = 0;
    RecordingSync sync{written};
    BatchWriter writer;
    std::int64_t most_unconfirmed = 0;

    // Writes `size` bytes as `path` in daemon-sized pieces, noting after every step how much
    // was written and not confirmed.
    std::string file(const std::string& path, std::int64_t size) {
        std::vector<std::uint8_t> data(piece, 'w');
        if (auto error = writer.begin_file(path, size); !error.empty()) return error;
        for (std::int64_t done = 0; done < size;) {
            auto n = static_cast<std::size_t>(std::min<std::int64_t>(size - done, piece));
            // Counted first: the bytes are in the file before the writer waits or syncs.
            written += static_cast<std::int64_t>(n);
            if (auto error = writer.write({data.data(), n}); !error.empty()) return error;
            done += static_cast<std::int64_t>(n);
            note();
        }
        auto error = writer.end_file();
        note();
        return error;
    }
    void note() { most_unconfirmed = std::max(most_unconfirmed, written - sync.confirmed); }
};

TEST(WriteWindow, ALargeFileNeverHasMoreThanTheWindowUnflushed) {
    Upload run;
    ASSERT_EQ(run.file("big.bin", 20 * window), "");
    EXPECT_LE(run.most_unconfirmed, window);
    EXPECT_LE(run.writer.unflushed(), window);
    // Written back in half windows and waited for one by one, not by syncs of everything.
    EXPECT_GE(run.sync.starts, 38);
    EXPECT_GE(run.sync.waits, 36);
    EXPECT_EQ(run.sync.syncs, 0);
    std::vector<PlacedItem> placed;
    ASSERT_EQ(run.writer.commit(placed), "");
    EXPECT_EQ(run.sync.syncs, 1);  // the commit's own: still there, with little left to do
    EXPECT_EQ(run.sync.confirmed, run.written);
}

TEST(WriteWindow, FilesClosedWhileInFlightAreWaitedForThroughTheirOwnDescriptor) {
    // 1.5 windows each: every file ends with ranges still in flight, waited for after the
    // writer closed it (a closed descriptor would fail the wait with EBADF).
    Upload run;
    for (int i = 0; i < 8; ++i) {
        ASSERT_EQ(run.file("f" + std::to_string(i), window * 3 / 2), "") << i;
    }
    EXPECT_LE(run.most_unconfirmed, window);
    EXPECT_EQ(run.sync.syncs, 0);
    EXPECT_GT(run.sync.waits, 8);
}

TEST(WriteWindow, SmallFilesAreSyncedTogetherOncePastTheWindow) {
    Upload run;
    for (int i = 0; i < 100; ++i) {
        ASSERT_EQ(run.file("dir/s" + std::to_string(i), 10000), "") << i;
    }
    EXPECT_LE(run.most_unconfirmed, window);
    // No I/O of their own: 1 MB in a few syncs of many files.
    EXPECT_EQ(run.sync.starts, 0);
    EXPECT_GE(run.sync.syncs, 3);
    EXPECT_LE(run.sync.syncs, 5);
}

// The window follows the disk: half a second of what it writes, within the limits.
TEST(WriteWindow, OnASlowDiskTheWindowShrinksToHalfASecondOfWriting) {
    Upload run{{128 << 10, 4 << 20, 0.5}, 1e6};
    ASSERT_EQ(run.file("big.bin", 8 << 20), "");
    EXPECT_NEAR(static_cast<double>(run.writer.window()), 500000, 1000);
    // Once measured, never more unflushed than half a second of the disk: reset the peak
    // after the first MiB.
    run.most_unconfirmed = 0;
    ASSERT_EQ(run.file("more.bin", 4 << 20), "");
    EXPECT_LE(run.most_unconfirmed, 500000 + (64 << 10));
}

TEST(WriteWindow, OnAFastDiskTheWindowGrowsToItsLimit) {
    Upload run{{128 << 10, 4 << 20, 0.5}, 1e9};
    ASSERT_EQ(run.file("big.bin", 16 << 20), "");
    EXPECT_EQ(run.writer.window(), 4 << 20);
    EXPECT_LE(run.most_unconfirmed, 4 << 20);
}

TEST(WriteWindow, AFailedWaitFailsTheBatch) {
    Upload run;
    run.sync.fail_waits = true;
    auto error = run.file("big.bin", 4 * window);
    EXPECT_NE(error.find("cannot write 'big.bin' to disk"), std::string::npos) << error;
    std::vector<PlacedItem> placed;
    EXPECT_EQ(run.writer.commit(placed), error);
    EXPECT_FALSE(run.sandbox.everything().count("target/big.bin"));
}

// ---- waits made elsewhere (the daemon: DiskFiles' flusher) ----

TEST(WriteWindow, WaitedForElsewhereTheWriterOnlyStartsWriteBack) {
    Upload run;
    run.write_window().wait_elsewhere();
    ASSERT_EQ(run.file("big.bin", 20 * window), "");
    // Nothing waited: the writer went on, and says it is over the window.
    EXPECT_EQ(run.sync.waits.load(), 0);
    EXPECT_EQ(run.sync.syncs.load(), 0);
    EXPECT_GE(run.sync.starts.load(), 38);
    EXPECT_TRUE(run.write_window().over());
    EXPECT_EQ(run.write_window().unflushed(), 20 * window);
    EXPECT_EQ(run.write_window().in_flight(), 20 * window);
    // Whoever waits takes it back below the window, oldest range first.
    std::int64_t confirmed = 0;
    while (run.write_window().over()) {
        std::int64_t bytes = run.write_window().confirm_oldest();
        ASSERT_GT(bytes, 0);
        confirmed += bytes;
    }
    EXPECT_EQ(confirmed, run.sync.confirmed.load());
    EXPECT_EQ(run.write_window().unflushed(), 20 * window - confirmed);
    EXPECT_LE(run.write_window().unflushed(), window);
    std::vector<PlacedItem> placed;
    ASSERT_EQ(run.writer.commit(placed), "");
    EXPECT_EQ(run.write_window().unflushed(), 0);
    EXPECT_EQ(run.write_window().confirm_oldest(), 0);  // nothing in flight
}

TEST(WriteWindow, SmallFilesAreStillSyncedByTheWriterWhenWaitsAreElsewhere) {
    Upload run;
    run.write_window().wait_elsewhere();
    for (int i = 0; i < 100; ++i) {
        ASSERT_EQ(run.file("dir/s" + std::to_string(i), 10000), "") << i;
    }
    // No ranges to wait for: the writer's syncfs is what keeps them within the window.
    EXPECT_LE(run.most_unconfirmed, window);
    EXPECT_GE(run.sync.syncs.load(), 3);
}

TEST(WriteWindow, AWaiterOnAnotherThreadKeepsUpWithTheWriter) {
    Upload run;
    run.write_window().wait_elsewhere();
    std::atomic<bool> writing{true};
    std::atomic<std::int64_t> confirmed{0};
    std::thread waiter{[&] {
        while (writing.load() || run.write_window().in_flight() > 0) {
            std::int64_t bytes = run.write_window().confirm_oldest();
            if (bytes < 0) return;
            confirmed += bytes;
            if (bytes == 0) std::this_thread::yield();
        }
    }};
    // Files closed while their ranges are in flight: waited for through their duplicates
    // (a closed descriptor would fail the wait with EBADF, a reused one wait for another).
    for (int i = 0; i < 8; ++i) {
        ASSERT_EQ(run.file("f" + std::to_string(i), window * 3 / 2), "") << i;
    }
    writing = false;
    waiter.join();
    EXPECT_EQ(run.write_window().error(), 0);
    EXPECT_EQ(confirmed.load(), run.written);
    EXPECT_EQ(run.sync.confirmed.load(), run.written);
    EXPECT_EQ(run.write_window().unflushed(), 0);
}

// A wait that blocks until the test lets it go, to run the writer's syncfs meanwhile.
class HeldWait final : public DiskSync {
public:
    int wait(int fd, std::int64_t offset, std::int64_t length) override {
        entered.set_value();
        release.get_future().wait();
        return DiskSync::wait(fd, offset, length);
    }
    std::promise<void> entered;
    std::promise<void> release;
};

TEST(WriteWindow, ARangeASyncfsConfirmedWhileItWasWaitedForIsNotCountedTwice) {
    Sandbox sandbox;
    HeldWait sync;
    BatchWriter writer{sandbox.target(), "target", {window, window}, sync};
    writer.write_window()->wait_elsewhere();
    std::vector<std::uint8_t> data(4 * window, 'w');
    ASSERT_EQ(writer.begin_file("big.bin", 4 * window), "");
    ASSERT_EQ(writer.write(data), "");
    ASSERT_EQ(writer.end_file(), "");
    ASSERT_GT(writer.write_window()->in_flight(), 0);
    auto confirming =
        std::async(std::launch::async, [&] { return writer.write_window()->confirm_oldest(); });
    sync.entered.get_future().wait();
    std::vector<PlacedItem> placed;
    ASSERT_EQ(writer.commit(placed), "");  // its syncfs confirms everything
    EXPECT_EQ(writer.unflushed(), 0);
    sync.release.set_value();
    EXPECT_GT(confirming.get(), 0);
    EXPECT_EQ(writer.write_window()->in_flight(), 0);
    EXPECT_EQ(writer.unflushed(), 0);
    EXPECT_FALSE(writer.write_window()->over());
}

TEST(WriteWindow, AFailedWaitElsewhereFailsTheWritersNextStepAndTheCommit) {
    Upload run;
    run.write_window().wait_elsewhere();
    run.sync.fail_waits = true;
    std::vector<std::uint8_t> data(piece, 'w');
    ASSERT_EQ(run.writer.begin_file("big.bin", 4 * window), "");
    for (int i = 0; i < 8; ++i) ASSERT_EQ(run.writer.write(data), "") << i;
    EXPECT_EQ(run.write_window().confirm_oldest(), -EIO);
    EXPECT_EQ(run.write_window().error(), EIO);
    auto error = run.writer.write(data);
    EXPECT_NE(error.find("cannot write 'big.bin' to disk"), std::string::npos) << error;
    std::vector<PlacedItem> placed;
    EXPECT_EQ(run.writer.commit(placed), error);
    EXPECT_FALSE(run.sandbox.everything().count("target/big.bin"));
}

TEST(WriteWindow, AFailedWaitElsewhereAfterTheLastWriteFailsTheCommit) {
    Upload run;
    run.write_window().wait_elsewhere();
    run.sync.fail_waits = true;
    ASSERT_EQ(run.file("big.bin", 4 * window), "");
    EXPECT_EQ(run.write_window().confirm_oldest(), -EIO);
    std::vector<PlacedItem> placed;
    auto error = run.writer.commit(placed);
    EXPECT_NE(error.find("cannot write the received files to disk"), std::string::npos) << error;
    EXPECT_FALSE(run.sandbox.everything().count("target/big.bin"));
}

// ---- file systems without write-back (tmpfs) ----

TEST(WriteWindow, WithoutWriteBackNothingIsStartedOrWaitedForButTheCommitStillSyncs) {
    Upload run;
    run.sync.device = false;
    ASSERT_EQ(run.file("big.bin", 20 * window), "");
    ASSERT_EQ(run.file("small", 1000), "");
    EXPECT_EQ(run.sync.starts, 0);
    EXPECT_EQ(run.sync.waits, 0);
    EXPECT_EQ(run.sync.syncs, 0);
    EXPECT_EQ(run.writer.unflushed(), 0);
    EXPECT_FALSE(run.write_window().over()) << "nothing to hold the upload back for";
    std::vector<PlacedItem> placed;
    ASSERT_EQ(run.writer.commit(placed), "");
    EXPECT_EQ(run.sync.syncs, 1) << "the ack still waits for the sync";
    EXPECT_EQ(run.sync.confirmed, run.written);
    EXPECT_EQ(std::filesystem::file_size(run.sandbox.target() / "big.bin"),
              static_cast<std::uintmax_t>(20 * window));
}

// The file system type of `path` as /proc/self/mounts names it (the last mount wins).
std::string mount_type(const std::string& path) {
    std::ifstream mounts{"/proc/self/mounts"};
    std::string device, point, type, rest, found;
    while (mounts >> device >> point >> type && std::getline(mounts, rest)) {
        if (point == path) found = type;
    }
    return found;
}

TEST(DiskSync, TmpfsHasNoWriteBack) {
    if (mount_type("/dev/shm") != "tmpfs") GTEST_SKIP() << "no tmpfs at /dev/shm";
    int fd = ::open("/dev/shm", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    EXPECT_FALSE(system_disk_sync().writes_back(fd));
    ::close(fd);
}

TEST(DiskSync, ProcIsNotTmpfsSoItCountsAsWritingBack) {
    // Any file system that is not tmpfs or ramfs is taken to have a device behind it.
    int fd = ::open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    EXPECT_TRUE(system_disk_sync().writes_back(fd));
    ::close(fd);
}

}  // namespace
}  // namespace clipshare
