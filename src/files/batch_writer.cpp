#include "files/batch_writer.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>

namespace clipshare {
namespace {

std::string errno_text(const std::string& what) {
    return what + ": " + std::strerror(errno);
}

constexpr std::uint8_t png_signature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

// Opens (creating as needed) the directory `path` below `root_fd`, one segment at a time
// with O_NOFOLLOW so no symlink can lead outside. Returns an fd or -1 with errno.
int open_directory_path(int root_fd, const std::string& path, bool create) {
    int current = dup(root_fd);
    if (path.empty()) return current;
    std::size_t start = 0;
    while (current >= 0 && start <= path.size()) {
        auto end = path.find('/', start);
        if (end == std::string::npos) end = path.size();
        std::string segment = path.substr(start, end - start);
        // Callers pass normalized paths; refusing these here too keeps this function safe on
        // its own.
        if (segment.empty() || segment == "." || segment == "..") {
            ::close(current);
            errno = EINVAL;
            return -1;
        }
        if (create && mkdirat(current, segment.c_str(), 0755) != 0 && errno != EEXIST) {
            int saved = errno;
            ::close(current);
            errno = saved;
            return -1;
        }
        int next =
            openat(current, segment.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        int saved = errno;
        ::close(current);
        errno = saved;
        current = next;
        start = end + 1;
    }
    return current;
}

}  // namespace

void remove_tree_at(int dir_fd, const char* name) {
    if (unlinkat(dir_fd, name, 0) == 0 || (errno != EISDIR && errno != EPERM)) return;
    int fd = openat(dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd >= 0) {
        if (DIR* dir = fdopendir(fd)) {
            while (dirent* entry = readdir(dir)) {
                if (std::strcmp(entry->d_name, ".") == 0 || std::strcmp(entry->d_name, "..") == 0)
                    continue;
                remove_tree_at(dirfd(dir), entry->d_name);
            }
            closedir(dir);  // closes fd
        } else {
            ::close(fd);
        }
    }
    unlinkat(dir_fd, name, AT_REMOVEDIR);
}

BatchWriter::BatchWriter(std::filesystem::path target, std::string target_name)
    : target_(std::move(target)), target_name_(std::move(target_name)) {}

BatchWriter::~BatchWriter() {
    if (file_fd_ >= 0) ::close(file_fd_);
    if (temp_fd_ >= 0) ::close(temp_fd_);
    if (!committed_ && !temp_name_.empty() && target_fd_ >= 0) {
        remove_tree_at(target_fd_, temp_name_.c_str());
    }
    if (target_fd_ >= 0) ::close(target_fd_);
}

std::string BatchWriter::fail_with(std::string error) {
    if (failure_.empty()) failure_ = std::move(error);
    return failure_;
}

std::string BatchWriter::ensure_temp_dir() {
    if (temp_fd_ >= 0) return {};
    if (target_fd_ < 0) target_fd_ = ::open(target_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (target_fd_ < 0) return errno_text(target_name_ + " " + target_.string());
    for (int attempt = 0; attempt < 100; ++attempt) {
        // Unguessable is not needed (the directory is created with O_EXCL semantics and
        // 0700); distinct is, across connections and restarts.
        static std::atomic<unsigned> counter{static_cast<unsigned>(time(nullptr))};
        char suffix[24];
        std::snprintf(suffix, sizeof suffix, "%x-%x", static_cast<unsigned>(getpid()),
                      counter.fetch_add(1));
        std::string name = std::string{upload_dir_prefix} + suffix;
        if (mkdirat(target_fd_, name.c_str(), 0700) == 0) {
            temp_name_ = name;
            temp_fd_ =
                openat(target_fd_, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (temp_fd_ < 0) return errno_text("cannot open the temporary directory");
            return {};
        }
        if (errno != EEXIST) return errno_text("cannot create a temporary directory");
    }
    return "cannot create a temporary directory";
}

void BatchWriter::note_top_level(const std::string& path, bool directory) {
    std::string top = path.substr(0, path.find('/'));
    bool is_top = top.size() == path.size();
    for (auto& item : top_level_) {
        if (item.name == top) return;
    }
    top_level_.push_back({top, directory || !is_top, false});
}

std::string BatchWriter::add_directory(const std::string& path) {
    if (!failure_.empty()) return failure_;
    if (auto error = ensure_temp_dir(); !error.empty()) return fail_with(error);
    int fd = open_directory_path(temp_fd_, path, true);
    if (fd < 0) return fail_with(errno_text("cannot create directory '" + path + "'"));
    ::close(fd);
    note_top_level(path, true);
    return {};
}

std::string BatchWriter::begin_file(const std::string& path, std::int64_t size) {
    if (!failure_.empty()) return failure_;
    if (auto error = ensure_temp_dir(); !error.empty()) return fail_with(error);
    if (file_fd_ >= 0) return fail_with("'" + file_path_ + "' is still open");
    auto slash = path.rfind('/');
    std::string parent = slash == std::string::npos ? "" : path.substr(0, slash);
    std::string leaf = slash == std::string::npos ? path : path.substr(slash + 1);
    if (leaf.empty() || leaf == "." || leaf == "..") {
        return fail_with("bad file name '" + path + "'");
    }
    int dir = open_directory_path(temp_fd_, parent, true);
    if (dir < 0) return fail_with(errno_text("cannot create directory '" + parent + "'"));
    file_fd_ =
        openat(dir, leaf.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    int saved = errno;
    ::close(dir);
    errno = saved;
    if (file_fd_ < 0) return fail_with(errno_text("cannot create '" + path + "'"));
    file_path_ = path;
    file_size_ = size;
    file_written_ = 0;
    std::fill(std::begin(file_head_), std::end(file_head_), 0);
    note_top_level(path, false);
    return {};
}

std::string BatchWriter::write(std::span<const std::uint8_t> bytes) {
    if (!failure_.empty()) return failure_;
    if (file_fd_ < 0) return fail_with("no file is open");
    if (file_written_ < 8) {
        auto head =
            std::min<std::size_t>(bytes.size(), 8 - static_cast<std::size_t>(file_written_));
        std::memcpy(file_head_ + file_written_, bytes.data(), head);
    }
    while (!bytes.empty()) {
        ssize_t n = ::write(file_fd_, bytes.data(), bytes.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return fail_with(errno_text("cannot write '" + file_path_ + "'"));
        bytes = bytes.subspan(static_cast<std::size_t>(n));
        file_written_ += n;
    }
    return {};
}

std::string BatchWriter::end_file() {
    if (!failure_.empty()) return failure_;
    if (file_fd_ < 0) return fail_with("no file is open");
    if (file_written_ != file_size_) {
        return fail_with("'" + file_path_ + "' has " + std::to_string(file_written_) +
                         " bytes, not " + std::to_string(file_size_));
    }
    // "Stored" means on disk: an acknowledgement promises that much.
    if (fsync(file_fd_) != 0) return fail_with(errno_text("cannot sync '" + file_path_ + "'"));
    int rc = ::close(file_fd_);
    file_fd_ = -1;
    if (rc != 0) return fail_with(errno_text("cannot close '" + file_path_ + "'"));
    if (file_path_.find('/') == std::string::npos && file_written_ >= 8 &&
        std::equal(std::begin(file_head_), std::end(file_head_), std::begin(png_signature))) {
        for (auto& item : top_level_) {
            if (item.name == file_path_) item.png = true;
        }
    }
    return {};
}

std::string BatchWriter::commit(std::vector<PlacedItem>& placed) {
    if (!failure_.empty()) return failure_;
    return fail_with(place_all(placed));
}

// RENAME_NOREPLACE makes "free" atomic, so an existing file (or a symlink planted there) is
// never replaced.
std::string BatchWriter::place_all(std::vector<PlacedItem>& placed) {
    if (temp_fd_ < 0) return "nothing was received";
    if (file_fd_ >= 0) return "'" + file_path_ + "' is still open";
    std::string failure;
    for (const auto& item : top_level_) {
        bool done = false;
        // A name that looks like an unfinished batch would be deleted as one at the daemon's
        // next start: it starts at 1_name, which cannot.
        int first = item.name.rfind(upload_dir_prefix, 0) == 0 ? 1 : 0;
        for (int n = first; n < 100000 && !done; ++n) {
            std::string target = n == 0 ? item.name : std::to_string(n) + "_" + item.name;
            if (target.size() > 255) break;
            if (renameat2(temp_fd_, item.name.c_str(), target_fd_, target.c_str(),
                          RENAME_NOREPLACE) == 0) {
                placed.push_back({target, item.directory, item.png});
                done = true;
            } else if (errno != EEXIST) {
                failure = errno_text("cannot move '" + item.name + "' into place");
                break;
            }
        }
        if (!failure.empty()) break;
        if (!done) {
            failure = "no free name for '" + item.name + "'";
            break;
        }
    }
    if (!failure.empty()) {
        // All or nothing: take back what was already placed.
        for (const auto& item : placed) remove_tree_at(target_fd_, item.name.c_str());
        placed.clear();
        return failure;
    }
    fsync(target_fd_);
    committed_ = true;
    placed_ = placed;
    ::close(temp_fd_);
    temp_fd_ = -1;
    unlinkat(target_fd_, temp_name_.c_str(), AT_REMOVEDIR);
    return {};
}

void BatchWriter::uncommit() {
    for (const auto& item : placed_) remove_tree_at(target_fd_, item.name.c_str());
    placed_.clear();
}

}  // namespace clipshare
