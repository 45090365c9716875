#include "support/private_network.hpp"

#include <fcntl.h>
#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <exception>

#include "support/process.hpp"

namespace clipshare::test {
namespace {

bool write_text(const char* path, const std::string& text) {
    int fd = ::open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) return false;
    bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
    ::close(fd);
    return ok;
}

}  // namespace

// The outcome of a check run in a child process: "ok", "skip: why" or "fail: why".
std::string run_in_child(const std::function<std::string()>& body) {
    int pipe_fds[2];
    if (pipe2(pipe_fds, O_CLOEXEC) != 0) return "fail: pipe";
    pid_t pid = fork();
    if (pid == 0) {
        ::close(pipe_fds[0]);
        std::string outcome;
        try {
            outcome = body();
        } catch (const std::exception& error) {
            outcome = std::string{"fail: "} + error.what();
        }
        ssize_t ignored = ::write(pipe_fds[1], outcome.data(), outcome.size());
        (void)ignored;
        _exit(0);  // no gtest teardown in the child
    }
    ::close(pipe_fds[1]);
    std::string outcome;
    char buffer[512];
    ssize_t got;
    while ((got = ::read(pipe_fds[0], buffer, sizeof buffer)) > 0) outcome.append(buffer, got);
    ::close(pipe_fds[0]);
    waitpid(pid, nullptr, 0);
    return outcome.empty() ? "fail: the child died" : outcome;
}

// Moves this process into a new network namespace holding only its own loopback.
std::string enter_private_network() {
    if (unshare(CLONE_NEWNET) == 0) return {};
    // Without CAP_SYS_ADMIN, a user namespace grants it inside; map ourselves to root there
    // so that the tools we run keep it.
    uid_t uid = getuid();
    gid_t gid = getgid();
    if (unshare(CLONE_NEWUSER | CLONE_NEWNET) != 0) {
        return std::string{"cannot create a network namespace: "} + std::strerror(errno);
    }
    write_text("/proc/self/setgroups", "deny");
    if (!write_text("/proc/self/uid_map", "0 " + std::to_string(uid) + " 1") ||
        !write_text("/proc/self/gid_map", "0 " + std::to_string(gid) + " 1")) {
        return "cannot map the user namespace";
    }
    return {};
}

// Runs iproute2's `ip` with these arguments; false if it is missing or fails.
bool ip(const std::vector<std::string>& args) {
    for (const char* candidate : {"/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"}) {
        if (access(candidate, X_OK) != 0) continue;
        std::vector<std::string> argv{candidate};
        argv.insert(argv.end(), args.begin(), args.end());
        return run_command(argv).exit_status == 0;
    }
    return false;
}

std::unique_ptr<OtherNetwork> OtherNetwork::create(std::string& error) {
    int ready[2];
    int release[2];
    if (pipe2(ready, O_CLOEXEC) != 0) {
        error = "pipe";
        return nullptr;
    }
    if (pipe2(release, O_CLOEXEC) != 0) {
        ::close(ready[0]);
        ::close(ready[1]);
        error = "pipe";
        return nullptr;
    }
    pid_t pid = fork();
    if (pid == 0) {
        ::close(ready[0]);
        ::close(release[1]);
        char status = unshare(CLONE_NEWNET) == 0 ? 'y' : 'n';
        ssize_t ignored = ::write(ready[1], &status, 1);
        (void)ignored;
        char byte;
        while (::read(release[0], &byte, 1) > 0) {
        }
        _exit(0);
    }
    ::close(ready[1]);
    ::close(release[0]);
    std::unique_ptr<OtherNetwork> made{new OtherNetwork()};
    made->pid_ = pid;
    made->release_fd_ = release[1];
    char status = 'n';
    bool told = ::read(ready[0], &status, 1) == 1;
    ::close(ready[0]);
    if (pid < 0 || !told || status != 'y') {
        error = "cannot create a second network namespace";
        return nullptr;
    }
    std::string path = "/proc/" + std::to_string(pid) + "/ns/net";
    made->namespace_fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (made->namespace_fd_ < 0) {
        error = "cannot open " + path + ": " + std::strerror(errno);
        return nullptr;
    }
    return made;
}

OtherNetwork::~OtherNetwork() {
    if (namespace_fd_ >= 0) ::close(namespace_fd_);
    if (release_fd_ >= 0) ::close(release_fd_);
    if (pid_ > 0) waitpid(pid_, nullptr, 0);
}

bool OtherNetwork::visit(const std::function<void()>& body) const {
    int home = ::open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
    if (home < 0) return false;
    bool entered = setns(namespace_fd_, CLONE_NEWNET) == 0;
    if (entered) body();
    bool back = !entered || setns(home, CLONE_NEWNET) == 0;
    ::close(home);
    return entered && back;
}

}  // namespace clipshare::test
