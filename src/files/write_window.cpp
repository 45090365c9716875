#include "files/write_window.hpp"

#include <fcntl.h>
#include <linux/magic.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>

namespace clipshare {
namespace {

// A file this big has its rest started when it ends (as its halves were while it grew);
// smaller ones are left for one syncfs of many, which writes them together.
constexpr std::int64_t write_back_early = 1 << 20;
// Write-back is started in steps of at most this: starting a range blocks while the device's
// queue is full, and a writer blocked on a big range leaves the disk idle afterwards while it
// writes the next one into the page cache. Small steps keep feeding the disk.
constexpr std::int64_t start_step = 1 << 20;

// sync_file_range is only a hint for the page cache: where a file system or file cannot
// take it, the final syncfs still makes the batch durable, so these are no failure.
bool unsupported(int error) {
    return error == EINVAL || error == ENOSYS || error == EOPNOTSUPP || error == ESPIPE;
}

int retrying(int (*call)(int, off_t, off_t, unsigned), int fd, std::int64_t offset,
             std::int64_t length, unsigned flags) {
    while (call(fd, offset, length, flags) != 0) {
        if (errno != EINTR) return errno;
    }
    return 0;
}

int range_call(int fd, off_t offset, off_t length, unsigned flags) {
    return sync_file_range(fd, offset, length, flags);
}

}  // namespace

std::int64_t DiskSync::now_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

int DiskSync::start(int fd, std::int64_t offset, std::int64_t length) {
    return retrying(&range_call, fd, offset, length, SYNC_FILE_RANGE_WRITE);
}

int DiskSync::wait(int fd, std::int64_t offset, std::int64_t length) {
    // WAIT_BEFORE lets write-back already running finish, WRITE starts what a rewrite made
    // dirty again, WAIT_AFTER waits for all of it.
    return retrying(
        &range_call, fd, offset, length,
        SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER);
}

int DiskSync::sync_all(int fd) {
    return syncfs(fd) == 0 ? 0 : errno;
}

bool DiskSync::writes_back(int fd) {
    struct statfs info {};
    // Unknown: assume a device behind it, which only costs the calls.
    if (fstatfs(fd, &info) != 0) return true;
    auto type = static_cast<unsigned long>(info.f_type);
    return type != TMPFS_MAGIC && type != RAMFS_MAGIC;
}

DiskSync& system_disk_sync() {
    static DiskSync system;
    return system;
}

WriteWindow::WriteWindow(WindowLimits limits, DiskSync& sync) : limits_(limits), sync_(sync) {
    limits_.min = std::max(limits_.min, min_write_window);
    limits_.max = std::max(limits_.max, limits_.min);
    window_ = limits_.min;
}

int WriteWindow::wrote(int fd, std::int64_t end) {
    if (int error = error_.load(); error != 0) return error;
    if (!writes_back_) return 0;
    end_ = end;
    publish();
    if (end_ - started_ >= std::min(window_.load() / 2, start_step)) {
        if (int error = start_rest(fd); error != 0) return error;
    }
    return settle(fd);
}

int WriteWindow::file_ended(int fd, std::int64_t end) {
    if (int error = error_.load(); error != 0) return error;
    if (!writes_back_) return 0;
    end_ = end;
    if (end_ >= write_back_early || file_) {
        if (int error = start_rest(fd); error != 0) return error;
    } else {
        closed_small_ += end_ - started_;
    }
    // The writer closes `fd` next; its ranges still in flight hold a duplicate.
    file_.reset();
    started_ = end_ = 0;
    publish();
    return settle(fd);
}

void WriteWindow::all_synced() {
    std::lock_guard lock{mutex_};
    // A confirm_oldest() waiting now finds its range gone and leaves the count alone.
    ranges_.clear();
    in_ranges_ = 0;
    closed_small_ = 0;
    started_ = end_;
    publish();
    last_confirmed_ns_ = sync_.now_ns();
}

int WriteWindow::start_rest(int fd) {
    std::int64_t length = end_ - started_;
    if (length <= 0) return 0;
    if (!file_) {
        auto duplicate = std::make_shared<UniqueFd>(fcntl(fd, F_DUPFD_CLOEXEC, 0));
        if (!*duplicate) {
            // Out of descriptors: no range to wait for later, so the whole file system now.
            if (int error = sync_.sync_all(fd); error != 0 && !unsupported(error)) return error;
            all_synced();
            return 0;
        }
        file_ = std::move(duplicate);
    }
    if (int error = sync_.start(fd, started_, length); error != 0 && !unsupported(error)) {
        return error;
    }
    {
        std::lock_guard lock{mutex_};
        if (last_confirmed_ns_ < 0) last_confirmed_ns_ = sync_.now_ns();
        ranges_.push_back({file_, started_, length, next_id_++});
        in_ranges_ += length;
        started_ = end_;
        publish();
    }
    return 0;
}

int WriteWindow::settle(int fd) {
    while (over()) {
        bool sync_all = closed_small_ > 0;
        if (!sync_all) {
            std::lock_guard lock{mutex_};
            sync_all = ranges_.empty();
        }
        if (sync_all) {
            // Small files (or an unstarted rest) are what is left: one syncfs writes them
            // all, and whatever else of the batch is in flight.
            if (int error = sync_.sync_all(fd); error != 0 && !unsupported(error)) return error;
            all_synced();
            continue;
        }
        if (!waits_itself_) return 0;  // confirm_oldest() on another thread catches up
        if (std::int64_t confirmed = confirm_oldest(); confirmed < 0) {
            return static_cast<int>(-confirmed);
        }
    }
    return 0;
}

std::int64_t WriteWindow::confirm_oldest() {
    Range oldest;
    {
        std::lock_guard lock{mutex_};
        if (ranges_.empty()) return 0;
        oldest = ranges_.front();
    }
    // Without the lock: the writer goes on starting ranges meanwhile.
    if (int error = sync_.wait(oldest.fd->get(), oldest.offset, oldest.length);
        error != 0 && !unsupported(error)) {
        int none = 0;
        error_.compare_exchange_strong(none, error);
        return -error;
    }
    std::lock_guard lock{mutex_};
    // A syncfs of the writer's may have confirmed it (and everything) already.
    if (ranges_.empty() || ranges_.front().id != oldest.id) return oldest.length;
    ranges_.pop_front();
    in_ranges_ -= oldest.length;
    measure(oldest.length);
    // Idle from here until the next range starts: that time is not the disk's.
    if (ranges_.empty()) last_confirmed_ns_ = -1;
    return oldest.length;
}

void WriteWindow::measure(std::int64_t bytes) {
    std::int64_t now = sync_.now_ns();
    std::int64_t elapsed = std::max<std::int64_t>(now - last_confirmed_ns_, 1);
    last_confirmed_ns_ = now;
    if (limits_.min == limits_.max) return;
    // Bytes on disk per second since the last confirmation: the disk's speed while it is
    // what holds the upload back, and less (the network's) while it is not, which errs on
    // the short side. Down at once, up at most twice per wait.
    double rate = static_cast<double>(bytes) * 1e9 / static_cast<double>(elapsed);
    double wanted = rate * limits_.seconds;
    std::int64_t window = window_.load();
    auto next = static_cast<std::int64_t>(
        std::min(wanted, static_cast<double>(std::min(2 * window, limits_.max))));
    window_ = std::max(next, limits_.min);
}

}  // namespace clipshare
