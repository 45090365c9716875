// Receiving one batch of files and directories into a directory, synchronously and safely
// (SPEC.md section 5): everything goes into a hidden temporary directory first, every path is
// opened segment by segment with O_NOFOLLOW below it, and only commit() moves the top-level
// entries into place. The daemon runs it on libuv's thread pool (DiskFiles); the client calls
// it directly.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "clipboard/clipboard.hpp"

namespace clipshare {

// Hidden temporary directories of batches in progress start with this.
inline constexpr const char* upload_dir_prefix = ".clipshare-upload-";

// Removes `name` inside `dir_fd` and everything below it, never following a symlink.
void remove_tree_at(int dir_fd, const char* name);

class BatchWriter {
public:
    // Writes below the directory `target`, opened with the first entry (so a directory
    // that was removed and made again since the writer was created is found). Messages
    // call it `target_name` ("working_dir" in the daemon).
    explicit BatchWriter(std::filesystem::path target, std::string target_name = "directory");
    // Removes everything written unless commit() succeeded.
    ~BatchWriter();
    BatchWriter(const BatchWriter&) = delete;
    BatchWriter& operator=(const BatchWriter&) = delete;

    // Each returns "" or an error; once a step failed, every later one (commit included)
    // fails the same way. Paths are normalized (files/names.hpp) and conflict-free
    // (BatchPlan); files are written one at a time.
    std::string add_directory(const std::string& path);
    std::string begin_file(const std::string& path, std::int64_t size);
    std::string write(std::span<const std::uint8_t> bytes);
    std::string end_file();
    // Moves each top-level entry into the target as the first free name of name, 1_name,
    // 2_name, ... All or nothing: on failure, what was already moved is taken back.
    std::string commit(std::vector<PlacedItem>& placed);
    // Takes a committed batch back out of the target, for when what should follow the
    // commit (saving the clipboard) failed: all or nothing holds to the end.
    void uncommit();

private:
    // Remembers the first failure, so that it poisons every later step.
    std::string fail_with(std::string error);
    std::string ensure_temp_dir();
    std::string place_all(std::vector<PlacedItem>& placed);
    void note_top_level(const std::string& path, bool directory);

    std::filesystem::path target_;
    std::string target_name_;
    int target_fd_ = -1;
    std::string failure_;
    std::string temp_name_;
    int temp_fd_ = -1;
    int file_fd_ = -1;
    std::string file_path_;
    std::int64_t file_size_ = 0;
    std::int64_t file_written_ = 0;
    std::uint8_t file_head_[8] = {};
    bool committed_ = false;
    std::vector<PlacedItem> top_level_;  // as received, names in the temp dir
    std::vector<PlacedItem> placed_;     // as committed, names in the target
};

}  // namespace clipshare
