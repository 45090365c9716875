#include "files/listing.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <limits>

#include "files/below.hpp"

// Files of 2 GiB or more must list with their size, not vanish as "unusable": fstat fails
// with EOVERFLOW on them with a 32-bit off_t.
static_assert(sizeof(off_t) == 8, "large file support: build with -D_FILE_OFFSET_BITS=64");

namespace clipshare {
namespace {

// Names held for the directory being walked; a directory with more is read again for the
// next window (each pass keeps the smallest names after the last one handed out).
constexpr std::size_t window_bytes = 32 * 1024;
// Names kept for each directory above it while a subdirectory is walked.
constexpr std::size_t ancestor_bytes = 2 * 1024;
constexpr std::size_t child_overhead = sizeof(std::string) + 8;

std::size_t cost(std::string_view name) {
    return name.size() + child_overhead;
}

// Opens the file once, as sending it will, and returns its size (or -1 when unusable).
std::int64_t checked_size(int dir_fd, const char* name) {
    UniqueFd fd{openat(dir_fd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK)};
    if (!fd) return -1;
    struct stat info {};
    if (fstat(fd.get(), &info) != 0 || !S_ISREG(info.st_mode)) return -1;
    return info.st_size;
}

}  // namespace

TreeWalker::TreeWalker(std::vector<std::filesystem::path> roots, int version, std::size_t max_depth)
    : roots_(std::move(roots)), version_(version), max_depth_(max_depth) {
    // std::string compares bytes: a stable order.
    std::sort(roots_.begin(), roots_.end(), [](const auto& a, const auto& b) {
        return a.filename().string() < b.filename().string();
    });
}

std::size_t TreeWalker::held_bytes() const {
    std::size_t bytes = 0;
    for (const auto& level : stack_) {
        bytes += cost(level.name) + level.cursor.size();
        for (const auto& child : level.pending) bytes += cost(child.name);
    }
    return bytes;
}

std::string TreeWalker::relative_path(std::size_t levels) const {
    std::string path;
    for (std::size_t i = 0; i < levels; ++i) {
        if (i > 0) path += '/';
        path += stack_[i].name;
    }
    return path;
}

void TreeWalker::close_directories() {
    if (top_fd_ >= 0) ::close(top_fd_);
    if (base_fd_ >= 0) ::close(base_fd_);
    top_fd_ = base_fd_ = -1;
}

int TreeWalker::top_directory() {
    if (top_fd_ >= 0) return top_fd_;
    if (base_fd_ < 0) base_fd_ = ::open(base_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (base_fd_ < 0) return -1;
    top_fd_ = open_directory_below(base_fd_, relative_path(stack_.size()));
    return top_fd_;
}

bool TreeWalker::start_root(std::vector<FileEntry>& out) {
    const auto& root = roots_[next_root_++];
    close_directories();
    base_ = root.has_parent_path() ? root.parent_path() : std::filesystem::path{"."};
    std::string name = root.filename().string();
    base_fd_ = ::open(base_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    struct stat info {};
    if (base_fd_ < 0 || name.empty() ||
        fstatat(base_fd_, name.c_str(), &info, AT_SYMLINK_NOFOLLOW) != 0) {
        return false;  // gone: skipped
    }
    if (S_ISREG(info.st_mode)) {
        auto size = checked_size(base_fd_, name.c_str());
        if (size >= 0) out.push_back({name, size, root, base_, name});
    } else if (S_ISDIR(info.st_mode) && version_ >= 2 && max_depth_ >= 1) {
        stack_.push_back(Level{name});
    }
    return true;
}

void TreeWalker::refill(Level& level, int dir_fd) {
    level.loaded = true;
    level.complete = true;
    level.pending.clear();
    // A descriptor of its own for readdir, so that `dir_fd` stays usable.
    int fd = openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR* dir = fd >= 0 ? fdopendir(fd) : nullptr;
    if (dir == nullptr) {
        if (fd >= 0) ::close(fd);
        return;
    }
    // A max-heap on the name: its front is the largest name kept, the first to give way.
    auto by_name = [](const Child& a, const Child& b) { return a.name < b.name; };
    auto& heap = level.pending;
    std::size_t bytes = 0;
    while (dirent* entry = readdir(dir)) {
        std::string_view name = entry->d_name;
        if (name == "." || name == ".." || name <= level.cursor) continue;
        bool directory = entry->d_type == DT_DIR;
        bool regular = entry->d_type == DT_REG;
        if (entry->d_type == DT_UNKNOWN) {
            struct stat info {};
            if (fstatat(dirfd(dir), entry->d_name, &info, AT_SYMLINK_NOFOLLOW) != 0) continue;
            directory = S_ISDIR(info.st_mode);
            regular = S_ISREG(info.st_mode);
        }
        if (!directory && !regular) continue;  // symlinks and special files are never sent
        if (bytes >= window_bytes && !heap.empty() && name >= heap.front().name) {
            level.complete = false;
            continue;
        }
        heap.push_back({std::string{name}, directory});
        std::push_heap(heap.begin(), heap.end(), by_name);
        bytes += cost(name);
        while (bytes > window_bytes && heap.size() > 1) {
            std::pop_heap(heap.begin(), heap.end(), by_name);
            bytes -= cost(heap.back().name);
            heap.pop_back();
            level.complete = false;
        }
    }
    closedir(dir);
    // Largest first, so the next name to walk is at the back.
    std::sort(heap.begin(), heap.end(),
              [](const Child& a, const Child& b) { return b.name < a.name; });
}

void TreeWalker::finish_level(std::vector<FileEntry>& out) {
    bool emitted = stack_.back().emitted;
    if (!emitted && version_ >= 3) {
        auto path = relative_path(stack_.size());
        out.push_back({path, -1, base_ / path, base_, path});
        emitted = true;
    }
    stack_.pop_back();
    if (!stack_.empty()) stack_.back().emitted |= emitted;
    // The parent is reopened by path when it is needed again.
    if (top_fd_ >= 0) ::close(top_fd_);
    top_fd_ = -1;
}

bool TreeWalker::next(std::vector<FileEntry>& out, std::size_t max_entries) {
    const std::size_t stop_at = out.size() + max_entries;
    bool more = true;
    while (out.size() < stop_at) {
        if (stack_.empty()) {
            if (next_root_ == roots_.size()) {
                more = false;
                break;
            }
            start_root(out);
            continue;
        }
        int dir = top_directory();
        Level& top = stack_.back();
        if (dir < 0) {
            // Gone, or no longer a directory: nothing below it is sent.
            top.pending.clear();
            top.loaded = top.complete = true;
        } else if (top.pending.empty() && (!top.loaded || !top.complete)) {
            refill(top, dir);
        }
        if (top.pending.empty()) {
            finish_level(out);
            continue;
        }
        Child child = std::move(top.pending.back());
        top.pending.pop_back();
        top.cursor = child.name;
        if (stack_.size() + 1 > max_depth_) {
            ++too_deep_;
            continue;
        }
        if (!child.directory) {
            auto size = checked_size(dir, child.name.c_str());
            if (size >= 0) {
                auto path = relative_path(stack_.size()) + "/" + child.name;
                out.push_back({path, size, base_ / path, base_, path});
                top.emitted = true;
            }
            continue;
        }
        int child_fd =
            openat(dir, child.name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (child_fd < 0) continue;  // gone, or swapped for something that is not a directory
        // Keep only a few names of this directory while below it; the rest is read again.
        std::size_t kept = 0;
        for (const auto& pending : top.pending) kept += cost(pending.name);
        std::size_t drop = 0;
        while (kept > ancestor_bytes && drop < top.pending.size()) {
            kept -= cost(top.pending[drop++].name);
        }
        if (drop > 0) {
            top.pending.erase(top.pending.begin(),
                              top.pending.begin() + static_cast<std::ptrdiff_t>(drop));
            top.complete = false;
        }
        ::close(top_fd_);
        top_fd_ = child_fd;
        stack_.push_back(Level{child.name});
    }
    close_directories();
    return more;
}

std::string list_file_entries(const std::vector<std::filesystem::path>& roots, int version,
                              std::vector<FileEntry>& entries) {
    TreeWalker walker{roots, version, std::numeric_limits<std::size_t>::max()};
    while (walker.next(entries, 4096)) {
    }
    return {};
}

}  // namespace clipshare
