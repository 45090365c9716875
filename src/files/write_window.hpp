// Write-behind for received files: keeps what a batch has written but not yet put on disk
// under a bound, the window, so that the sync before the upload's acknowledgement has at
// most a window of data left to write, however large the upload and however slow the disk.
//
// Without it the page cache takes an upload as fast as the network brings it, and on a slow
// disk (a USB stick on a router) the one sync at commit then writes all of it while the
// client waits for the ack: 21 s for 100 MiB at 5 MB/s, long after the phone gave up.
//
// How: every half window of a file, its write-back is started (sync_file_range WRITE); once
// more than a window is unflushed, the oldest started range is waited for. The caller runs on
// libuv's thread pool, so the wait holds back the batch's queue, the queue's bound stops the
// connection reading, and the client's sending slows to the disk's pace. Small files are not
// written back one by one (one I/O each would cost more than the data): they are counted, and
// when they alone keep the window full, one syncfs puts them on disk together.
//
// This only bounds the data; durability is still the caller's final syncfs, which also covers
// the metadata that sync_file_range never writes.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>

#include "files/below.hpp"

namespace clipshare {

// The window when nothing else is asked for: 0.8 s of writing at 5 MB/s, the slowest disk
// a router is expected to have.
inline constexpr std::int64_t default_write_window = 4 << 20;
// The smallest window that still overlaps writing with receiving (two ranges of 64 KiB).
inline constexpr std::int64_t min_write_window = 128 << 10;

// The system calls the window makes, in one place that tests can watch. Each returns 0 or
// an errno value.
class DiskSync {
public:
    virtual ~DiskSync() = default;
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
    explicit WriteWindow(std::int64_t window = default_write_window,
                         DiskSync& sync = system_disk_sync());

    // The open file `fd` now holds `end` bytes. May wait for the disk; 0 or an errno value.
    int wrote(int fd, std::int64_t end);
    // The file `fd` is complete at `end` bytes and is closed next: what of it is still in
    // flight is waited for later through a duplicate of `fd`.
    int file_ended(int fd, std::int64_t end);
    // `fd` is on a file system that was just synced as a whole: nothing is unflushed.
    void all_synced();

    // Bytes written and not known to be on disk.
    std::int64_t unflushed() const { return (end_ - started_) + in_ranges_ + closed_small_; }
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

    std::int64_t window_;
    DiskSync& sync_;
    std::int64_t started_ = 0;  // the current file's write-back is started up to here
    std::int64_t end_ = 0;      // the current file's size so far
    std::deque<Range> ranges_;  // started and not yet waited for, oldest first
    std::int64_t in_ranges_ = 0;
    std::int64_t closed_small_ = 0;  // complete small files left for a syncfs
};

}  // namespace clipshare
