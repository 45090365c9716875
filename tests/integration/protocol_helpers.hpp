// Request builders and reply readers for tests that speak the protocol byte for byte.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon_fixture.hpp"
#include "proto/wire.hpp"

namespace clipshare::test {

struct WireEntry {
    std::string name;
    std::int64_t size = 0;  // -1: directory
    std::string data;
};

inline Bytes i64_bytes(std::int64_t value) {
    auto encoded = wire::encode_i64(value);
    return Bytes(encoded.begin(), encoded.end());
}

inline Bytes bytes_of(std::string_view text) {
    return Bytes(text.begin(), text.end());
}

inline WireEntry file_entry(std::string name, std::string data) {
    auto size = static_cast<std::int64_t>(data.size());
    return {std::move(name), size, std::move(data)};
}
inline WireEntry dir_entry(std::string name) {
    return {std::move(name), -1, {}};
}

// Version byte, method 4, then (v2+) the count and every entry; v1 one entry, no count.
inline Bytes send_files_request(std::uint8_t version, const std::vector<WireEntry>& entries) {
    // Appended in place: a batch of many large entries is built in one pass (rebuilding it
    // per entry took seconds under load, which the daemon's header deadline counts once the
    // client has connected).
    Bytes out{version, 4};
    auto append = [&out](const Bytes& part) { out.insert(out.end(), part.begin(), part.end()); };
    if (version >= 2) append(i64_bytes(static_cast<std::int64_t>(entries.size())));
    for (const auto& entry : entries) {
        append(i64_bytes(static_cast<std::int64_t>(entry.name.size())));
        append(bytes_of(entry.name));
        append(i64_bytes(entry.size));
        append(bytes_of(entry.data));
    }
    return out;
}

inline Bytes send_text_request(std::uint8_t version, std::string_view text) {
    return Bytes{version, 2} + i64_bytes(static_cast<std::int64_t>(text.size())) + bytes_of(text);
}

// Reads typed fields off a connected client (anything with recv(n), plain or TLS); every
// read notes a short read in `ok`.
class ReplyReader {
public:
    template <typename Connection>
    explicit ReplyReader(Connection& client)
        : recv_([&client](std::size_t n) { return client.recv(n); }) {}
    bool ok = true;

    std::uint8_t byte() {
        auto got = recv_(1);
        if (got.size() != 1) {
            ok = false;
            return 0xee;
        }
        return got[0];
    }
    std::int64_t i64() {
        auto got = recv_(8);
        if (got.size() != 8) {
            ok = false;
            return -999;
        }
        return wire::decode_i64(got);
    }
    std::string bytes(std::int64_t n) {
        if (n < 0 || n > (std::int64_t{1} << 32)) {
            ok = false;
            return {};
        }
        auto got = recv_(static_cast<std::size_t>(n));
        if (got.size() != static_cast<std::size_t>(n)) ok = false;
        return std::string(got.begin(), got.end());
    }
    std::string string() { return bytes(i64()); }
    std::vector<WireEntry> entries() {
        std::vector<WireEntry> out;
        auto count = i64();
        for (std::int64_t i = 0; ok && i < count; ++i) {
            WireEntry entry;
            entry.name = string();
            entry.size = i64();
            if (entry.size > 0) entry.data = bytes(entry.size);
            out.push_back(std::move(entry));
        }
        return out;
    }

private:
    std::function<Bytes(std::size_t)> recv_;
};

inline bool operator==(const WireEntry& a, const WireEntry& b) {
    return a.name == b.name && a.size == b.size && a.data == b.data;
}

}  // namespace clipshare::test
