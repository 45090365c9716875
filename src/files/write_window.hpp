// Write-behind for received files: keeps what a batch has written but not yet put on disk
// under a bound, the window, so that the sync before the upload's acknowledgement has at
// most a window of data left to write, however large the upload and however slow the disk.
//
// Without it the page cache takes an upload as fast as the network brings it, and on a slow
// disk (a USB stick on a router) the one sync at commit then writes all of it while the
// client waits for the ack: 21 s for 100 MiB at 5 MB/s, long after the phone gave up.
//
// How: every MiB (or half window, if less) of a file, its write-back is started
// (sync_file_range WRITE); once more than a window is unflushed, the oldest started range is
// waited for. Who waits is the owner's choice. By default the writer itself, in the step
// that went over the window (the client, which writes synchronously). The daemon has the
// waits made on another pool thread (confirm_oldest(), DiskFiles) while the writer goes on
// writing, and stops reading the connection while over() instead: the disk and the network
// then both run at once, and the client still sends at the disk's pace. Small files are not
// written back one by one (one I/O each would cost more than the data): they are counted,
// and when they alone keep the window full, one syncfs puts them on disk together.
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

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>

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
    // Whether the file system of `fd` writes pages back to a device at all. Not tmpfs or
    // ramfs: their pages are the storage, so there is nothing to start or wait for, and
    // the calls would only cost two system calls per MiB and the flusher's trips.
    virtual bool writes_back(int fd);
};

// The real system calls.
DiskSync& system_disk_sync();

// One batch's window. Its writer calls wrote(), file_ended() and all_synced() from one thread
// at a time; confirm_oldest() may run on another thread meanwhile, and the accessors anywhere.
class WriteWindow {
public:
    explicit WriteWindow(WindowLimits limits = {}, DiskSync& sync = system_disk_sync());

    // From now on the writer never waits for started ranges: someone else calls
    // confirm_oldest() and holds the writer back while over(). Call before the first write.
    void wait_elsewhere() { waits_itself_ = false; }
    // The writer's files are on a file system without write-back (DiskSync::writes_back):
    // from now on writes are not counted and nothing is started or waited for; the final
    // sync_all still comes (it covers the metadata, and costs nothing there). Call it from
    // the writer, before its first write.
    void no_write_back() { writes_back_ = false; }

    // The open file `fd` now holds `end` bytes. May wait for the disk; 0 or an errno value.
    int wrote(int fd, std::int64_t end);
    // The file `fd` is complete at `end` bytes and is closed next: what of it is still in
    // flight is waited for later through a duplicate of `fd`.
    int file_ended(int fd, std::int64_t end);
    // `fd` is on a file system that was just synced as a whole: nothing is unflushed.
    void all_synced();

    // Waits for the oldest started range and counts it as on disk: the bytes it held, 0 when
    // none is in flight, or -errno (also kept: error()).
    std::int64_t confirm_oldest();

    // Bytes written and not known to be on disk.
    std::int64_t unflushed() const { return pending_.load() + in_ranges_.load(); }
    // Of those, bytes whose write-back is started (what confirm_oldest() works through).
    std::int64_t in_flight() const { return in_ranges_.load(); }
    // The bound now (it follows the disk's speed).
    std::int64_t window() const { return window_.load(); }
    bool over() const { return unflushed() > window(); }
    // The first failure of a wait made by confirm_oldest(), or 0; every later wrote() and
    // file_ended() returns it.
    int error() const { return error_.load(); }
    DiskSync& sync() const { return sync_; }

private:
    struct Range {
        std::shared_ptr<UniqueFd> fd;  // a duplicate: the writer closes its own at the end
        std::int64_t offset = 0;
        std::int64_t length = 0;
        std::uint64_t id = 0;
    };
    // Starts write-back of the current file's unstarted bytes.
    int start_rest(int fd);
    // Waits (or syncs) until no more than the window is unflushed; with waits made
    // elsewhere, only syncs what small files filled.
    int settle(int fd);
    // Sets the window from how fast `bytes` were confirmed since the last confirmation.
    void measure(std::int64_t bytes);
    void publish() { pending_.store((end_ - started_) + closed_small_); }

    WindowLimits limits_;
    DiskSync& sync_;
    bool waits_itself_ = true;
    bool writes_back_ = true;  // the writer's
    std::atomic<std::int64_t> window_;
    std::atomic<std::int64_t> pending_{0};    // unstarted and small files (the writer's)
    std::atomic<std::int64_t> in_ranges_{0};  // started, not yet confirmed
    std::atomic<int> error_{0};

    // The writer's own.
    std::int64_t started_ = 0;        // the current file's write-back is started up to here
    std::int64_t end_ = 0;            // the current file's size so far
    std::shared_ptr<UniqueFd> file_;  // the current file's duplicate, once it has ranges
    std::int64_t closed_small_ = 0;   // complete small files left for a syncfs

    // Shared with confirm_oldest().
    std::mutex mutex_;
    std::deque<Range> ranges_;  // started and not yet confirmed, oldest first
    std::uint64_t next_id_ = 0;
    std::int64_t last_confirmed_ns_ = -1;  // -1: nothing in flight since the last confirmation
};

}  // namespace clipshare
