// Opening paths below a directory one segment at a time with O_NOFOLLOW, so that no symlink
// (planted before or swapped in during the walk) can lead outside it. Receiving, listing and
// sending all go through here: what the daemon reads or writes under working_dir is always
// reached from an open descriptor of working_dir itself.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <string_view>

namespace clipshare {

// An owned file descriptor.
class UniqueFd {
public:
    UniqueFd() = default;
    explicit UniqueFd(int fd) : fd_(fd) {}
    UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
    UniqueFd& operator=(UniqueFd&& other) noexcept {
        if (this != &other) reset(other.release());
        return *this;
    }
    UniqueFd(const UniqueFd&) = delete;
    UniqueFd& operator=(const UniqueFd&) = delete;
    ~UniqueFd() { reset(); }

    int get() const { return fd_; }
    explicit operator bool() const { return fd_ >= 0; }
    int release() {
        int fd = fd_;
        fd_ = -1;
        return fd;
    }
    void reset(int fd = -1) {
        if (fd_ >= 0) ::close(fd_);
        fd_ = fd;
    }

private:
    int fd_ = -1;
};

// The directory `path` ('/'-separated, relative; empty for `root_fd` itself) below
// `root_fd`, each segment opened with O_NOFOLLOW; with `create`, missing segments are made
// (mode 0755). An empty or "."/".." segment is refused (EINVAL). -1 with errno on failure.
int open_directory_below(int root_fd, std::string_view path, bool create = false);

// The entry `path` below `root_fd`: its parent reached as above, the entry itself opened
// with `flags` | O_NOFOLLOW | O_CLOEXEC. -1 with errno on failure.
int open_below(int root_fd, std::string_view path, int flags, mode_t mode = 0);

// The same from a directory named by path: `base` itself is opened as configured (symlinks
// in it are the administrator's choice), everything below it segment by segment.
int open_below(const std::filesystem::path& base, std::string_view path, int flags);

}  // namespace clipshare
