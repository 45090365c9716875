#include "files/remove_tree.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "files/below.hpp"

namespace clipshare {
namespace {

bool is_dot(const char* name) {
    return std::strcmp(name, ".") == 0 || std::strcmp(name, "..") == 0;
}

// Calls `visit(name)` for each entry of the directory `dir_fd` (not "." or ".."), reading it
// through a descriptor of its own so that `dir_fd` stays usable. False if it cannot be read.
template <typename Visit>
bool for_each_entry(int dir_fd, Visit visit) {
    int fd = openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return false;
    DIR* dir = fdopendir(fd);
    if (dir == nullptr) {
        ::close(fd);
        return false;
    }
    while (dirent* entry = readdir(dir)) {
        if (!is_dot(entry->d_name)) visit(entry->d_name);
    }
    closedir(dir);
    return true;
}

// Moves the subdirectory `name` of `from_fd` into `top_fd` under a name no entry has.
bool hoist(int from_fd, const char* name, int top_fd, unsigned& serial) {
    for (int attempt = 0; attempt < 1000; ++attempt) {
        char fresh[32];
        std::snprintf(fresh, sizeof fresh, "hoisted-%u", serial++);
        if (renameat2(from_fd, name, top_fd, fresh, RENAME_NOREPLACE) == 0) return true;
        if (errno != EEXIST) return false;
    }
    return false;
}

// Empties the directory `child` (an entry of `top_fd`) of files, moving its subdirectories
// up into `top_fd`, then removes it. True when it made progress.
bool flatten_one(int top_fd, const char* child, unsigned& serial) {
    UniqueFd fd{openat(top_fd, child, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)};
    if (!fd) return false;
    bool moved = false;
    for_each_entry(fd.get(), [&](const char* name) {
        if (unlinkat(fd.get(), name, 0) == 0) {
            moved = true;
        } else if ((errno == EISDIR || errno == EPERM) && hoist(fd.get(), name, top_fd, serial)) {
            moved = true;
        }
    });
    return unlinkat(top_fd, child, AT_REMOVEDIR) == 0 || moved;
}

}  // namespace

bool remove_tree_at(int dir_fd, const char* name) {
    if (unlinkat(dir_fd, name, 0) == 0 || errno == ENOENT) return true;
    if (errno != EISDIR && errno != EPERM) return false;
    UniqueFd top{openat(dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)};
    if (!top) return errno == ENOENT;
    unsigned serial = 0;
    // Passes over the top directory until it is empty: entries hoisted into it during a pass
    // may or may not be seen by that pass's readdir, so the next one picks them up.
    for (;;) {
        bool any = false;
        bool progress = false;
        bool readable = for_each_entry(top.get(), [&](const char* entry) {
            any = true;
            if (unlinkat(top.get(), entry, 0) == 0) {
                progress = true;
            } else if ((errno == EISDIR || errno == EPERM) &&
                       flatten_one(top.get(), entry, serial)) {
                progress = true;
            }
        });
        if (!readable || !any || !progress) break;
    }
    top.reset();
    return unlinkat(dir_fd, name, AT_REMOVEDIR) == 0 || errno == ENOENT;
}

}  // namespace clipshare
