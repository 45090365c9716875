// Process plumbing for a daemon: detaching with a verdict back to the parent, the pidfile,
// and stopping a running instance through its pidfile.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

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
    // Creates (or takes over a stale) pidfile with our pid. On failure returns nothing and
    // fills `error` (another instance holds it, or the file cannot be written).
    static std::optional<Pidfile> create(const std::filesystem::path& path, std::string& error);

    Pidfile(Pidfile&& other) noexcept : path_(std::move(other.path_)), fd_(other.fd_) {
        other.fd_ = -1;
    }
    Pidfile(const Pidfile&) = delete;
    ~Pidfile();

private:
    Pidfile(std::filesystem::path path, int fd) : path_(std::move(path)), fd_(fd) {}
    std::filesystem::path path_;
    int fd_;
};

// /run/clipshared.pid for root, else $XDG_RUNTIME_DIR/clipshared.pid or
// /tmp/clipshared-UID.pid.
std::filesystem::path default_pidfile();

// The pid of the live process named by the pidfile, if any.
std::optional<pid_t> running_pid(const std::filesystem::path& pidfile);

// SIGTERM to the running instance, then wait up to `wait_seconds` for it to go. Returns the
// exit status for `clipshared -s` and prints what happened on stderr.
int stop_instance(const std::filesystem::path& pidfile, int wait_seconds);

}  // namespace clipshare
