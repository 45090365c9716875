// Removing a directory tree whatever its depth: neither recursion nor one descriptor per
// level. Each directory's subdirectories are first moved up into the tree's top directory
// (under fresh names), so the walk never goes more than one level down; a tree 10,000
// levels deep costs what a flat one does. Symlinks are removed, never followed.
//
// Only for trees that are the daemon's own to rearrange (temporary batch directories):
// moving entries about is invisible there.
#pragma once

namespace clipshare {

// Removes `name` inside `dir_fd` and everything below it. True when `name` no longer
// exists afterwards (also when it did not exist to begin with).
bool remove_tree_at(int dir_fd, const char* name);

}  // namespace clipshare
