// Building request bytes in unit tests: concatenation, the wire's big-endian i64, and one
// Send Files entry (name length, name, size, content).
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "proto/wire.hpp"

namespace clipshare::test {

using Bytes = std::vector<std::uint8_t>;

inline Bytes operator+(Bytes a, const Bytes& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

inline Bytes i64(std::int64_t value) {
    auto encoded = wire::encode_i64(value);
    return Bytes(encoded.begin(), encoded.end());
}

inline Bytes str(std::string_view text) {
    return Bytes(text.begin(), text.end());
}

// A file entry whose declared size is its content's; a directory or a lie takes `size`.
inline Bytes entry(std::string_view name, std::int64_t size, std::string_view data = {}) {
    return i64(static_cast<std::int64_t>(name.size())) + str(name) + i64(size) + str(data);
}
inline Bytes entry(std::string_view name, std::string_view data) {
    return entry(name, static_cast<std::int64_t>(data.size()), data);
}

}  // namespace clipshare::test
