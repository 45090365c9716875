// The wire codec: ClipShare integers are 8-byte big-endian two's complement, strings are raw
// bytes. Header-only because every function is a few instructions.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace clipshare::wire {

inline constexpr std::size_t i64_size = 8;

// Status bytes after a method (and in negotiation).
enum Status : std::uint8_t {
    ok = 0x01,
    no_data = 0x02,
    unknown_method = 0x03,
    method_not_implemented = 0x04,
};

// The negotiation replies reuse the same numbers under their own names.
enum VersionReply : std::uint8_t {
    version_accepted = 0x01,
    version_too_low = 0x02,
    version_offer = 0x03,
};

inline constexpr std::array<std::uint8_t, 8> encode_i64(std::int64_t value) {
    auto bits = static_cast<std::uint64_t>(value);
    std::array<std::uint8_t, 8> out{};
    for (int i = 7; i >= 0; --i) {
        out[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(bits & 0xff);
        bits >>= 8;
    }
    return out;
}

// `bytes` must hold at least 8 bytes.
inline constexpr std::int64_t decode_i64(std::span<const std::uint8_t> bytes) {
    std::uint64_t bits = 0;
    for (std::size_t i = 0; i < i64_size; ++i) bits = (bits << 8) | bytes[i];
    return static_cast<std::int64_t>(bits);
}

// Builds one outgoing message so it can go out in a single write.
class MessageBuilder {
public:
    MessageBuilder& byte(std::uint8_t value) {
        bytes_.push_back(value);
        return *this;
    }
    MessageBuilder& i64(std::int64_t value) {
        auto encoded = encode_i64(value);
        bytes_.insert(bytes_.end(), encoded.begin(), encoded.end());
        return *this;
    }
    MessageBuilder& raw(std::span<const std::uint8_t> data) {
        bytes_.insert(bytes_.end(), data.begin(), data.end());
        return *this;
    }
    MessageBuilder& raw(std::string_view text) {
        bytes_.insert(bytes_.end(), text.begin(), text.end());
        return *this;
    }
    // A length-prefixed string: i64 length, then the bytes.
    MessageBuilder& string(std::string_view text) {
        i64(static_cast<std::int64_t>(text.size()));
        return raw(text);
    }
    std::vector<std::uint8_t> take() { return std::move(bytes_); }

private:
    std::vector<std::uint8_t> bytes_;
};

}  // namespace clipshare::wire
