#include "files/below.hpp"

#include <fcntl.h>
#include <sys/stat.h>

#include <cerrno>
#include <string>

namespace clipshare {
namespace {

bool bad_segment(std::string_view segment) {
    return segment.empty() || segment == "." || segment == "..";
}

// Closes `fd` keeping errno, for the failure paths.
void close_keeping_errno(int fd) {
    int saved = errno;
    ::close(fd);
    errno = saved;
}

}  // namespace

int open_directory_below(int root_fd, std::string_view path, bool create) {
    int current = fcntl(root_fd, F_DUPFD_CLOEXEC, 0);
    while (current >= 0 && !path.empty()) {
        auto slash = path.find('/');
        std::string segment{path.substr(0, slash)};
        path = slash == std::string_view::npos ? std::string_view{} : path.substr(slash + 1);
        if (bad_segment(segment) || (slash != std::string_view::npos && path.empty())) {
            close_keeping_errno(current);
            errno = EINVAL;
            return -1;
        }
        if (create && mkdirat(current, segment.c_str(), 0755) != 0 && errno != EEXIST) {
            close_keeping_errno(current);
            return -1;
        }
        int next =
            openat(current, segment.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        close_keeping_errno(current);
        current = next;
    }
    return current;
}

int open_below(int root_fd, std::string_view path, int flags, mode_t mode) {
    auto slash = path.rfind('/');
    std::string_view parent =
        slash == std::string_view::npos ? std::string_view{} : path.substr(0, slash);
    std::string leaf{slash == std::string_view::npos ? path : path.substr(slash + 1)};
    if (bad_segment(leaf)) {
        errno = EINVAL;
        return -1;
    }
    int dir = open_directory_below(root_fd, parent);
    if (dir < 0) return -1;
    int fd = openat(dir, leaf.c_str(), flags | O_NOFOLLOW | O_CLOEXEC, mode);
    close_keeping_errno(dir);
    return fd;
}

int open_below(const std::filesystem::path& base, std::string_view path, int flags) {
    UniqueFd root{::open(base.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
    if (!root) return -1;
    return open_below(root.get(), path, flags);
}

}  // namespace clipshare
