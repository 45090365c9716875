// The client's byte stream to a server. The protocol code reads and writes through this
// interface only, so tests can put a scripted fake server behind it (and TLS can slide in
// under it later).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace clipshare::client {

class Channel {
public:
    virtual ~Channel() = default;
    // Up to out.size() bytes (at least one), or 0 at the end of the stream. Throws
    // ClientError on a transport failure or timeout.
    virtual std::size_t read_some(std::span<std::uint8_t> out) = 0;
    // All of `data`, or throws ClientError.
    virtual void write_all(std::span<const std::uint8_t> data) = 0;
};

// Exactly out.size() bytes. An end of stream first is the server's fault: bad_response,
// naming `what` was being read.
void read_exact(Channel& channel, std::span<std::uint8_t> out, std::string_view what);
std::uint8_t read_byte(Channel& channel, std::string_view what);
std::int64_t read_i64(Channel& channel, std::string_view what);
// One byte, or nothing at the end of the stream.
std::optional<std::uint8_t> read_byte_or_end(Channel& channel);

void write_bytes(Channel& channel, std::initializer_list<std::uint8_t> bytes);

}  // namespace clipshare::client
