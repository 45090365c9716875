#include "util/daemon.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <string>

namespace clipshare {
namespace {

void write_all(int fd, std::string_view bytes) {
    while (!bytes.empty()) {
        ssize_t n = ::write(fd, bytes.data(), bytes.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;
        bytes.remove_prefix(static_cast<std::size_t>(n));
    }
}

void redirect_stdio_to_null() {
    int null = ::open("/dev/null", O_RDWR);
    if (null < 0) return;
    dup2(null, STDIN_FILENO);
    dup2(null, STDOUT_FILENO);
    dup2(null, STDERR_FILENO);
    if (null > STDERR_FILENO) ::close(null);
}

[[noreturn]] void wait_for_verdict(int fd) {
    std::string verdict;
    char buffer[512];
    for (;;) {
        ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        verdict.append(buffer, static_cast<std::size_t>(n));
    }
    if (!verdict.empty() && verdict[0] == '0') std::exit(0);
    if (verdict.size() > 1) {
        std::fprintf(stderr, "clipshared: error: %s\n", verdict.c_str() + 1);
    } else {
        std::fprintf(stderr, "clipshared: error: the daemon died during start-up\n");
    }
    std::exit(1);
}

// A zombie (exited, not yet reaped by whoever adopted it) counts as gone.
bool exited(pid_t pid) {
    if (kill(pid, 0) != 0 && errno == ESRCH) return true;
    std::ifstream stat{"/proc/" + std::to_string(pid) + "/stat"};
    std::string text;
    if (!std::getline(stat, text)) return true;
    auto paren = text.rfind(')');
    return paren != std::string::npos && paren + 2 < text.size() && text[paren + 2] == 'Z';
}

bool pidfile_locked(const std::filesystem::path& pidfile) {
    int fd = ::open(pidfile.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    bool locked = flock(fd, LOCK_SH | LOCK_NB) != 0;
    ::close(fd);
    return locked;
}

// The daemon named by the pidfile is there: it holds the pidfile's lock (a file nobody
// locks is stale, whatever process now has that pid).
bool instance_alive(const std::filesystem::path& pidfile, pid_t pid) {
    return !exited(pid) && pidfile_locked(pidfile);
}

// A daemon that could not remove its pidfile (it had given up root) empties it; whoever
// stops it, usually root, removes what is left once nobody holds the lock.
void remove_if_stale(const std::filesystem::path& pidfile) {
    if (pidfile_locked(pidfile)) return;
    std::error_code ignored;
    std::filesystem::remove(pidfile, ignored);
}

}  // namespace

Detacher Detacher::detach() {
    int fds[2];
    if (pipe(fds) != 0) {
        std::fprintf(stderr, "clipshared: error: pipe: %s\n", std::strerror(errno));
        std::exit(1);
    }
    pid_t child = fork();
    if (child < 0) {
        std::fprintf(stderr, "clipshared: error: fork: %s\n", std::strerror(errno));
        std::exit(1);
    }
    if (child > 0) {
        ::close(fds[1]);
        waitpid(child, nullptr, 0);  // the intermediate process exits at once
        wait_for_verdict(fds[0]);
    }
    ::close(fds[0]);
    setsid();
    // A second fork leaves the session leader behind, so the daemon can never regain a
    // controlling terminal.
    pid_t daemon = fork();
    if (daemon < 0) _exit(1);
    if (daemon > 0) _exit(0);
    umask(022);
    if (chdir("/") != 0) {
        // Paths are absolute by now, so "/" only keeps us from pinning a mount.
    }
    redirect_stdio_to_null();
    return Detacher{fds[1]};
}

Detacher::~Detacher() {
    if (fd_ >= 0) ::close(fd_);
}

void Detacher::ready() {
    if (fd_ < 0) return;
    write_all(fd_, "0");
    ::close(fd_);
    fd_ = -1;
}

void Detacher::failed(std::string_view line) {
    if (fd_ < 0) return;
    write_all(fd_, "1");
    write_all(fd_, line);
    ::close(fd_);
    fd_ = -1;
}

std::optional<Pidfile> Pidfile::create(const std::filesystem::path& path, std::string& error,
                                       std::optional<std::pair<uid_t, gid_t>> owner) {
    const auto dir = path.parent_path();
    if (!dir.empty() && ::mkdir(dir.c_str(), 0755) == 0 && owner &&
        ::chown(dir.c_str(), owner->first, owner->second) != 0) {
        error = "pidfile directory " + dir.string() + ": " + std::strerror(errno);
        return std::nullopt;
    }
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        error = "pidfile " + path.string() + ": " + std::strerror(errno);
        return std::nullopt;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        auto pid = running_pid(path);
        error = "pidfile " + path.string() + ": another clipshared is running" +
                (pid ? " (pid " + std::to_string(*pid) + ")" : std::string{});
        ::close(fd);
        return std::nullopt;
    }
    std::string text = std::to_string(getpid()) + "\n";
    if (ftruncate(fd, 0) != 0 ||
        pwrite(fd, text.data(), text.size(), 0) != static_cast<ssize_t>(text.size())) {
        error = "pidfile " + path.string() + ": " + std::strerror(errno);
        ::close(fd);
        return std::nullopt;
    }
    return Pidfile{path, fd};
}

Pidfile::~Pidfile() {
    if (fd_ < 0) return;
    // Still holding the lock, so no new instance can have taken the file over meanwhile.
    if (::unlink(path_.c_str()) != 0 && ftruncate(fd_, 0) != 0) {
        // Nothing more can be done; running_pid() still sees the lock is gone.
    }
    ::close(fd_);
}

std::filesystem::path default_pidfile() {
    if (geteuid() == 0) return "/run/clipshared/clipshared.pid";
    if (const char* runtime = std::getenv("XDG_RUNTIME_DIR"); runtime && *runtime) {
        return std::filesystem::path{runtime} / "clipshared.pid";
    }
    return "/tmp/clipshared-" + std::to_string(geteuid()) + ".pid";
}

std::optional<pid_t> running_pid(const std::filesystem::path& pidfile) {
    std::ifstream in{pidfile};
    long pid = 0;
    if (!(in >> pid) || pid <= 1) return std::nullopt;
    // A live daemon holds the pidfile's lock. Without that check a stale file (one the
    // daemon could not remove after giving up root) might name a recycled pid.
    if (!instance_alive(pidfile, static_cast<pid_t>(pid))) return std::nullopt;
    return static_cast<pid_t>(pid);
}

int stop_instance(const std::filesystem::path& pidfile, int wait_seconds) {
    auto pid = running_pid(pidfile);
    if (!pid) {
        std::fprintf(stderr, "clipshared: not running (no live process in %s)\n", pidfile.c_str());
        std::error_code ignored;
        if (std::filesystem::exists(pidfile, ignored)) std::filesystem::remove(pidfile, ignored);
        return 0;
    }
    if (kill(*pid, SIGTERM) != 0) {
        std::fprintf(stderr, "clipshared: error: cannot stop pid %d: %s\n", static_cast<int>(*pid),
                     std::strerror(errno));
        return 1;
    }
    // Poll: the daemon is not our child, so there is nothing to wait() on. Its lock on the
    // pidfile goes when it exits, even while it lingers as a zombie nobody has reaped yet.
    // 64-bit: wait_seconds in nanoseconds overflows a 32-bit long (armhf, mipsel).
    constexpr std::int64_t step_ns = 20'000'000;
    const std::int64_t wait_ns = std::int64_t{wait_seconds} * 1'000'000'000;
    for (std::int64_t waited = 0; waited < wait_ns; waited += step_ns) {
        // The lock goes a moment before the process is fully gone; wait for both, so
        // that a start right after this finds the ports free.
        if (exited(*pid)) {
            remove_if_stale(pidfile);
            return 0;
        }
        timespec pause{0, step_ns};
        nanosleep(&pause, nullptr);
    }
    std::fprintf(stderr, "clipshared: error: pid %d did not stop within %d s\n",
                 static_cast<int>(*pid), wait_seconds);
    return 1;
}

}  // namespace clipshare
