// Running the real clipshare binary from the integration tests, and the small file helpers
// its tests share (plain and TLS in test_client.cpp).
#pragma once

#include <cstdlib>
#include <filesystem>
#include <functional>
#include <stdexcept>

#include "daemon_fixture.hpp"
#include "support/files.hpp"

namespace clipshare::test {

inline std::filesystem::path client_binary() {
    const char* path = std::getenv("CLIPSHARE");
    if (path == nullptr) throw std::runtime_error("CLIPSHARE is not set (run through meson test)");
    return path;
}

// Before v4 an upload is not confirmed: the daemon may still be storing it when the client
// has already exited. Repeats `command` (a download) until `done` holds, with a deadline.
inline RunResult until(const std::function<RunResult()>& command,
                       const std::function<bool(const RunResult&)>& done) {
    RunResult result;
    wait_until([&] {
        result = command();
        return done(result);
    });
    return result;
}

}  // namespace clipshare::test
