#include "clipboard/process.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>

extern char** environ;

namespace clipshare {
namespace {

constexpr std::size_t read_chunk = 64 * 1024;
constexpr std::size_t max_diagnostic = 512;

// One write of the whole input. It owns its bytes and is freed in its callback, which libuv
// runs even when the pipe is closed first (with UV_ECANCELED), so it never depends on the run.
struct InputWrite {
    uv_write_t request{};
    std::string data;
};

std::string name_of(const std::string& assignment) {
    return assignment.substr(0, assignment.find('='));
}

// The daemon's environment with the spec's variables added or replaced.
std::vector<std::string> child_environment(const std::vector<std::string>& extra) {
    std::vector<std::string> out;
    for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
        std::string assignment{*entry};
        bool replaced = false;
        for (const auto& mine : extra) replaced |= name_of(mine) == name_of(assignment);
        if (!replaced) out.push_back(std::move(assignment));
    }
    out.insert(out.end(), extra.begin(), extra.end());
    return out;
}

// The child's ends of its pipes, closed in the parent once the child has its own copies.
struct ChildEnds {
    int fd[3] = {-1, -1, -1};
    ~ChildEnds() { close_all(); }
    void close_all() {
        for (int& end : fd) {
            if (end >= 0) ::close(end);
            end = -1;
        }
    }
};

// A real pipe, not libuv's UV_CREATE_PIPE: that makes socketpairs, and a program that opens
// /dev/stdout by name (scrot does) cannot open a socket that way. The parent's end goes into
// `pipe`; returns the child's end, or -1.
int open_pipe(uv_loop_t* loop, UvHandle<uv_pipe_t>& pipe, bool child_reads, void* owner) {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) return -1;
    int parent_end = child_reads ? fds[1] : fds[0];
    int child_end = child_reads ? fds[0] : fds[1];
    uv_pipe_init(loop, pipe.get(), 0);
    pipe.mark_initialized();
    pipe.get()->data = owner;
    if (uv_pipe_open(pipe.get(), parent_end) != 0) {  // also makes it non-blocking
        ::close(parent_end);
        ::close(child_end);
        return -1;
    }
    return child_end;
}

CommandRun* owner_of(const void* handle) {
    return static_cast<CommandRun*>(reinterpret_cast<const uv_handle_t*>(handle)->data);
}

}  // namespace

std::weak_ptr<CommandRun> CommandRun::start(uv_loop_t* loop, CommandSpec spec, Done done) {
    auto run = std::make_shared<CommandRun>(Passkey{}, loop, std::move(spec), std::move(done));
    run->self_ = run;
    std::weak_ptr<CommandRun> handle = run;
    run->spawn();
    return handle;
}

CommandRun::CommandRun(Passkey, uv_loop_t* loop, CommandSpec spec, Done done)
    : loop_(loop), spec_(std::move(spec)), done_(std::move(done)) {
    outcome_.output_charge = MemoryCharge{spec_.budget};
}

CommandRun::~CommandRun() {
    // finish() closed everything; this only matters if construction went wrong halfway.
    stdin_.close();
    stdout_.close();
    stderr_.close();
    timer_.close();
    process_.close();
}

void CommandRun::spawn() {
    ChildEnds ends;
    bool pipes_ok = true;
    auto connect = [&](int fd, UvHandle<uv_pipe_t>& pipe, uv_stdio_container_t& slot) {
        ends.fd[fd] = open_pipe(loop_, pipe, fd == 0, this);
        pipes_ok = pipes_ok && ends.fd[fd] >= 0;
        slot.flags = UV_INHERIT_FD;
        slot.data.fd = ends.fd[fd];
    };
    uv_stdio_container_t stdio[3]{};
    if (spec_.input) {
        connect(0, stdin_, stdio[0]);
    } else {
        stdio[0].flags = UV_IGNORE;  // /dev/null: a command never waits for a terminal
    }
    if (spec_.capture_output) {
        connect(1, stdout_, stdio[1]);
    } else {
        stdio[1].flags = UV_IGNORE;
        output_done_ = true;
    }
    connect(2, stderr_, stdio[2]);
    if (!pipes_ok) {
        exited_ = true;
        output_done_ = true;
        fail(std::string{"cannot create a pipe: "} + std::strerror(errno));
        finish();
        return;
    }

    std::vector<std::string> words = spec_.argv;
    if (words.empty()) words = {"/bin/sh", "-c", spec_.command};
    std::vector<char*> args;
    for (auto& word : words) args.push_back(word.data());
    args.push_back(nullptr);
    auto environment = child_environment(spec_.environment);
    std::vector<char*> env;
    for (auto& assignment : environment) env.push_back(assignment.data());
    env.push_back(nullptr);

    uv_process_options_t options{};
    options.file = args[0];
    options.args = args.data();
    options.env = env.data();
    options.stdio = stdio;
    options.stdio_count = 3;
    // setsid(): the command leads its own process group, which kill_group() ends as a whole
    // (a pipeline's later stages included), and it has no terminal to read from.
    options.flags = UV_PROCESS_DETACHED;
    options.exit_cb = [](uv_process_t* process, std::int64_t status, int signal) {
        if (auto* self = owner_of(process)) self->on_exit(status, signal);
    };
    int rc = uv_spawn(loop_, process_.get(), &options);
    // The child has its copies; ours would keep its output from ever ending.
    ends.close_all();
    // A failed uv_spawn leaves the handle initialized too; it is closed like any other.
    process_.mark_initialized();
    process_.get()->data = this;
    if (rc != 0) {
        exited_ = true;
        output_done_ = true;
        fail("cannot start " + words[0] + ": " + uv_strerror(rc));
        finish();
        return;
    }
    pid_ = process_.get()->pid;

    uv_timer_init(loop_, timer_.get());
    timer_.mark_initialized();
    timer_.get()->data = this;
    uv_timer_start(
        timer_.get(),
        [](uv_timer_t* timer) {
            if (auto* self = owner_of(timer)) self->on_timeout();
        },
        spec_.timeout_ms, 0);

    if (spec_.capture_output) {
        uv_read_start(
            stdout_.stream(),
            [](uv_handle_t* handle, std::size_t, uv_buf_t* buf) {
                auto* self = owner_of(handle);
                if (self == nullptr) {
                    *buf = uv_buf_init(nullptr, 0);
                    return;
                }
                auto& output = self->outcome_.output;
                // Read straight into the result; one byte past the cap reveals an overflow.
                std::size_t room = self->spec_.max_output + 1 - self->output_size_;
                std::size_t wanted = self->output_size_ + std::min(read_chunk, room);
                if (wanted > output.capacity() &&
                    !self->outcome_.output_charge.resize(std::max(wanted, 2 * output.capacity()))) {
                    // No buffer: libuv reports UV_ENOBUFS to the read callback.
                    self->budget_spent_ = true;
                    *buf = uv_buf_init(nullptr, 0);
                    return;
                }
                if (wanted > output.capacity()) {
                    output.reserve(self->outcome_.output_charge.bytes());
                }
                output.resize(wanted);
                *buf = uv_buf_init(reinterpret_cast<char*>(output.data() + self->output_size_),
                                   static_cast<unsigned>(output.size() - self->output_size_));
            },
            [](uv_stream_t* stream, ssize_t n, const uv_buf_t*) {
                if (auto* self = owner_of(stream)) self->on_output(n);
            });
    }
    uv_read_start(
        stderr_.stream(),
        [](uv_handle_t* handle, std::size_t, uv_buf_t* buf) {
            auto* self = owner_of(handle);
            if (self == nullptr) {
                *buf = uv_buf_init(nullptr, 0);
                return;
            }
            *buf = uv_buf_init(self->stderr_buffer_, sizeof self->stderr_buffer_);
        },
        [](uv_stream_t* stream, ssize_t n, const uv_buf_t* buf) {
            auto* self = owner_of(stream);
            if (self == nullptr) return;
            if (n > 0 && self->stderr_text_.size() < max_diagnostic) {
                self->stderr_text_.append(buf->base, static_cast<std::size_t>(n));
            } else if (n < 0) {
                // Not waited for: a background child of the command may hold it open.
                self->stderr_.close();
            }
        });
    write_input();
}

void CommandRun::write_input() {
    if (!spec_.input) return;
    if (spec_.input->empty()) {
        stdin_.close();  // end of input at once
        return;
    }
    auto* write = new InputWrite;
    write->data = std::move(*spec_.input);
    uv_buf_t buf = uv_buf_init(write->data.data(), static_cast<unsigned>(write->data.size()));
    int rc = uv_write(&write->request, stdin_.stream(), &buf, 1, [](uv_write_t* request, int) {
        std::unique_ptr<InputWrite> done{reinterpret_cast<InputWrite*>(request)};
        // A command may exit without reading everything (EPIPE); its exit status decides.
        if (auto* self = owner_of(request->handle)) self->stdin_.close();
    });
    if (rc != 0) {
        delete write;
        stdin_.close();
    }
}

void CommandRun::on_output(ssize_t n) {
    auto& output = outcome_.output;
    // libuv may report the end without asking for a buffer first, so the size kept apart is
    // the truth, not the last buffer handed out.
    if (n > 0) output_size_ += static_cast<std::size_t>(n);
    output.resize(output_size_);
    if (n == 0) return;  // nothing this time (EAGAIN)
    if (n > 0) {
        if (output.size() > spec_.max_output) {
            output.clear();
            fail("output larger than " + std::to_string(spec_.max_output) + " bytes");
            output_done_ = true;
            stdout_.close();
            kill_group();  // it may be blocked writing the rest
            finish_if_done();
        }
        return;
    }
    if (budget_spent_) {
        output.clear();
        fail("the daemon's memory budget has no room for its output");
        output_done_ = true;
        stdout_.close();
        kill_group();
        finish_if_done();
        return;
    }
    if (n != UV_EOF)
        fail(std::string{"cannot read its output: "} + uv_strerror(static_cast<int>(n)));
    output_done_ = true;
    stdout_.close();
    finish_if_done();
}

void CommandRun::on_exit(std::int64_t status, int signal) {
    exited_ = true;
    exit_status_ = status;
    term_signal_ = signal;
    stdin_.close();  // nobody reads it any more
    finish_if_done();
}

void CommandRun::on_timeout() {
    fail("timed out after " + std::to_string(spec_.timeout_ms) + " ms");
    kill_group();
    // Whatever still holds the output pipe (a background child) is not waited for.
    output_done_ = true;
    stdout_.close();
    finish_if_done();
}

void CommandRun::fail(std::string error) {
    if (outcome_.error.empty()) outcome_.error = std::move(error);
}

void CommandRun::kill_group() {
    if (pid_ > 0) uv_kill(-pid_, SIGKILL);
}

void CommandRun::cancel() {
    done_ = nullptr;
    if (finished_) return;
    // Whatever is left of the group (the command, or a child of it still holding the
    // output open after the command exited) is of no use to anyone now.
    kill_group();
    output_done_ = true;
    stdout_.close();
    finish_if_done();
}

void CommandRun::finish_if_done() {
    if (exited_ && output_done_ && !finished_) finish();
}

// The child wrote its complaints before it exited, so they are in the pipe by now even if
// the loop has not read them yet; read them without waiting (libuv's pipe is non-blocking).
void CommandRun::drain_diagnostics() {
    uv_os_fd_t fd = -1;
    if (!stderr_.open() || uv_fileno(stderr_.base(), &fd) != 0) return;
    while (stderr_text_.size() < max_diagnostic) {
        ssize_t n = ::read(fd, stderr_buffer_, sizeof stderr_buffer_);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        stderr_text_.append(stderr_buffer_, static_cast<std::size_t>(n));
    }
}

void CommandRun::finish() {
    finished_ = true;
    drain_diagnostics();
    auto line_end = stderr_text_.find('\n');
    outcome_.diagnostic = stderr_text_.substr(0, line_end);
    if (term_signal_ != 0) {
        fail("killed by signal " + std::to_string(term_signal_));
    } else if (exit_status_ != 0) {
        fail("exit status " + std::to_string(exit_status_));
    }
    if (!outcome_.ok()) outcome_.output.clear();
    stdin_.close();
    stdout_.close();
    stderr_.close();
    timer_.close();
    process_.close();  // after the exit callback: the child has been reaped
    auto keep_alive = std::move(self_);
    auto done = std::move(done_);
    if (done) done(std::move(outcome_));
}

}  // namespace clipshare
