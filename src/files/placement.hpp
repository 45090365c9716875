// Moving a batch's top-level entries into the target directory: choosing free names and
// writing the commit journal. Shared by the commit (BatchWriter) and by start-up recovery,
// which finishes a commit a crash interrupted.
#pragma once

#include <set>
#include <string>
#include <string_view>

#include "files/commit_journal.hpp"

namespace clipshare {

// The first of name, 1_name, 2_name, ... that does not exist in `target_fd` and is not in
// `taken`; "" when there is none (a name over 255 bytes, or 100,000 taken). A name that
// looks like a batch's temporary directory starts at 1_name: start-up would remove it.
std::string free_name(int target_fd, const std::string& name, const std::set<std::string>& taken);

// Writes `text` to a new file `name` in `dir_fd`, fsyncs it and the directory. "" or error.
std::string write_durably(int dir_fd, const char* name, std::string_view text, bool append = false);

// Moves `item` out of `items_fd` into `target_fd` as `entry.target`, or as the next free name
// (recorded in the journal first) when that one was taken meanwhile. On success `entry`
// holds the name used. "" or error.
std::string place_entry(int temp_fd, int items_fd, int target_fd, JournalEntry& entry,
                        std::set<std::string>& taken);

}  // namespace clipshare
