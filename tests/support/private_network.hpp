// Checks that must not touch the machine's real network: a forked child moves into its own
// network namespace (only a loopback of its own) and reports back as text.
#pragma once

#include <sys/types.h>

#include <functional>
#include <memory>
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

// One more network namespace next to the current one (another host on a veth link), kept
// alive by a child process that waits in it. This process visits it to configure it and to
// make sockets there: a socket stays in the namespace it was made in.
class OtherNetwork {
public:
    // nullptr and `error` set when the namespace cannot be made.
    static std::unique_ptr<OtherNetwork> create(std::string& error);
    ~OtherNetwork();
    OtherNetwork(const OtherNetwork&) = delete;
    OtherNetwork& operator=(const OtherNetwork&) = delete;

    // For `ip link set DEV netns PID`.
    pid_t pid() const { return pid_; }
    // Runs `body` inside the namespace, then returns to the one this process was in; false
    // if either move failed (then `body` may not have run).
    bool visit(const std::function<void()>& body) const;

private:
    OtherNetwork() = default;
    pid_t pid_ = -1;
    int release_fd_ = -1;  // closing it lets the holder exit
    int namespace_fd_ = -1;
};

}  // namespace clipshare::test
