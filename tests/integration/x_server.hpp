// Test support: a private X server (Xvfb) on a display number it picks itself, for tests
// of the desktop clipboard. Readiness comes from Xvfb's -displayfd, not from sleeping.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "daemon_fixture.hpp"

namespace clipshare::test {

class XServer {
public:
    // Starts Xvfb with one screen of width x height; nothing (and `why` says why) when Xvfb
    // is missing or does not come up within 20 s.
    static std::unique_ptr<XServer> start(int width, int height, std::string& why);
    // Stops the server; every client still connected (xclip owners included) then exits.
    ~XServer();
    XServer(const XServer&) = delete;
    XServer& operator=(const XServer&) = delete;

    int display() const { return display_; }
    // "DISPLAY=:N", for a process's environment.
    std::string display_variable() const { return "DISPLAY=:" + std::to_string(display_); }
    std::vector<std::string> environment() const { return {display_variable()}; }

private:
    XServer() = default;
    TempDir dir_;
    pid_t pid_ = -1;
    int display_ = -1;
};

}  // namespace clipshare::test
