// What a batch of top-level items looks like on the wire (SPEC.md section 4.3): the daemon's
// Get Files and the client's send-files both list their items with it, so both send the same
// shapes in every version.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "files/transfer.hpp"

namespace clipshare {

// The entries for these top-level items in `version`: sorted, symlinks and special files
// inside directories skipped, every file opened once to check it, items that no longer exist
// skipped. v1: top-level regular files only; v2: + directories; v3+: + empty directories as
// size -1. Returns "" (it has no failure of its own yet).
std::string list_file_entries(const std::vector<std::filesystem::path>& roots, int version,
                              std::vector<FileEntry>& entries);

}  // namespace clipshare
