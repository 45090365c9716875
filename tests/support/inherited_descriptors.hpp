// For a forked child about to exec: descriptors the parent opened without O_CLOEXEC (a test's
// or a benchmark's files, sockets, a flock'ed lock) must not live on in the program it starts,
// where they outlast the parent's own use of them (a daemon that crashed once kept a build
// lock held). Header-only, so the benchmarks use it too.
#pragma once

#include <sys/resource.h>
#include <unistd.h>

namespace clipshare::test {

// Closes every descriptor from 3 up. Only async-signal-safe calls: it runs between fork and
// exec in a process that may have had other threads.
inline void close_inherited_descriptors() {
    if (::close_range(3, ~0U, 0) == 0) return;
    // A kernel before 5.9: every descriptor below the limit, one by one.
    rlimit limit{};
    int top = 65536;
    if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY) {
        top = static_cast<int>(limit.rlim_cur);
    }
    for (int fd = 3; fd < top; ++fd) ::close(fd);
}

}  // namespace clipshare::test
