// What a batch of top-level items looks like on the wire (SPEC.md section 4.3): the daemon's
// Get Files and the client's send-files both list their items with it, so both send the same
// shapes in every version.
//
// The walk streams: a TreeWalker hands out entries a few at a time in wire order and holds
// only a bounded window of each directory's names, never the whole listing, so a tree of a
// million entries costs a connection what a tree of ten does. Between calls it holds no
// descriptor either: every step reopens its directory from the root's parent, one segment at
// a time with O_NOFOLLOW (files/below.hpp), so a directory swapped for a symlink while it is
// walked leads nowhere.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "files/transfer.hpp"

namespace clipshare {

class TreeWalker {
public:
    // v1: top-level regular files only; v2: + directories; v3+: + empty directories as size
    // -1. Entries deeper than `max_depth` segments are left out (and counted).
    TreeWalker(std::vector<std::filesystem::path> roots, int version, std::size_t max_depth);

    // Appends the next entries in wire order (sorted names, depth first; symlinks and special
    // files skipped; every file opened once to check it) until `max_entries` were appended.
    // False once the walk is over.
    bool next(std::vector<FileEntry>& out, std::size_t max_entries);

    // Memory the walker holds now (names in its windows), for the daemon's budget.
    std::size_t held_bytes() const;
    // Entries left out because they were deeper than max_depth.
    std::uint64_t too_deep() const { return too_deep_; }

private:
    struct Child {
        std::string name;
        bool directory = false;
    };
    struct Level {
        explicit Level(std::string segment) : name(std::move(segment)) {}
        std::string name;            // this directory's segment
        std::vector<Child> pending;  // names after `cursor`, largest first
        std::string cursor;          // the last name handed out
        bool complete = false;       // `pending` holds every name after `cursor`
        bool loaded = false;         // `pending` was filled at least once
        bool emitted = false;        // an entry was sent from below this directory
    };

    bool start_root(std::vector<FileEntry>& out);
    // The directory at the top of the stack, opened for this call of next(); -1 if gone.
    int top_directory();
    void refill(Level& level, int dir_fd);
    void finish_level(std::vector<FileEntry>& out);
    std::string relative_path(std::size_t levels) const;
    void close_directories();

    std::vector<std::filesystem::path> roots_;
    int version_;
    std::size_t max_depth_;
    std::size_t next_root_ = 0;
    std::filesystem::path base_;  // the current root's parent
    std::vector<Level> stack_;
    std::uint64_t too_deep_ = 0;
    // Open only during one call of next().
    int base_fd_ = -1;
    int top_fd_ = -1;
};

// The whole listing at once, for the client (its own files, on its own machine).
// Returns "" (it has no failure of its own yet).
std::string list_file_entries(const std::vector<std::filesystem::path>& roots, int version,
                              std::vector<FileEntry>& entries);

}  // namespace clipshare
