// Running other programs from a test: one to completion with its output captured, or one
// left in the background and stopped for sure when the test ends.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "support/temp_dir.hpp"

namespace clipshare::test {

// Forks and execs `argv` (argv[0] a path) with its standard streams on files; `extra_env`
// (NAME=value) adds to the environment; an empty `cwd` keeps ours. Returns the child's pid.
pid_t spawn(const std::vector<std::string>& argv, const std::vector<std::string>& extra_env,
            const std::filesystem::path& cwd, const std::filesystem::path& out_file,
            const std::filesystem::path& err_file,
            const std::filesystem::path& in_file = "/dev/null");

// A waitpid status as a shell would say it: the exit code, or 128 + the signal.
int exit_status(int wait_status);

// Sends `signal_number`, waits up to `patience` for the exit and kills if it never comes.
// Returns the exit status, or -1 when it had to be killed; sets `reaped` either way.
int signal_and_reap(pid_t pid, int signal_number, std::chrono::milliseconds patience, bool& reaped);

struct RunResult {
    int exit_status = -1;
    std::string out;
    std::string err;
};
// Runs to completion; `input` is what the process reads on its standard input (then end of
// file).
RunResult run_command(const std::vector<std::string>& argv,
                      const std::vector<std::string>& extra_env = {},
                      const std::filesystem::path& cwd = {}, std::string_view input = {});

// The full path of `name` found in PATH, or empty.
std::filesystem::path find_program(std::string_view name);

// A process left running in the background (a clipboard owner, a display server), with its
// output captured; stopped (SIGTERM, then SIGKILL) and reaped when the object goes.
class ChildProcess {
public:
    ChildProcess(const std::vector<std::string>& argv, const std::vector<std::string>& extra_env);
    ~ChildProcess();
    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;

    pid_t pid() const { return pid_; }
    bool running();
    std::string err() const;
    // Sends SIGTERM, waits up to 10 s, then SIGKILL; returns the exit status.
    int stop();

private:
    TempDir dir_;
    pid_t pid_ = -1;
    bool reaped_ = false;
};

}  // namespace clipshare::test
