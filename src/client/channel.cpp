#include "client/channel.hpp"

#include <array>
#include <string>
#include <vector>

#include "client/errors.hpp"
#include "proto/wire.hpp"

namespace clipshare::client {

void read_exact(Channel& channel, std::span<std::uint8_t> out, std::string_view what) {
    while (!out.empty()) {
        std::size_t got = channel.read_some(out);
        if (got == 0) {
            fail(Exit::bad_response, "the server closed the connection early (while sending " +
                                         std::string{what} + ")");
        }
        out = out.subspan(got);
    }
}

std::uint8_t read_byte(Channel& channel, std::string_view what) {
    std::uint8_t byte = 0;
    read_exact(channel, {&byte, 1}, what);
    return byte;
}

std::int64_t read_i64(Channel& channel, std::string_view what) {
    std::array<std::uint8_t, wire::i64_size> bytes{};
    read_exact(channel, bytes, what);
    return wire::decode_i64(bytes);
}

std::optional<std::uint8_t> read_byte_or_end(Channel& channel) {
    std::uint8_t byte = 0;
    if (channel.read_some({&byte, 1}) == 0) return std::nullopt;
    return byte;
}

void write_bytes(Channel& channel, std::initializer_list<std::uint8_t> bytes) {
    std::vector<std::uint8_t> buffer(bytes);
    channel.write_all(buffer);
}

}  // namespace clipshare::client
