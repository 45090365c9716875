// Write-behind in BatchWriter (files/write_window.hpp): whatever the batch looks like, after
// every step at most the window is written and not yet confirmed on disk. Observed through
// the DiskSync the writer is given, which makes the real system calls and records which bytes
// each wait or sync confirmed, against the bytes the test itself wrote. No timing.
#include <gtest/gtest.h>

#include <cerrno>
#include <cstdint>
#include <string>
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
    int sync_all(int fd) override {
        ++syncs;
        int error = DiskSync::sync_all(fd);
        if (error == 0) confirmed = written_;
        return error;
    }

    int starts = 0;
    int waits = 0;
    int syncs = 0;
    std::int64_t confirmed = 0;
    bool fail_waits = false;
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

}  // namespace
}  // namespace clipshare
