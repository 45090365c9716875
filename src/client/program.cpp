#include "client/program.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

extern char** environ;

namespace clipshare::client {
namespace {

constexpr std::size_t max_diagnostic = 512;

// Both ends of a pipe, closed when it goes.
struct Pipe {
    int fd[2] = {-1, -1};
    ~Pipe() {
        close_end(0);
        close_end(1);
    }
    void close_end(int end) {
        if (fd[end] >= 0) ::close(fd[end]);
        fd[end] = -1;
    }
};

// The posix_spawn attribute objects, destroyed when they go.
struct SpawnSetup {
    posix_spawn_file_actions_t actions;
    SpawnSetup() { posix_spawn_file_actions_init(&actions); }
    ~SpawnSetup() { posix_spawn_file_actions_destroy(&actions); }
};

std::string first_line(const std::string& text) {
    return text.substr(0, text.find('\n'));
}

}  // namespace

ProgramResult run_program(const std::vector<std::string>& argv, std::size_t max_output,
                          std::chrono::milliseconds timeout) {
    ProgramResult result;
    Pipe out, err;
    if (argv.empty() || pipe2(out.fd, O_CLOEXEC) != 0 || pipe2(err.fd, O_CLOEXEC) != 0) {
        result.error = std::string{"cannot create a pipe: "} + std::strerror(errno);
        return result;
    }
    SpawnSetup setup;
    posix_spawn_file_actions_addopen(&setup.actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&setup.actions, out.fd[1], 1);
    posix_spawn_file_actions_adddup2(&setup.actions, err.fd[1], 2);
    std::vector<char*> args;
    for (const auto& word : argv) args.push_back(const_cast<char*>(word.c_str()));
    args.push_back(nullptr);
    pid_t pid = -1;
    int rc = posix_spawnp(&pid, args[0], &setup.actions, nullptr, args.data(), environ);
    out.close_end(1);  // the child has its copies; ours would keep the output from ending
    err.close_end(1);
    if (rc != 0) {
        result.error = "cannot start " + argv[0] + ": " + std::strerror(rc);
        return result;
    }

    std::string error_text;
    bool too_much = false;
    bool timed_out = false;
    auto deadline = std::chrono::steady_clock::now() + timeout;
    pollfd watch[2] = {{out.fd[0], POLLIN, 0}, {err.fd[0], POLLIN, 0}};
    while (watch[0].fd >= 0 || watch[1].fd >= 0) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            timed_out = true;
            break;
        }
        int ready = poll(watch, 2, static_cast<int>(left.count()));
        if (ready < 0 && errno == EINTR) continue;
        if (ready < 0) break;
        for (int i = 0; i < 2; ++i) {
            if (watch[i].fd < 0 || watch[i].revents == 0) continue;
            char buffer[65536];
            ssize_t n = ::read(watch[i].fd, buffer, sizeof buffer);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) {
                watch[i].fd = -1;  // closed with its Pipe
                continue;
            }
            auto& into = i == 0 ? result.output : error_text;
            if (i == 1 && error_text.size() >= max_diagnostic) continue;
            into.append(buffer, static_cast<std::size_t>(n));
            if (i == 0 && result.output.size() > max_output) {
                too_much = true;
                watch[0].fd = watch[1].fd = -1;
            }
        }
    }
    if (timed_out || too_much) kill(pid, SIGKILL);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    result.diagnostic = first_line(error_text);
    if (timed_out) {
        result.error = "timed out after " + std::to_string(timeout.count()) + " ms";
    } else if (too_much) {
        result.error = "output larger than " + std::to_string(max_output) + " bytes";
    } else if (WIFSIGNALED(status)) {
        result.error = "killed by signal " + std::to_string(WTERMSIG(status));
    } else if (WIFEXITED(status) && WEXITSTATUS(status) != 0) {
        result.error = "exit status " + std::to_string(WEXITSTATUS(status));
    }
    if (!result.ok()) result.output.clear();
    return result;
}

}  // namespace clipshare::client
