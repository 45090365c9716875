// Runs one program, or one shell command line, on the loop without ever blocking it: the data
// goes in on the command's stdin and comes back from its stdout, through libuv pipes; a timer
// bounds the run and a size cap bounds the output. The command gets its own process group, so a
// pipeline killed on timeout dies whole. A run owns itself until its child has been reaped
// and every handle is closed, so a child never outlives its bookkeeping as a zombie, however
// early the caller loses interest.
#pragma once

#include <uv.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "util/memory_budget.hpp"
#include "util/uv_handle.hpp"

namespace clipshare {

struct CommandSpec {
    // The program and its arguments, spawned directly (PATH searched); when empty,
    // `command` is run as /bin/sh -c command.
    std::vector<std::string> argv;
    std::string command;
    // Written to stdin, which is then closed. Nothing: stdin is /dev/null.
    std::optional<std::string> input;
    // False: stdout is /dev/null and the run ends when the command exits, even if it left a
    // background child behind (xclip and wl-copy fork to keep serving the clipboard).
    bool capture_output = true;
    std::size_t max_output = 0;  // more output than this is a failure
    // The output is charged to this as it grows; when it has no room, the run fails.
    MemoryBudget* budget = nullptr;
    std::uint64_t timeout_ms = 10000;
    std::vector<std::string> environment;  // NAME=value, added to the daemon's environment
};

struct CommandOutcome {
    std::string error;  // "" when the command exited with status 0, in time, within the cap
    std::vector<std::uint8_t> output;
    MemoryCharge output_charge;  // what `output` holds of the budget
    std::string diagnostic;      // the first line the command wrote on stderr, if any
    bool ok() const { return error.empty(); }
};

class CommandRun {
public:
    using Done = std::function<void(CommandOutcome)>;

    // Starts the command; `done` runs on the loop once it is over (possibly before this
    // returns, when the command cannot be started at all). The run keeps itself alive; the
    // returned pointer only serves to cancel it.
    static std::weak_ptr<CommandRun> start(uv_loop_t* loop, CommandSpec spec, Done done);

    // Kills the command's process group and stops waiting for its output; `done` is not
    // called. The run still waits for the exit to reap the child.
    void cancel();

    ~CommandRun();
    CommandRun(const CommandRun&) = delete;
    CommandRun& operator=(const CommandRun&) = delete;

private:
    struct Passkey {};

public:
    CommandRun(Passkey, uv_loop_t* loop, CommandSpec spec, Done done);

private:
    void spawn();
    void write_input();
    void on_exit(std::int64_t status, int signal);
    void on_output(ssize_t n);
    void on_timeout();
    void fail(std::string error);
    void kill_group();
    void finish_if_done();
    void finish();
    void drain_diagnostics();

    uv_loop_t* loop_;
    CommandSpec spec_;
    Done done_;
    std::shared_ptr<CommandRun> self_;  // set while the child may still be running
    UvHandle<uv_process_t> process_;
    UvHandle<uv_pipe_t> stdin_;
    UvHandle<uv_pipe_t> stdout_;
    UvHandle<uv_pipe_t> stderr_;
    UvHandle<uv_timer_t> timer_;
    int pid_ = 0;
    bool exited_ = false;
    bool output_done_ = false;
    bool finished_ = false;
    std::int64_t exit_status_ = 0;
    int term_signal_ = 0;
    CommandOutcome outcome_;
    std::string stderr_text_;
    std::size_t output_size_ = 0;  // bytes of outcome_.output really read so far
    bool budget_spent_ = false;
    char stderr_buffer_[1024];
};

}  // namespace clipshare
