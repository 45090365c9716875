// Test support: a private headless Wayland compositor (sway on wlroots' headless backend, with
// the pixman renderer and no input devices) on a runtime directory of its own, for the
// wayland preset's tests. sway offers what wl-clipboard (wlr-data-control) and grim
// (wlr-screencopy) need; weston 10 has neither. Readiness is asked of sway over its IPC
// socket, not slept for.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "daemon_fixture.hpp"

namespace clipshare::test {

class WaylandServer {
public:
    // Starts sway with one output of width x height; nothing (and `why` says why) when sway
    // is missing or its output is not up within 20 s. sway refuses to run as root, so as root
    // it runs as the unprivileged `nobody` (uid and gid 65534); clients need no rights on it.
    static std::unique_ptr<WaylandServer> start(int width, int height, std::string& why);
    // Stops the compositor; every client still connected (wl-copy owners included) exits.
    ~WaylandServer();
    WaylandServer(const WaylandServer&) = delete;
    WaylandServer& operator=(const WaylandServer&) = delete;

    // XDG_RUNTIME_DIR and WAYLAND_DISPLAY, for a client's environment.
    std::vector<std::string> environment() const;

private:
    WaylandServer() = default;
    TempDir dir_;
    pid_t pid_ = -1;
    std::string socket_;  // "wayland-N" in dir_
};

}  // namespace clipshare::test
