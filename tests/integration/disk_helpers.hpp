// What the hostile-client tests look at: the working directory's contents (settled, since
// clean-up runs after a close), the daemon's memory, and whether it still answers.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include "daemon_fixture.hpp"
#include "protocol_helpers.hpp"

namespace clipshare::test {

// Everything in the working directory except the store's state.
inline std::set<std::string> contents(const std::filesystem::path& dir) {
    std::set<std::string> out;
    std::error_code error;
    // The daemon may be removing a batch while we look: report that as "changing" so the
    // caller looks again.
    for (std::filesystem::recursive_directory_iterator it(dir, error), end; !error && it != end;
         it.increment(error)) {
        auto name = it->path().lexically_relative(dir).string();
        if (name == ".clipshare") {
            it.disable_recursion_pending();
            continue;
        }
        out.insert(name);
    }
    if (error) out.insert("<changing: " + error.message() + ">");
    return out;
}

// Clean-up of refused batches runs after the close: wait (bounded) for the disk to settle.
inline std::set<std::string> settled(const std::filesystem::path& dir,
                                     const std::set<std::string>& expected) {
    std::set<std::string> now;
    wait_until([&] { return (now = contents(dir)) == expected; });
    return now;
}

inline bool serves_info(const Daemon& daemon, const char* source = nullptr) {
    auto client = Client::connect(daemon.port(), "127.0.0.1", source);
    client.send(Bytes{4, 125, 1});
    return client.recv_all() == Bytes{1} + info_reply("clip_share");
}

inline long rss_kib(pid_t pid) {
    std::ifstream status{"/proc/" + std::to_string(pid) + "/status"};
    std::string line;
    while (std::getline(status, line)) {
        if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
    }
    return -1;
}

}  // namespace clipshare::test
