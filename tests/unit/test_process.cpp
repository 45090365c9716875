// CommandRun on a real libuv loop with real /bin/sh commands: data both ways, failures,
// the timeout and the size cap, and that nothing is left behind (every handle closed, the
// child reaped, a killed pipeline dead as a whole).
#include <gtest/gtest.h>
#include <signal.h>
#include <uv.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>

#include "clipboard/process.hpp"
#include "support/temp_dir.hpp"
#include "support/wait.hpp"

namespace clipshare {
namespace {

namespace fs = std::filesystem;
using test::TempDir;
using Clock = std::chrono::steady_clock;

// A child that was reaped has no /proc entry; an orphan killed with its group may linger a
// moment as a zombie until init collects it, which counts as gone too.
bool process_gone(int pid) {
    return test::wait_until(
        [pid] {
            std::ifstream stat{"/proc/" + std::to_string(pid) + "/stat"};
            if (!stat) return true;
            std::string pid_field, name, state;
            stat >> pid_field >> name >> state;
            return state == "Z";
        },
        std::chrono::seconds(10));
}

int read_pid(const fs::path& file) {
    std::ifstream in{file};
    int pid = 0;
    in >> pid;
    return pid;
}

class Process : public ::testing::Test {
protected:
    void SetUp() override {
        // The daemon ignores SIGPIPE (main.cpp); so must a test that writes to commands
        // which may exit without reading.
        std::signal(SIGPIPE, SIG_IGN);
        uv_loop_init(&loop);
    }
    void TearDown() override {
        uv_run(&loop, UV_RUN_DEFAULT);
        // Every handle of every run was closed.
        EXPECT_EQ(uv_loop_close(&loop), 0);
    }

    CommandOutcome run(CommandSpec spec) {
        std::optional<CommandOutcome> got;
        CommandRun::start(&loop, std::move(spec), [&](CommandOutcome outcome) {
            EXPECT_FALSE(got) << "answered twice";
            got = std::move(outcome);
        });
        uv_run(&loop, UV_RUN_DEFAULT);
        EXPECT_TRUE(got) << "never answered";
        CommandOutcome none;
        none.error = "no answer";
        return got ? std::move(*got) : std::move(none);
    }

    static CommandSpec spec(std::string command, std::size_t max_output = 1 << 20) {
        CommandSpec spec;
        spec.command = std::move(command);
        spec.max_output = max_output;
        return spec;
    }

    static std::string text(const CommandOutcome& outcome) {
        return std::string(outcome.output.begin(), outcome.output.end());
    }

    uv_loop_t loop{};
};

TEST_F(Process, CapturesStandardOutput) {
    auto outcome = run(spec("printf 'a\\nb'"));
    EXPECT_TRUE(outcome.ok()) << outcome.error;
    EXPECT_EQ(text(outcome), "a\nb");
}

TEST_F(Process, FeedsStandardInput) {
    auto request = spec("cat");
    request.input = "through the pipe";
    auto outcome = run(std::move(request));
    EXPECT_TRUE(outcome.ok()) << outcome.error;
    EXPECT_EQ(text(outcome), "through the pipe");
}

TEST_F(Process, MovesMegabytesBothWaysWithoutDeadlock) {
    std::string big(8 << 20, 'x');
    for (std::size_t i = 0; i < big.size(); i += 4093) big[i] = static_cast<char>('a' + i % 26);
    auto request = spec("cat", big.size());
    request.input = big;
    auto outcome = run(std::move(request));
    EXPECT_TRUE(outcome.ok()) << outcome.error;
    EXPECT_TRUE(text(outcome) == big);
}

// Some programs (scrot) open /dev/stdout by name, which fails on a socket.
TEST_F(Process, StandardStreamsCanBeOpenedByName) {
    auto request = spec("cat /dev/stdin > /dev/stdout; echo complaint > /dev/stderr; exit 1");
    request.input = "named";
    auto outcome = run(std::move(request));
    EXPECT_EQ(outcome.error, "exit status 1");
    EXPECT_EQ(outcome.diagnostic, "complaint");
    outcome = run(spec("printf named > /dev/stdout"));
    EXPECT_TRUE(outcome.ok()) << outcome.error << ": " << outcome.diagnostic;
    EXPECT_EQ(text(outcome), "named");
}

TEST_F(Process, EmptyInputIsAnImmediateEnd) {
    auto request = spec("wc -c");
    request.input = "";
    auto outcome = run(std::move(request));
    EXPECT_TRUE(outcome.ok()) << outcome.error;
    EXPECT_EQ(text(outcome), "0\n");
}

TEST_F(Process, NonZeroExitIsAFailureWithItsFirstStderrLine) {
    auto outcome = run(spec("printf partial; echo 'first problem' >&2; echo more >&2; exit 3"));
    EXPECT_EQ(outcome.error, "exit status 3");
    EXPECT_EQ(outcome.diagnostic, "first problem");
    EXPECT_TRUE(outcome.output.empty());  // a failed command's output is never used
}

TEST_F(Process, MissingProgramIsAFailure) {
    auto outcome = run(spec("clipshare-no-such-program --flag"));
    EXPECT_EQ(outcome.error, "exit status 127");
    EXPECT_NE(outcome.diagnostic.find("not found"), std::string::npos) << outcome.diagnostic;
}

TEST_F(Process, ProgramWithArgumentsRunsWithoutAShell) {
    auto request = spec("");
    request.argv = {"printf", "%s|%s", "$HOME", "a b"};
    request.input = "ignored";
    auto outcome = run(std::move(request));
    EXPECT_TRUE(outcome.ok()) << outcome.error;
    EXPECT_EQ(text(outcome), "$HOME|a b");
}

TEST_F(Process, ProgramFoundOnThePathOfItsEnvironment) {
    TempDir dir;
    auto tool = dir.path() / "clipshare-test-tool";
    {
        std::ofstream script{tool};
        script << "#!/bin/sh\nprintf found\n";
    }
    fs::permissions(tool, fs::perms::owner_all);
    auto request = spec("");
    request.argv = {"clipshare-test-tool"};
    request.environment = {"PATH=" + dir.path().string()};
    auto outcome = run(std::move(request));
    EXPECT_TRUE(outcome.ok()) << outcome.error;
    EXPECT_EQ(text(outcome), "found");
}

TEST_F(Process, MissingProgramWithoutAShellIsAFailureThatNamesIt) {
    auto request = spec("");
    request.argv = {"clipshare-no-such-program", "--flag"};
    auto outcome = run(std::move(request));
    EXPECT_EQ(outcome.error.rfind("cannot start clipshare-no-such-program: ", 0), 0u)
        << outcome.error;
}

TEST_F(Process, CommandKilledBySignalIsAFailure) {
    auto outcome = run(spec("kill -TERM $$"));
    EXPECT_EQ(outcome.error, "killed by signal 15");
}

TEST_F(Process, EnvironmentIsAddedAndReplaced) {
    auto request = spec("printf '%s/%s' \"$CLIPSHARE_DISPLAY\" \"$HOME\"");
    request.environment = {"CLIPSHARE_DISPLAY=3", "HOME=/nowhere"};
    auto outcome = run(std::move(request));
    EXPECT_TRUE(outcome.ok()) << outcome.error;
    EXPECT_EQ(text(outcome), "3//nowhere");
    // ...and the rest of the daemon's environment is still there.
    outcome = run(spec("printf %s \"$PATH\""));
    EXPECT_EQ(text(outcome), std::getenv("PATH"));
}

TEST_F(Process, TheChildIsReaped) {
    TempDir dir;
    auto outcome = run(spec("echo $$ > '" + (dir.path() / "pid").string() + "'"));
    EXPECT_TRUE(outcome.ok()) << outcome.error;
    int pid = read_pid(dir.path() / "pid");
    ASSERT_GT(pid, 0);
    EXPECT_FALSE(fs::exists("/proc/" + std::to_string(pid))) << "left as a zombie";
}

TEST_F(Process, TimeoutKillsTheWholePipeline) {
    TempDir dir;
    auto pids = (dir.path() / "pids").string();
    auto request = spec("sleep 30 & echo $! > '" + pids + "'; sleep 30 | cat");
    request.timeout_ms = 300;
    auto started = Clock::now();
    auto outcome = run(std::move(request));
    EXPECT_LT(Clock::now() - started, std::chrono::seconds(10));
    EXPECT_EQ(outcome.error, "timed out after 300 ms");
    int background = read_pid(pids);
    ASSERT_GT(background, 0);
    EXPECT_TRUE(process_gone(background)) << "pid " << background << " survived the timeout";
}

TEST_F(Process, OutputOverTheCapIsAFailureAndStopsTheCommand) {
    auto started = Clock::now();
    auto outcome = run(spec("yes", 1000));  // would never end by itself
    EXPECT_LT(Clock::now() - started, std::chrono::seconds(5));
    EXPECT_EQ(outcome.error, "output larger than 1000 bytes");
    EXPECT_TRUE(outcome.output.empty());
}

TEST_F(Process, OutputExactlyAtTheCapIsFine) {
    auto outcome = run(spec("head -c 1000 /dev/zero", 1000));
    EXPECT_TRUE(outcome.ok()) << outcome.error;
    EXPECT_EQ(outcome.output.size(), 1000u);
}

// xclip and wl-copy fork a child that keeps serving the clipboard with the command's stdout
// and stderr still open; a writing command must end when its own process does.
TEST_F(Process, WritingCommandEndsWhenItExitsDespiteABackgroundChild) {
    TempDir dir;
    auto pid_file = (dir.path() / "pid").string();
    auto request = spec("sleep 30 & echo $! > '" + pid_file + "'; cat > /dev/null");
    request.input = "text";
    request.capture_output = false;
    auto started = Clock::now();
    auto outcome = run(std::move(request));
    EXPECT_LT(Clock::now() - started, std::chrono::seconds(5));
    EXPECT_TRUE(outcome.ok()) << outcome.error;
    int background = read_pid(pid_file);
    ASSERT_GT(background, 0);
    ::kill(background, SIGKILL);
}

TEST_F(Process, CommandThatIgnoresItsInputStillEnds) {
    auto request = spec("exit 0");
    request.input = std::string(4 << 20, 'z');  // more than any pipe buffer
    request.capture_output = false;
    auto outcome = run(std::move(request));
    EXPECT_TRUE(outcome.ok()) << outcome.error;
}

TEST_F(Process, CancelKillsWithoutAnswering) {
    TempDir dir;
    auto pid_file = (dir.path() / "pid").string();
    bool answered = false;
    auto started = Clock::now();
    auto run = CommandRun::start(&loop, spec("echo $$ > '" + pid_file + "'; exec sleep 30"),
                                 [&](CommandOutcome) { answered = true; });
    // Let the shell write its pid, then cancel while it sleeps.
    test::wait_until(
        [&] {
            uv_run(&loop, UV_RUN_NOWAIT);
            return fs::exists(pid_file) && fs::file_size(pid_file) > 0;
        },
        std::chrono::seconds(10));
    ASSERT_FALSE(run.expired());
    run.lock()->cancel();
    uv_run(&loop, UV_RUN_DEFAULT);
    EXPECT_LT(Clock::now() - started, std::chrono::seconds(10));
    EXPECT_FALSE(answered);
    EXPECT_TRUE(run.expired()) << "the run must free itself once the child is reaped";
    EXPECT_FALSE(fs::exists("/proc/" + std::to_string(read_pid(pid_file))));
}

// A reading command whose background child keeps the output open would be waited for
// until the timeout; cancelling ends that wait and the child at once.
TEST_F(Process, CancelAfterTheCommandExitedEndsTheWaitForOutput) {
    TempDir dir;
    auto pid_file = (dir.path() / "pid").string();
    auto request = spec("sleep 30 & echo $! > '" + pid_file + "'");
    request.timeout_ms = 60'000;
    bool answered = false;
    auto started = Clock::now();
    auto run =
        CommandRun::start(&loop, std::move(request), [&](CommandOutcome) { answered = true; });
    test::wait_until(
        [&] {
            uv_run(&loop, UV_RUN_NOWAIT);
            return fs::exists(pid_file) && fs::file_size(pid_file) > 0;
        },
        std::chrono::seconds(10));
    ASSERT_FALSE(run.expired());
    run.lock()->cancel();
    uv_run(&loop, UV_RUN_DEFAULT);
    EXPECT_LT(Clock::now() - started, std::chrono::seconds(10));
    EXPECT_FALSE(answered);
    int background = read_pid(pid_file);
    ASSERT_GT(background, 0);
    EXPECT_TRUE(process_gone(background));
}

}  // namespace
}  // namespace clipshare
