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
    // ADDRESS or ADDRESS:PORT ([IPv6]:PORT); without a port, `port`.
    std::vector<std::string> targets;
    std::chrono::milliseconds wait{1000};
    std::size_t max_servers = 0;  // stop once this many answered; 0: wait the whole time
};

struct FoundServer {
    std::string address;  // numeric, IPv4 answers on the IPv6 socket shown as IPv4
    std::uint16_t port;   // the UDP port it answered from (its discovery port)
};

struct ScanResult {
    std::vector<FoundServer> servers;   // in the order they answered, each address once
    std::vector<std::string> warnings;  // targets that could not be asked
};

// Throws ClientError(connection) when no request at all could be sent, (usage) for a
// target that is not an address.
ScanResult scan(const ScanOptions& options);

// `clipshare scan --json`: one JSON array of {"address": ..., "port": ...} objects, one a
// line, "[]" when none; ends with a newline.
std::string scan_json(const std::vector<FoundServer>& servers);

}  // namespace clipshare::client
