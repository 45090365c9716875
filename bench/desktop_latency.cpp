#include "desktop_latency.hpp"

#include <poll.h>

#include <algorithm>
#include <cstdlib>
#include <memory>

#include "support.hpp"

namespace bench {
namespace {

using Clock = std::chrono::steady_clock;

// Xvfb on a display it picks itself (-displayfd), stopped when this goes.
class Xvfb {
public:
    Xvfb() {
        int ready[2];
        if (pipe2(ready, O_CLOEXEC) != 0) return;
        pid_ = fork();
        if (pid_ == 0) {
            int fd = dup(ready[1]);  // survives exec, unlike the pipe's own ends
            int null = open("/dev/null", O_RDWR);
            dup2(null, 0);
            dup2(null, 1);
            dup2(null, 2);
            std::string fd_text = std::to_string(fd);
            execlp("Xvfb", "Xvfb", "-displayfd", fd_text.c_str(), "-screen", "0", "640x480x24",
                   "-nolisten", "tcp", "-noreset", static_cast<char*>(nullptr));
            _exit(127);
        }
        close(ready[1]);
        std::string number;
        while (number.find('\n') == std::string::npos) {
            pollfd watch{ready[0], POLLIN, 0};
            if (poll(&watch, 1, 20000) <= 0) break;
            char buffer[16];
            ssize_t n = read(ready[0], buffer, sizeof buffer);
            if (n <= 0) break;
            number.append(buffer, static_cast<std::size_t>(n));
        }
        close(ready[0]);
        if (number.find('\n') != std::string::npos)
            display_ = ":" + number.substr(0, number.find('\n'));
    }
    ~Xvfb() {
        if (pid_ > 0) {
            kill(pid_, SIGTERM);
            waitpid(pid_, nullptr, 0);
        }
    }
    const std::string& display() const { return display_; }  // "" when it did not start

private:
    pid_t pid_ = -1;
    std::string display_;
};

// One v4 Send Text exchange; true once the daemon acknowledged it (stored, or on the desktop).
bool send_text(std::uint16_t port, const std::string& text) {
    int fd = connect_to(port);
    if (fd < 0) return false;
    Bytes request = Bytes{4, 2} + i64(static_cast<std::int64_t>(text.size())) + bytes_of(text);
    std::uint8_t reply[3];
    bool ok = send_all(fd, request) && recv_exact(fd, reply, 3) && reply[0] == 1 && reply[1] == 1 &&
              reply[2] == 1;
    close(fd);
    return ok;
}

// One v4 Get Text exchange; true when the text came back.
bool get_text(std::uint16_t port, std::size_t expected_size) {
    int fd = connect_to(port);
    if (fd < 0) return false;
    std::uint8_t head[10];
    bool ok = send_all(fd, Bytes{4, 1}) && recv_exact(fd, head, 10) && head[0] == 1 &&
              head[1] == 1 && decode_i64(head + 2) == static_cast<std::int64_t>(expected_size);
    if (ok) {
        std::string text(expected_size, '\0');
        ok = recv_exact(fd, reinterpret_cast<std::uint8_t*>(text.data()), text.size()) &&
             send_all(fd, Bytes{1});
    }
    close(fd);
    return ok;
}

struct Figures {
    double p50_us = 0;
    double p99_us = 0;
    long count = 0;
    long failures = 0;
};

Figures measure(double seconds, const std::function<bool()>& exchange) {
    std::vector<double> latencies;
    Figures figures;
    auto deadline = Clock::now() + std::chrono::duration<double>(seconds);
    while (Clock::now() < deadline) {
        auto begin = Clock::now();
        if (!exchange()) {
            ++figures.failures;
            continue;
        }
        latencies.push_back(
            std::chrono::duration<double, std::micro>(Clock::now() - begin).count());
    }
    std::sort(latencies.begin(), latencies.end());
    auto percentile = [&](double p) {
        return latencies.empty() ? 0.0
                                 : latencies[static_cast<std::size_t>(p * (latencies.size() - 1))];
    };
    figures.p50_us = percentile(0.5);
    figures.p99_us = percentile(0.99);
    figures.count = static_cast<long>(latencies.size());
    return figures;
}

// What the x11 preset ran before its programs were spawned directly.
const char* const x11_as_shell_lines =
    "[clipboard.commands]\n"
    "get_text = \"xclip -o -selection clipboard\"\n"
    "set_text = \"xclip -i -selection clipboard\"\n"
    "targets = \"xclip -o -selection clipboard -t TARGETS\"\n"
    "get_files = \"xclip -o -selection clipboard -t x-special/gnome-copied-files 2>/dev/null || "
    "xclip -o -selection clipboard -t text/uri-list\"\n"
    "set_files = \"xclip -i -selection clipboard -t x-special/gnome-copied-files\"\n"
    "get_image = \"xclip -o -selection clipboard -t image/png\"\n"
    "screenshot = 'scrot --silent --monitor \"$((CLIPSHARE_DISPLAY - 1))\" -'\n";

}  // namespace

void desktop_latency(const DesktopSettings& settings,
                     const std::function<void(const std::string&, double)>& record) {
    std::printf("\n== desktop: per-request latency, one client, v4, %.0f s each\n",
                settings.seconds);
    Xvfb x;
    bool have_x = !x.display().empty();
    if (!have_x)
        std::printf("(Xvfb did not start: the x11 rows are left out)\n");
    else
        setenv("DISPLAY", x.display().c_str(), 1);  // the daemons below inherit it

    struct Backend {
        const char* key;
        std::string config;
        bool needs_x;
    };
    const std::string x11 = "[clipboard]\nbackend = \"command\"\npreset = \"x11\"\n";
    const Backend backends[] = {
        {"store", "", false},
        {"x11.programs", x11, true},
        {"x11.shell", x11 + x11_as_shell_lines, true},
    };
    const std::string text = "a line of copied text, as a phone would send it\n";
    for (const auto& backend : backends) {
        if (backend.needs_x && !have_x) continue;
        Daemon daemon{settings.binary, backend.config};
        // The clipboard holds the text (on X, an xclip the daemon started owns it).
        if (!send_text(daemon.port(), text)) {
            std::printf("desktop.%-22s Send Text failed; see %s/log\n", backend.key,
                        daemon.dir().c_str());
            continue;
        }
        struct Operation {
            const char* name;
            std::function<bool()> exchange;
        };
        const Operation operations[] = {
            {"get_text", [&] { return get_text(daemon.port(), text.size()); }},
            {"send_text", [&] { return send_text(daemon.port(), text); }},
        };
        for (const auto& operation : operations) {
            auto figures = measure(settings.seconds, operation.exchange);
            std::string key = std::string{"desktop."} + backend.key + "." + operation.name;
            std::printf("%-32s p50 %8.0f us   p99 %8.0f us   %6ld requests   failures %ld\n",
                        key.c_str(), figures.p50_us, figures.p99_us, figures.count,
                        figures.failures);
            record(key + ".p50_us", figures.p50_us);
            record(key + ".p99_us", figures.p99_us);
            record(key + ".failures", static_cast<double>(figures.failures));
        }
    }
    if (have_x) unsetenv("DISPLAY");
}

}  // namespace bench
