// Write-behind for received files: keeps what a batch has written but not yet put on disk
// under a bound, the window, so that the sync before the upload's acknowledgement has at
// most a window of data left to write, however large the upload and however slow the disk.
//
// Without it the page cache takes an upload as fast as the network brings it, and on a slow
// disk (a USB stick on a router) the one sync at commit then writes all of it while the
// client waits for the ack: 21 s for 100 MiB at 5 MB/s, long after the phone gave up.
//
// How: every MiB (or half window, if less) of a file, its write-back is started
// (sync_file_range WRITE); once
// more than a window is unflushed, the oldest started range is waited for. The caller runs on
// libuv's thread pool, so the wait holds back the batch's queue, the queue's bound stops the
// connection reading, and the client's sending slows to the disk's pace. Small files are not
// written back one by one (one I/O each would cost more than the data): they are counted, and
// when they alone keep the window full, one syncfs puts them on disk together.
//
// The window is a time, not a size: what the disk wrote per second over the last wait, times
// `seconds`, between `min` and `max` bytes. A USB stick at 5 MB/s gets about 2.4 MiB (half a
// second of writing before the ack), a fast disk up to 512 MiB, which it needs in flight to
// run at its full speed (a 64 MiB cap cost 10-30 % of a 1 GiB upload on a virtio disk; a
// fixed 4 MiB a third). It is page cache, not daemon memory, and the kernel's own dirty
// limits still bound it on a small box. It starts
// at `min` and at most doubles per wait, so a slow disk is never flooded first.
//
// This only bounds the data; durability is still the caller's final syncfs, which also covers
// the metadata that sync_file_range never writes.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>

#include "files/below.hpp"

namespace clipshare {

// The smallest window that still overlaps writing with receiving (two ranges of 64 KiB).
inline constexpr std::int64_t min_write_window = 128 << 10;

struct WindowLimits {
    std::int64_t min = 2 << 20;    // bytes; never below min_write_window
    std::int64_t max = 512 << 20;  // bytes; min == max makes the window fixed
    double seconds = 0.5;          // of the disk's writing that the window may hold
};

// The system calls the window makes, and the clock it measures the disk with, in one place
// that tests can watch and replace. The calls return 0 or an errno value.
class DiskSync {
public:
    virtual ~DiskSync() = default;
    // A monotonic clock, in nanoseconds.
    virtual std::int64_t now_ns();
    // Starts writing bytes [offset, offset + length) of `fd` back and returns.
    virtual int start(int fd, std::int64_t offset, std::int64_t length);
    // Returns once bytes [offset, offset + length) of `fd` are written back.
    virtual int wait(int fd, std::int64_t offset, std::int64_t length);
    // Returns once everything on the file system of `fd` is on disk, metadata included.
    virtual int sync_all(int fd);
};

// The real system calls.
DiskSync& system_disk_sync();

class WriteWindow {
public:
    explicit WriteWindow(WindowLimits limits = {}, DiskSync& sync = system_disk_sync());

    // The open file `fd` now holds `end` bytes. May wait for the disk; 0 or an errno value.
    int wrote(int fd, std::int64_t end);
    // The file `fd` is complete at `end` bytes and is closed next: what of it is still in
    // flight is waited for later through a duplicate of `fd`.
    int file_ended(int fd, std::int64_t end);
    // `fd` is on a file system that was just synced as a whole: nothing is unflushed.
    void all_synced();

    // Bytes written and not known to be on disk.
    std::int64_t unflushed() const { return (end_ - started_) + in_ranges_ + closed_small_; }
    // The bound now (it follows the disk's speed).
    std::int64_t window() const { return window_; }
    DiskSync& sync() const { return sync_; }

private:
    struct Range {
        std::shared_ptr<UniqueFd> owned;  // set once the file is closed by its writer
        int fd = -1;
        std::int64_t offset = 0;
        std::int64_t length = 0;
    };
    // Starts write-back of the current file's unstarted bytes.
    int start_rest(int fd);
    // Waits until no more than the window is unflushed.
    int settle(int fd);
    // Sets the window from how fast `bytes` were confirmed since the last confirmation.
    void measure(std::int64_t bytes);

    WindowLimits limits_;
    std::int64_t window_;
    std::int64_t last_confirmed_ns_ = -1;  // -1: nothing written yet
    DiskSync& sync_;
    std::int64_t started_ = 0;  // the current file's write-back is started up to here
    std::int64_t end_ = 0;      // the current file's size so far
    std::deque<Range> ranges_;  // started and not yet waited for, oldest first
    std::int64_t in_ranges_ = 0;
    std::int64_t closed_small_ = 0;  // complete small files left for a syncfs
};

}  // namespace clipshare
