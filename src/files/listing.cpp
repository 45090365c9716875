#include "files/listing.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

// Files of 2 GiB or more must list with their size, not vanish as "unusable": fstat fails
// with EOVERFLOW on them with a 32-bit off_t.
static_assert(sizeof(off_t) == 8, "large file support: build with -D_FILE_OFFSET_BITS=64");

namespace clipshare {
namespace {

// Opens the file once, as sending it will, and returns its size (or -1 when unusable).
std::int64_t checked_size(const std::filesystem::path& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) return -1;
    struct stat info {};
    std::int64_t size = (fstat(fd, &info) == 0 && S_ISREG(info.st_mode)) ? info.st_size : -1;
    ::close(fd);
    return size;
}

void walk_directory(const std::filesystem::path& dir, const std::string& prefix, int version,
                    std::vector<FileEntry>& entries) {
    std::vector<std::string> names;
    std::error_code error;
    for (const auto& child : std::filesystem::directory_iterator(dir, error)) {
        names.push_back(child.path().filename().string());
    }
    std::sort(names.begin(), names.end());  // std::string compares bytes: a stable order
    std::size_t before = entries.size();
    for (const auto& name : names) {
        auto path = dir / name;
        auto status = std::filesystem::symlink_status(path, error);
        if (error) continue;
        if (std::filesystem::is_regular_file(status)) {
            auto size = checked_size(path);
            if (size >= 0) entries.push_back({prefix + "/" + name, size, path});
        } else if (std::filesystem::is_directory(status)) {
            walk_directory(path, prefix + "/" + name, version, entries);
        }
        // Symlinks and special files are never followed or sent.
    }
    if (entries.size() == before && version >= 3) entries.push_back({prefix, -1, dir});
}

}  // namespace

std::string list_file_entries(const std::vector<std::filesystem::path>& roots, int version,
                              std::vector<FileEntry>& entries) {
    auto sorted = roots;
    std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) {
        return a.filename().string() < b.filename().string();
    });
    for (const auto& root : sorted) {
        std::error_code error;
        auto status = std::filesystem::symlink_status(root, error);
        if (error) continue;
        std::string name = root.filename().string();
        if (std::filesystem::is_regular_file(status)) {
            auto size = checked_size(root);
            if (size >= 0) entries.push_back({name, size, root});
        } else if (std::filesystem::is_directory(status) && version >= 2) {
            walk_directory(root, name, version, entries);
        }
    }
    return {};
}

}  // namespace clipshare
