// `clipshare scan`: UDP discovery (SPEC.md section 8) from the client's side. By default it
// asks the whole LAN (IPv4 broadcast on every interface, IPv6 ff05::4567 on every multicast
// interface); given addresses, it asks only those.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace clipshare::client {

struct ScanOptions {
    std::uint16_t port = 4337;
    // Empty: broadcast and multicast. Otherwise only these addresses (IPv4 or IPv6, any
    // of them may be a broadcast or multicast address too).
    std::vector<std::string> targets;
    std::chrono::milliseconds wait{1000};
    std::size_t max_servers = 0;  // stop once this many answered; 0: wait the whole time
};

struct ScanResult {
    std::vector<std::string> servers;   // addresses in the order they answered, each once
    std::vector<std::string> warnings;  // targets that could not be asked
};

// Throws ClientError(connection) when no request at all could be sent, (usage) for a
// target that is not an address.
ScanResult scan(const ScanOptions& options);

}  // namespace clipshare::client
