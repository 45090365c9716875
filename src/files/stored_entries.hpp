// What working_dir holds, as the storage quota (files/storage_quota.hpp) sees it: each
// top-level entry with the bytes of its files and its stamp. The disk is the only index:
// every commit sets the mtime of its top-level entries to one stamp (BatchWriter), so the
// entries of one batch share it, and start-up (or a SIGHUP) rebuilds the picture from the
// directory alone. Nothing can disagree with the disk after a crash because nothing else
// is written.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

namespace clipshare {

struct StoredEntry {
    std::string name;         // one segment, in working_dir
    std::uint64_t stamp = 0;  // its mtime, ns since the epoch: the batch's commit time
    std::int64_t bytes = 0;   // the sizes of the regular files in it (itself, for a file)
};

// The top-level entries of the directory `dir_fd`, leaving out the daemon's own (batch
// temporary directories, and the names in `skip`: state_dir when it lies in working_dir).
// Symlinks are counted as entries of 0 bytes and never followed.
std::vector<StoredEntry> scan_stored_entries(int dir_fd, const std::set<std::string>& skip);

// The sizes of the regular files of the tree `name` in `dir_fd` (st_size: what clients
// sent, not blocks), walked one directory at a time with no descriptor held per level.
std::int64_t tree_bytes(int dir_fd, const std::string& name);

// Removes the top-level entry `name` of `dir_fd`: it is first moved, in one rename, into a
// fresh batch temporary directory, so that nobody sees it half removed and a crash in the
// middle leaves only what start-up clears anyway. True when `name` is gone.
bool discard_entry(int dir_fd, const std::string& name);

}  // namespace clipshare
