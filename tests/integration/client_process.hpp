// Running the real clipshare binary from the integration tests, and the small file helpers
// its tests share (plain in test_client.cpp, TLS in test_client_tls.cpp).
#pragma once

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>

#include "daemon_fixture.hpp"

namespace clipshare::test {

inline std::filesystem::path client_binary() {
    const char* path = std::getenv("CLIPSHARE");
    if (path == nullptr) throw std::runtime_error("CLIPSHARE is not set (run through meson test)");
    return path;
}

inline std::string read_file(const std::filesystem::path& path) {
    std::ifstream in{path, std::ios::binary};
    std::stringstream content;
    content << in.rdbuf();
    return content.str();
}

inline void write_file(const std::filesystem::path& path, std::string_view content) {
    std::filesystem::create_directories(path.parent_path());
    std::ofstream{path, std::ios::binary} << content;
}

// Before v4 an upload is not confirmed: the daemon may still be storing it when the client
// has already exited. Repeats `command` (a download) until `done` holds, with a deadline.
inline RunResult until(const std::function<RunResult()>& command,
                       const std::function<bool(const RunResult&)>& done) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    RunResult result = command();
    while (!done(result) && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
        result = command();
    }
    return result;
}

}  // namespace clipshare::test
