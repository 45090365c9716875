// The real clipshare as a person at a terminal meets it: a mistyped argument is named in the
// error, and the progress bar (drawn only on a terminal, so the tests give it a
// pseudo-terminal of a known width) fits its line with long CJK names and covers a batch.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <pty.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <string>
#include <vector>

#include "client/progress.hpp"
#include "client_process.hpp"
#include "daemon_fixture.hpp"

namespace clipshare::test {
namespace {

namespace fs = std::filesystem;
using client::display_width;

RunResult clipshare(std::vector<std::string> args) {
    args.insert(args.begin(), client_binary().string());
    return run_command(args);
}

// Runs clipshare with its standard error (and with `stdout_too`, its standard output) on a
// pseudo-terminal `columns` wide; returns the exit status and everything written to the
// terminal.
std::pair<int, std::string> on_terminal(std::vector<std::string> args, unsigned short columns,
                                        bool stdout_too = false) {
    int master = -1;
    int slave = -1;
    winsize size{};
    size.ws_col = columns;
    size.ws_row = 24;
    if (openpty(&master, &slave, nullptr, nullptr, &size) != 0) return {-1, "openpty failed"};
    args.insert(args.begin(), client_binary().string());
    pid_t pid = fork();
    if (pid == 0) {
        ::close(master);
        dup2(slave, STDERR_FILENO);
        int null = ::open("/dev/null", O_RDWR);
        dup2(null, STDIN_FILENO);
        dup2(stdout_too ? slave : null, STDOUT_FILENO);
        std::vector<char*> argv;
        for (auto& arg : args) argv.push_back(arg.data());
        argv.push_back(nullptr);
        execv(argv[0], argv.data());
        _exit(127);
    }
    ::close(slave);
    std::string output;
    char buffer[4096];
    for (;;) {
        pollfd ready{master, POLLIN, 0};
        if (poll(&ready, 1, 20000) <= 0) break;  // a safety net, never the normal way out
        ssize_t n = ::read(master, buffer, sizeof buffer);
        if (n <= 0) break;  // EIO once the child and its terminal are gone
        output.append(buffer, static_cast<std::size_t>(n));
    }
    ::close(master);
    int status = 0;
    waitpid(pid, &status, 0);
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

// The bar's frames: what each "\r" redraw wrote, without the erase-line sequence.
std::vector<std::string> frames(const std::string& output) {
    std::vector<std::string> out;
    std::size_t at = 0;
    while ((at = output.find('\r', at)) != std::string::npos) {
        ++at;
        auto end = output.find_first_of("\r\n\033", at);
        auto frame = output.substr(at, end == std::string::npos ? end : end - at);
        // The terminal turns each "\n" into "\r\n": that "\r" starts no frame.
        if (!frame.empty()) out.push_back(frame);
    }
    return out;
}

TEST(ClientErrors, TheWrongArgumentIsNamed) {
    auto result = clipshare({"send-text", "127.0.0.1", "-dash"});
    EXPECT_EQ(result.exit_status, 2);
    EXPECT_NE(result.err.find("'-dash'"), std::string::npos) << result.err;
    EXPECT_EQ(result.err.find("unknown option 127.0.0.1"), std::string::npos) << result.err;
    EXPECT_EQ(result.err.find("unknown option HOST"), std::string::npos) << result.err;
    result = clipshare({"get-text", "127.0.0.1", "surplus"});
    EXPECT_EQ(result.exit_status, 2);
    EXPECT_NE(result.err.find("unexpected argument 'surplus'"), std::string::npos) << result.err;
}

TEST(ClientProgress, OneBarForABatchThatFitsItsLineWithCjkNames) {
    auto daemon = Daemon::start();
    TempDir dir;
    // Two files of 300 KiB with names far wider than the terminal, in CJK (2 columns each).
    std::string wide;
    for (int i = 0; i < 40; ++i) wide += "写真";
    const std::string first = wide + "一.bin";
    const std::string second = wide + "二.bin";
    write_file(dir.path() / first, std::string(300 * 1024, 'a'));
    write_file(dir.path() / second, std::string(300 * 1024, 'b'));
    const unsigned short columns = 60;

    auto [sent, upload] =
        on_terminal({"send-files", "-p", std::to_string(daemon->port()), "127.0.0.1",
                     (dir.path() / first).string(), (dir.path() / second).string()},
                    columns);
    ASSERT_EQ(sent, 0) << upload;
    auto drawn = frames(upload);
    ASSERT_FALSE(drawn.empty()) << upload;
    for (const auto& frame : drawn) {
        // The last column stays free: some terminals wrap when it is written.
        EXPECT_LE(display_width(frame), columns - 1u) << frame;
        EXPECT_NE(frame.find("/ 600.0 KiB"), std::string::npos)
            << "one total for the batch: " << frame;
    }
    EXPECT_NE(drawn.back().find("600.0 KiB / 600.0 KiB 100%"), std::string::npos) << drawn.back();
    EXPECT_NE(drawn.back().find("(2/2)"), std::string::npos) << drawn.back();

    TempDir into;
    auto [got, download] = on_terminal(
        {"get-files", "-p", std::to_string(daemon->port()), "127.0.0.1", into.path().string()},
        columns);
    ASSERT_EQ(got, 0) << download;
    drawn = frames(download);
    ASSERT_FALSE(drawn.empty()) << download;
    for (const auto& frame : drawn) EXPECT_LE(display_width(frame), columns - 1u) << frame;
    // The counters ran on across both files instead of starting over for the second.
    EXPECT_NE(drawn.back().find("600.0 KiB 100%"), std::string::npos) << drawn.back();
    EXPECT_TRUE(fs::exists(into.path() / second));
}

// PNG bytes on a terminal garble it: "-" refuses when standard output is one, before
// connecting (the screenshot's status is 2, not the storeless daemon's 6), and -o - is the
// explicit request that writes them anyway.
TEST(ClientTerminal, ImageIsNotWrittenToATerminalUnlessAskedWithO) {
    auto daemon = Daemon::start();
    const std::string port = std::to_string(daemon->port());
    const std::string png = std::string("\x89PNG\r\n\x1a\n", 8) + "pretend pixels";
    write_file(daemon->dir() / "shot.png", png);
    auto sent = run_command({client_binary().string(), "-p", port, "send-files", "127.0.0.1",
                             (daemon->dir() / "shot.png").string()});
    ASSERT_EQ(sent.exit_status, 0) << sent.err;

    for (const char* command : {"get-image", "screenshot"}) {
        auto [status, shown] = on_terminal({command, "-p", port, "127.0.0.1", "-"}, 80, true);
        EXPECT_EQ(status, 2) << command << ": " << shown;
        EXPECT_NE(shown.find("not writing a PNG image to a terminal"), std::string::npos) << shown;
        EXPECT_NE(shown.find("-o -"), std::string::npos) << shown;
        EXPECT_EQ(shown.find("PNG\r"), std::string::npos) << "no image bytes: " << shown;
    }
    auto [forced, image] = on_terminal({"get-image", "-p", port, "127.0.0.1", "-o", "-"}, 80, true);
    EXPECT_EQ(forced, 0) << image;
    EXPECT_NE(image.find("PNG"), std::string::npos) << image;
    EXPECT_NE(image.find("pretend pixels"), std::string::npos) << image;
    // Not a terminal: "-" writes as it always did.
    auto piped = run_command({client_binary().string(), "-p", port, "get-image", "127.0.0.1", "-"});
    EXPECT_EQ(piped.exit_status, 0) << piped.err;
    EXPECT_EQ(piped.out, png);
}

}  // namespace
}  // namespace clipshare::test
