// clipshare: the command-line ClipShare client. See clipshare(1).
#include <csignal>
#include <cstdio>
#include <string>
#include <vector>

#include "client/cli.hpp"
#include "client/commands.hpp"
#include "client/errors.hpp"
#include "client/interrupt.hpp"

int main(int argc, char** argv) {
    using namespace clipshare::client;
    std::vector<std::string> arguments(argv + 1, argv + argc);
    ParsedCommandLine parsed = parse_command_line(arguments);
    if (!parsed.options) {
        std::fprintf(stderr, "clipshare: error: %s\n", parsed.error.c_str());
        return static_cast<int>(Exit::usage);
    }
    // A server that closes early must give an error message, not a silent death by SIGPIPE.
    std::signal(SIGPIPE, SIG_IGN);
    install_interrupt_handlers();
    return run_command(*parsed.options);
}
