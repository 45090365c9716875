#include "support/process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>

#include "support/files.hpp"
#include "support/inherited_descriptors.hpp"
#include "support/wait.hpp"

namespace clipshare::test {
namespace fs = std::filesystem;

pid_t spawn(const std::vector<std::string>& argv, const std::vector<std::string>& extra_env,
            const fs::path& cwd, const fs::path& out_file, const fs::path& err_file,
            const fs::path& in_file) {
    pid_t pid = fork();
    if (pid != 0) return pid;
    int out = ::open(out_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int err = ::open(err_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int in = ::open(in_file.c_str(), O_RDONLY);
    dup2(in, 0);
    dup2(out, 1);
    dup2(err, 2);
    close_inherited_descriptors();  // also the three opened above
    if (!cwd.empty() && chdir(cwd.c_str()) != 0) _exit(126);
    for (const auto& assignment : extra_env) putenv(const_cast<char*>(assignment.c_str()));
    std::vector<char*> args;
    for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
}

int exit_status(int wait_status) {
    if (WIFEXITED(wait_status)) return WEXITSTATUS(wait_status);
    if (WIFSIGNALED(wait_status)) return 128 + WTERMSIG(wait_status);
    return -1;
}

int signal_and_reap(pid_t pid, int signal_number, std::chrono::milliseconds patience,
                    bool& reaped) {
    ::kill(pid, signal_number);
    int status = 0;
    if (wait_until([&] { return waitpid(pid, &status, WNOHANG) == pid; }, patience)) {
        reaped = true;
        return exit_status(status);
    }
    ::kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    reaped = true;
    return -1;
}

RunResult run_command(const std::vector<std::string>& argv,
                      const std::vector<std::string>& extra_env, const fs::path& cwd,
                      std::string_view input) {
    TempDir capture{"clipshare-run"};
    write_file(capture.path() / "in", input);
    pid_t pid = spawn(argv, extra_env, cwd, capture.path() / "out", capture.path() / "err",
                      capture.path() / "in");
    int status = 0;
    waitpid(pid, &status, 0);
    return {exit_status(status), read_file(capture.path() / "out"),
            read_file(capture.path() / "err")};
}

fs::path find_program(std::string_view name) {
    const char* path = std::getenv("PATH");
    std::string_view dirs = path != nullptr ? path : "/usr/bin:/bin";
    while (!dirs.empty()) {
        auto end = dirs.find(':');
        fs::path candidate = fs::path(dirs.substr(0, end)) / name;
        if (access(candidate.c_str(), X_OK) == 0) return candidate;
        dirs.remove_prefix(end == std::string_view::npos ? dirs.size() : end + 1);
    }
    return {};
}

ChildProcess::ChildProcess(const std::vector<std::string>& argv,
                           const std::vector<std::string>& extra_env)
    : dir_{"clipshare-child"} {
    pid_ = spawn(argv, extra_env, {}, dir_.path() / "out", dir_.path() / "err");
}

ChildProcess::~ChildProcess() {
    stop();
}

bool ChildProcess::running() {
    if (reaped_) return false;
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) reaped_ = true;
    return !reaped_;
}

std::string ChildProcess::err() const {
    return read_file(dir_.path() / "err");
}

int ChildProcess::stop() {
    if (reaped_ || pid_ <= 0) return -1;
    return signal_and_reap(pid_, SIGTERM, std::chrono::seconds(10), reaped_);
}

}  // namespace clipshare::test
