// FileService over the real working directory, with all disk I/O on libuv's thread pool.
#pragma once

#include <uv.h>

#include <filesystem>
#include <string>

#include "files/transfer.hpp"
#include "util/work_queue.hpp"

namespace clipshare {

// Hidden temporary directories of batches in progress start with this.
inline constexpr const char* upload_dir_prefix = ".clipshare-upload-";

class DiskFiles final : public FileService {
public:
    DiskFiles(uv_loop_t* loop, std::filesystem::path working_dir);
    ~DiskFiles() override;

    // Opens working_dir and removes temporary directories a crash left behind. "" or error.
    std::string open();

    std::unique_ptr<IncomingBatch> begin_batch() override;
    void list(std::vector<std::filesystem::path> roots, int version,
              std::function<void(std::string error, std::vector<FileEntry>)> done) override;
    std::unique_ptr<OutgoingFile> open(FileEntry entry) override;

    const std::filesystem::path& working_dir() const { return working_dir_; }

private:
    uv_loop_t* loop_;
    std::filesystem::path working_dir_;
    WorkQueue list_queue_;  // listings run one after another, off the loop
};

// Exposed for tests: the Get Files listing, run synchronously.
std::string list_file_entries(const std::vector<std::filesystem::path>& roots, int version,
                              std::vector<FileEntry>& entries);

}  // namespace clipshare
