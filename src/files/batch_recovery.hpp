// Start-up after a crash or power loss: every batch temporary directory (".clipshare-upload-*")
// left in working_dir is either finished or removed, so no batch is ever half placed.
// - With a complete commit journal: the commit point was passed; the entries still in the
//   temporary directory are moved into place under the journal's names (roll forward), and
//   the batch is reported so that the clipboard can be set to it.
// - With a journal and a rollback mark: saving the clipboard had failed; what was placed is
//   moved back and the batch removed (roll back).
// - Without a complete journal: nothing was placed; the directory is removed.
// Finishing is a few renames and runs before the daemon listens; removing (of any size) is
// left to the caller, to do in the background.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "files/placed_item.hpp"

namespace clipshare {

struct RecoveredBatch {
    std::string temp_name;  // its temporary directory, to remove once the clipboard is set
    std::uint64_t sequence = 0;
    std::vector<PlacedItem> placed;
};

struct Recovery {
    std::vector<RecoveredBatch> finished;  // oldest first
    std::vector<std::string> leftovers;    // temporary directories to remove
    std::vector<std::string> problems;     // one line each, for the log
};

Recovery recover_batches(int working_fd);

}  // namespace clipshare
