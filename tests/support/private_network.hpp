// Checks that must not touch the machine's real network: a forked child moves into its own
// network namespace (only a loopback of its own) and reports back as text.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace clipshare::test {

// The outcome of a check run in a child process: "ok", "skip: why" or "fail: why".
std::string run_in_child(const std::function<std::string()>& body);

// Moves this process into a new network namespace holding only its own loopback (down until
// `ip link set lo up`); "" or why it cannot.
std::string enter_private_network();

// Runs iproute2's `ip` with these arguments; false if it is missing or fails.
bool ip(const std::vector<std::string>& args);

}  // namespace clipshare::test
