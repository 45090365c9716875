// Receiving one batch of files and directories into a directory, synchronously and safely
// (SPEC.md section 5): everything goes into a hidden temporary directory first, every path is
// opened segment by segment with O_NOFOLLOW below it, and only commit() moves the top-level
// entries into place. The daemon runs it on libuv's thread pool (DiskFiles); the client calls
// it directly.
//
// Durability is paid once per batch, not once per file: files are written behind as they
// arrive, with never more than a window unflushed (files/write_window.hpp), and commit() waits
// for the rest with one syncfs before the commit journal (files/commit_journal.hpp) makes the
// batch's placement crash-proof.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "files/below.hpp"
#include "files/placed_item.hpp"
#include "files/write_window.hpp"

namespace clipshare {

// Hidden temporary directories of batches in progress start with this.
inline constexpr const char* upload_dir_prefix = ".clipshare-upload-";

class BatchWriter {
public:
    // Writes below the directory `target`, opened with the first entry (so a directory
    // that was removed and made again since the writer was created is found). Messages
    // call it `target_name` ("working_dir" in the daemon).
    // At most a window (`write_window`) is written and not yet on disk after any step;
    // `sync` makes the system calls that see to it (and commit's syncfs).
    explicit BatchWriter(std::filesystem::path target, std::string target_name = "directory",
                         WindowLimits write_window = {}, DiskSync& sync = system_disk_sync());
    // Removes everything written unless commit() succeeded; after a commit, removes the
    // journal, which ends the batch's life.
    ~BatchWriter();
    BatchWriter(const BatchWriter&) = delete;
    BatchWriter& operator=(const BatchWriter&) = delete;

    // Each returns "" or an error; once a step failed, every later one (commit included)
    // fails the same way. Paths are normalized (files/names.hpp) and conflict-free
    // (BatchPlan); files are written one at a time.
    std::string add_directory(const std::string& path);
    // Bytes written and not yet known to be on disk (never above the window between steps).
    std::int64_t unflushed() const { return window_->unflushed(); }
    // The window now: it follows the disk's speed.
    std::int64_t window() const { return window_->window(); }
    // The window itself, for an owner that has its waits made on another thread
    // (WriteWindow::wait_elsewhere); it outlives the writer as long as that needs it.
    std::shared_ptr<WriteWindow> write_window() const { return window_; }
    std::string begin_file(const std::string& path, std::int64_t size);
    std::string write(std::span<const std::uint8_t> bytes);
    // The parts one after the other, in as few system calls as the kernel allows: a daemon
    // that gathered several chunks while the last write ran hands them over at once.
    std::string write(std::span<const std::span<const std::uint8_t>> parts);
    std::string end_file();
    // Moves each top-level entry into the target as the first free name of name, 1_name,
    // 2_name, ... All or nothing, across crashes too: once the journal is written the
    // placement is finished by the next start if this process dies; before it, nothing of
    // the batch is in the target.
    std::string commit(std::vector<PlacedItem>& placed);
    // Takes a committed batch back out of the target, for when what should follow the
    // commit (saving the clipboard) failed: all or nothing holds to the end.
    void uncommit();
    // Removes a committed batch's journal and temporary directory: what had to follow the
    // commit is done. (The destructor does it too.)
    void finish();
    // The commit's stamp (ns since the epoch): every top-level entry it placed has it as
    // its mtime, which is how the storage quota tells batches and their age from the disk
    // alone (files/stored_entries.hpp). 0 before a commit.
    std::uint64_t stamp() const { return stamp_; }

private:
    // Remembers the first failure, so that it poisons every later step.
    std::string fail_with(std::string error);
    std::string ensure_temp_dir();
    std::string place_all(std::vector<PlacedItem>& placed);
    // Moves what place_all already placed back into items/ (or removes it).
    void take_back(const std::vector<PlacedItem>& placed);
    void note_top_level(const std::string& path, bool directory);

    struct TopLevel {
        std::string name;  // as received, in items/
        bool directory = false;
        bool png = false;
        std::int64_t bytes = 0;  // the sizes of its files
    };

    std::filesystem::path target_;
    std::string target_name_;
    UniqueFd target_fd_;
    std::string failure_;
    std::string temp_name_;
    UniqueFd temp_fd_;   // the temporary directory
    UniqueFd items_fd_;  // its items/
    UniqueFd file_fd_;
    std::string file_path_;
    std::int64_t file_size_ = 0;
    std::int64_t file_written_ = 0;
    std::uint8_t file_head_[8] = {};
    std::shared_ptr<WriteWindow> window_;
    bool committed_ = false;
    std::uint64_t stamp_ = 0;
    std::vector<TopLevel> top_level_;                         // in order of arrival
    std::unordered_map<std::string, std::size_t> top_index_;  // name -> index in top_level_
    std::vector<PlacedItem> placed_;                          // as committed, names in the target
};

}  // namespace clipshare
