// Process plumbing for a daemon: detaching with a verdict back to the parent, the pidfile,
// and stopping a running instance through its pidfile.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace clipshare {

// Detaching in two steps so that start-up errors still reach the terminal: the parent waits
// on a pipe until the detached child says "ready" or sends its error line, then exits 0 or 1
// with that line on stderr.
class Detacher {
public:
    // Forks (twice) and detaches from the terminal. Only the daemon process returns; the
    // original process exits with the daemon's verdict.
    static Detacher detach();

    Detacher(Detacher&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
    Detacher(const Detacher&) = delete;
    ~Detacher();

    void ready();
    void failed(std::string_view line);

private:
    explicit Detacher(int fd) : fd_(fd) {}
    int fd_;
};

// A pidfile held with an exclusive lock while the daemon runs; removed when destroyed.
class Pidfile {
public:
    // Creates (or takes over a stale) pidfile with our pid. A missing directory (one level,
    // like /run/clipshared on a fresh tmpfs) is created, owned by `owner` when given, so that
    // the daemon can still remove the file after giving up root. On failure returns nothing
    // and fills `error` (another instance holds it, or the file cannot be written).
    static std::optional<Pidfile> create(const std::filesystem::path& path, std::string& error,
                                         std::optional<std::pair<uid_t, gid_t>> owner = {});

    Pidfile(Pidfile&& other) noexcept : path_(std::move(other.path_)), fd_(other.fd_) {
        other.fd_ = -1;
    }
    Pidfile(const Pidfile&) = delete;
    // Removes the file; where the directory does not let us (root-owned, and we are not root
    // any more), empties it instead, which every reader takes as "not running".
    ~Pidfile();

private:
    Pidfile(std::filesystem::path path, int fd) : path_(std::move(path)), fd_(fd) {}
    std::filesystem::path path_;
    int fd_;
};

// /run/clipshared/clipshared.pid for root (a directory the service user may own), else
// $XDG_RUNTIME_DIR/clipshared.pid or /tmp/clipshared-UID.pid.
std::filesystem::path default_pidfile();

// The pid of the live process named by the pidfile, if any.
std::optional<pid_t> running_pid(const std::filesystem::path& pidfile);

// SIGTERM to the running instance, then wait up to `wait_seconds` for it to go; a pidfile
// left behind (emptied, or by a daemon that was killed) is removed. Returns the exit status
// for `clipshared -s` and prints what happened on stderr.
int stop_instance(const std::filesystem::path& pidfile, int wait_seconds);

}  // namespace clipshare
