#include "wayland_server.hpp"

#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>

#include "support/files.hpp"
#include "support/wait.hpp"

namespace clipshare::test {
namespace {

namespace fs = std::filesystem;

constexpr uid_t nobody = 65534;

void stop_server(pid_t pid) {
    if (pid <= 0) return;
    bool reaped = false;
    signal_and_reap(pid, SIGTERM, std::chrono::seconds(10), reaped);
}

// The first entry of `dir` whose name starts with `prefix` and is a socket, or "".
std::string socket_named(const fs::path& dir, std::string_view prefix) {
    std::error_code error;
    for (const auto& entry : fs::directory_iterator(dir, error)) {
        auto name = entry.path().filename().string();
        if (name.rfind(prefix, 0) == 0 && entry.is_socket(error)) return name;
    }
    return {};
}

}  // namespace

std::unique_ptr<WaylandServer> WaylandServer::start(int width, int height, std::string& why) {
    auto sway = find_program("sway");
    auto swaymsg = find_program("swaymsg");
    if (sway.empty() || swaymsg.empty()) {
        why = "sway is not installed (apt-get install sway)";
        return nullptr;
    }
    std::unique_ptr<WaylandServer> server{new WaylandServer};
    auto runtime = server->dir_.path() / "runtime";
    auto config = server->dir_.path() / "sway.config";
    auto log = server->dir_.path() / "sway.log";
    fs::create_directory(runtime);
    fs::permissions(runtime, fs::perms::owner_all);
    write_file(config, "xwayland disable\noutput HEADLESS-1 resolution " + std::to_string(width) +
                           "x" + std::to_string(height) + "\n");
    bool as_root = geteuid() == 0;
    // nobody must pass through the (root's, 0700) temporary directory to its config.
    fs::permissions(server->dir_.path(), fs::perms::others_exec, fs::perm_options::add);
    if (as_root && chown(runtime.c_str(), nobody, nobody) != 0) {
        why = "cannot give the runtime directory to nobody";
        return nullptr;
    }
    std::vector<std::string> environment{
        "PATH=/usr/local/bin:/usr/bin:/bin", "HOME=" + runtime.string(),
        "XDG_RUNTIME_DIR=" + runtime.string(), "WLR_BACKENDS=headless",
        // No GPU, no input devices in a container: software rendering, an empty seat.
        "WLR_RENDERER=pixman", "WLR_LIBINPUT_NO_DEVICES=1"};
    std::vector<char*> env;
    for (auto& assignment : environment) env.push_back(assignment.data());
    env.push_back(nullptr);

    pid_t pid = fork();
    if (pid == 0) {
        int out = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int null = ::open("/dev/null", O_RDONLY);
        dup2(null, 0);
        dup2(out, 1);
        dup2(out, 2);
        setsid();
        if (as_root && (setgroups(0, nullptr) != 0 || setgid(nobody) != 0 || setuid(nobody) != 0))
            _exit(126);
        execle(sway.c_str(), "sway", "-c", config.c_str(), static_cast<char*>(nullptr), env.data());
        _exit(127);
    }
    server->pid_ = pid;
    // The sockets appear early; the output is up once sway reports it over IPC.
    bool exited = false;
    bool up = wait_until(
        [&] {
            int status = 0;
            if (waitpid(pid, &status, WNOHANG) == pid) return exited = true;
            auto ipc = socket_named(runtime, "sway-ipc.");
            server->socket_ = socket_named(runtime, "wayland-");
            if (ipc.empty() || server->socket_.empty()) return false;
            auto outputs = run_command(
                {swaymsg.string(), "-s", (runtime / ipc).string(), "-t", "get_outputs", "-r"});
            return outputs.exit_status == 0 &&
                   outputs.out.find("\"HEADLESS-1\"") != std::string::npos;
        },
        std::chrono::seconds(20), std::chrono::milliseconds(20));
    if (!up || exited) {
        if (!exited) stop_server(pid);
        server->pid_ = -1;
        why = "sway did not start: " + read_file(log);
        return nullptr;
    }
    return server;
}

std::vector<std::string> WaylandServer::environment() const {
    return {"XDG_RUNTIME_DIR=" + (dir_.path() / "runtime").string(), "WAYLAND_DISPLAY=" + socket_};
}

WaylandServer::~WaylandServer() {
    stop_server(pid_);
}

}  // namespace clipshare::test
