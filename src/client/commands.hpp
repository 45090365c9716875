// Carrying out one parsed command line: connect, negotiate, run the method, print the result,
// and turn every failure into its documented exit status.
#pragma once

#include "client/cli.hpp"

namespace clipshare::client {

// Returns the exit status; messages go to stderr, results to stdout.
int run_command(const Options& options);

}  // namespace clipshare::client
