// The commit journal of a received batch: the point after which a batch is placed whatever
// happens. It is written (and fsynced) in the batch's temporary directory once every byte
// of the batch is on disk and before the first entry is moved into place; it names each
// top-level entry and the name it gets in the target directory. After a crash or power
// loss, start-up finds it and finishes the move (files/batch_recovery.hpp); a temporary
// directory without a complete journal was never placed at all and is removed.
//
// Layout of a temporary directory (".clipshare-upload-*" in the target):
//   items/     the received top-level entries, under their received names
//   journal    from the commit point on
//   rollback   when a commit is being taken back (saving the clipboard failed)
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace clipshare {

inline constexpr const char* journal_file = "journal";
inline constexpr const char* rollback_file = "rollback";
inline constexpr const char* items_dir = "items";

struct JournalEntry {
    char type = 'f';     // 'f' file, 'p' PNG file, 'd' directory
    std::string item;    // the name in items/
    std::string target;  // the name it gets (or got) in the target directory
};

struct Journal {
    std::uint64_t sequence = 0;  // when the commit began (CLOCK_REALTIME, ns)
    std::vector<JournalEntry> entries;
};

// The journal as written at the commit point: a header, one line per entry, "end".
std::string journal_text(const Journal& journal);
// One more line after "end": the entry `item` moves to another name (the first choice was
// taken meanwhile). The last line for an item wins.
std::string journal_amendment(const JournalEntry& entry);
// Nothing when the text is not a complete journal (a crash while writing it).
std::optional<Journal> parse_journal(std::string_view text);

}  // namespace clipshare
