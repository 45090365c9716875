// Runs one local program to completion and collects what it prints, for send-clipboard's
// reads of the desktop clipboard (xclip, wl-paste). Blocking, like the rest of the client:
// posix_spawnp, no shell, standard input /dev/null, a cap on the output and a deadline.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

namespace clipshare::client {

struct ProgramResult {
    std::string error;       // "" when it exited with status 0, in time, within the cap
    std::string output;      // its standard output (empty on failure)
    std::string diagnostic;  // the first line it wrote on standard error, if any
    bool ok() const { return error.empty(); }
};

// `argv[0]` is looked up in PATH. A program still running at `timeout` is killed.
ProgramResult run_program(const std::vector<std::string>& argv, std::size_t max_output,
                          std::chrono::milliseconds timeout);

}  // namespace clipshare::client
