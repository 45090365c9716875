#include "files/stored_entries.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>

#include "files/batch_writer.hpp"
#include "files/below.hpp"
#include "files/remove_tree.hpp"

namespace clipshare {
namespace {

bool is_dot(const char* name) {
    return std::strcmp(name, ".") == 0 || std::strcmp(name, "..") == 0;
}

// Calls `visit(dir_fd, name)` for each name in the directory `fd` (consumed), "." and ".."
// left out.
template <typename Visit>
void read_names(int fd, Visit visit) {
    DIR* dir = fdopendir(fd);
    if (dir == nullptr) {
        ::close(fd);
        return;
    }
    while (dirent* entry = readdir(dir)) {
        if (!is_dot(entry->d_name)) visit(dirfd(dir), entry->d_name);
    }
    closedir(dir);
}

std::uint64_t mtime_ns(const struct stat& info) {
    return static_cast<std::uint64_t>(info.st_mtim.tv_sec) * 1'000'000'000u +
           static_cast<std::uint64_t>(info.st_mtim.tv_nsec);
}

}  // namespace

std::int64_t tree_bytes(int dir_fd, const std::string& name) {
    struct stat info {};
    if (fstatat(dir_fd, name.c_str(), &info, AT_SYMLINK_NOFOLLOW) != 0) return 0;
    if (S_ISREG(info.st_mode)) return info.st_size;
    if (!S_ISDIR(info.st_mode)) return 0;
    // Paths still to read, relative to dir_fd: memory grows with the directories waiting,
    // never with the depth of the descriptors held.
    std::int64_t total = 0;
    std::vector<std::string> pending{name};
    while (!pending.empty()) {
        std::string path = std::move(pending.back());
        pending.pop_back();
        int fd = open_directory_below(dir_fd, path);
        if (fd < 0) continue;
        read_names(fd, [&](int parent, const char* child) {
            struct stat child_info {};
            if (fstatat(parent, child, &child_info, AT_SYMLINK_NOFOLLOW) != 0) return;
            if (S_ISREG(child_info.st_mode)) total += child_info.st_size;
            if (S_ISDIR(child_info.st_mode)) pending.push_back(path + "/" + child);
        });
    }
    return total;
}

std::vector<StoredEntry> scan_stored_entries(int dir_fd, const std::set<std::string>& skip) {
    std::vector<StoredEntry> entries;
    int fd = openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return entries;
    read_names(fd, [&](int, const char* name) {
        std::string entry{name};
        if (entry.rfind(upload_dir_prefix, 0) == 0 || skip.count(entry) != 0) return;
        struct stat info {};
        if (fstatat(dir_fd, name, &info, AT_SYMLINK_NOFOLLOW) != 0) return;
        entries.push_back({std::move(entry), mtime_ns(info), 0});
    });
    for (auto& entry : entries) entry.bytes = tree_bytes(dir_fd, entry.name);
    return entries;
}

bool discard_entry(int dir_fd, const std::string& name) {
    static std::atomic<unsigned> counter{static_cast<unsigned>(time(nullptr))};
    for (int attempt = 0; attempt < 100; ++attempt) {
        char suffix[40];
        std::snprintf(suffix, sizeof suffix, "gone-%x-%x", static_cast<unsigned>(getpid()),
                      counter.fetch_add(1));
        std::string holder = std::string{upload_dir_prefix} + suffix;
        if (mkdirat(dir_fd, holder.c_str(), 0700) != 0) {
            if (errno == EEXIST) continue;
            return false;
        }
        // Inside, under a name start-up recovery never reads (no journal, no items/): the
        // holder is a temporary directory without a journal, which start-up removes whole.
        UniqueFd holder_fd{
            openat(dir_fd, holder.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)};
        bool moved = holder_fd && renameat(dir_fd, name.c_str(), holder_fd.get(), "gone") == 0;
        bool missing = !moved && errno == ENOENT;
        holder_fd.reset();
        remove_tree_at(dir_fd, holder.c_str());
        return moved || missing;
    }
    return false;
}

}  // namespace clipshare
