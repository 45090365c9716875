#include "x_server.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>

#include "support/files.hpp"

namespace clipshare::test {
namespace {

// Stops Xvfb politely (so it removes its socket and lock file), then for sure.
void stop_server(pid_t pid) {
    if (pid <= 0) return;
    bool reaped = false;
    signal_and_reap(pid, SIGTERM, std::chrono::seconds(10), reaped);
}

}  // namespace

std::unique_ptr<XServer> XServer::start(int width, int height, std::string& why) {
    auto xvfb = find_program("Xvfb");
    if (xvfb.empty()) {
        why = "Xvfb is not installed (apt-get install xvfb)";
        return nullptr;
    }
    std::unique_ptr<XServer> server{new XServer};
    int ready[2];
    if (pipe2(ready, O_CLOEXEC) != 0) {
        why = "pipe2 failed";
        return nullptr;
    }
    auto log = server->dir_.path() / "xvfb.log";
    std::string screen = std::to_string(width) + "x" + std::to_string(height) + "x24";
    pid_t pid = fork();
    if (pid == 0) {
        // Xvfb writes the display number it chose to this descriptor once clients can
        // connect; it must survive exec, unlike the pipe's other end.
        int fd = dup(ready[1]);
        int out = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int null = ::open("/dev/null", O_RDONLY);
        dup2(null, 0);
        dup2(out, 1);
        dup2(out, 2);
        std::string fd_text = std::to_string(fd);
        // -noreset: by default the server resets when its last client disconnects, and a
        // client that connects during the reset is refused ("Can't open display"); the tests'
        // short-lived xclips make that window a frequent one.
        execl(xvfb.c_str(), "Xvfb", "-displayfd", fd_text.c_str(), "-screen", "0", screen.c_str(),
              "-nolisten", "tcp", "-noreset", static_cast<char*>(nullptr));
        _exit(127);
    }
    ::close(ready[1]);
    server->pid_ = pid;
    std::string number;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (number.find('\n') == std::string::npos) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        pollfd watch{ready[0], POLLIN, 0};
        if (left.count() <= 0 || poll(&watch, 1, static_cast<int>(left.count())) <= 0) break;
        char buffer[16];
        ssize_t n = ::read(ready[0], buffer, sizeof buffer);
        if (n <= 0) break;  // Xvfb exited without a display
        number.append(buffer, static_cast<std::size_t>(n));
    }
    ::close(ready[0]);
    if (number.find('\n') == std::string::npos) {
        stop_server(pid);
        server->pid_ = -1;
        why = "Xvfb did not start: " + read_file(log);
        return nullptr;
    }
    server->display_ = std::stoi(number);
    return server;
}

XServer::~XServer() {
    stop_server(pid_);
}

}  // namespace clipshare::test
