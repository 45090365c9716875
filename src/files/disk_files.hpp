// FileService over the real working directory, with all disk I/O on libuv's thread pool.
#pragma once

#include <uv.h>

#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "files/batch_recovery.hpp"
#include "files/storage_quota.hpp"
#include "files/transfer.hpp"
#include "files/write_window.hpp"
#include "util/work_queue.hpp"

namespace clipshare {

class DiskFiles final : public FileService {
public:
    // Get Files leaves out entries deeper than `max_depth` path segments. `daemon_names`
    // are top-level entries of working_dir that are the daemon's own (state_dir), never
    // counted or removed by the storage quota, whose index is charged to `budget`. An upload
    // has at most a window of bytes written and not yet on disk (files/write_window.hpp).
    DiskFiles(uv_loop_t* loop, std::filesystem::path working_dir, std::size_t max_depth,
              std::set<std::string> daemon_names = {}, MemoryBudget* budget = nullptr,
              WindowLimits write_window = {});
    ~DiskFiles() override;

    // Opens working_dir and finishes the batches a crash interrupted after their commit
    // point (files/batch_recovery.hpp): fast, and done before the daemon serves. "" or error.
    std::string open();
    // The batches open() finished, oldest first, for the clipboard.
    const std::vector<RecoveredBatch>& recovered() const { return recovery_.finished; }
    // Removes, on the thread pool, what a crash left (unfinished batches, and the journals
    // of finished ones: call it once the clipboard holds them). Logs each removal.
    void clean_up_leftovers();

    std::unique_ptr<IncomingBatch> begin_batch() override;
    std::unique_ptr<FileListing> list(std::vector<std::filesystem::path> roots,
                                      int version) override;
    std::unique_ptr<OutgoingFile> open(FileEntry entry) override;

    const std::filesystem::path& working_dir() const { return working_dir_; }
    // [storage]: uploads reserve room in it, downloads pin what they read.
    StorageQuota& quota() { return quota_; }
    // Clean-up still running (tests wait for it).
    bool cleaning() const { return !cleaner_.idle(); }

private:
    uv_loop_t* loop_;
    std::filesystem::path working_dir_;
    std::size_t max_depth_;
    WindowLimits write_window_;
    Recovery recovery_;
    WorkQueue cleaner_;
    // Waits for uploads' write-back, a turn per batch: one pool thread at most (of libuv's 4)
    // ever waits for the disk, however many uploads run.
    WorkQueue flusher_;
    StorageQuota quota_;
};

}  // namespace clipshare
