// Collects fixed-size fields from a byte stream that arrives in arbitrary pieces: an i64 may
// be split across reads, a name may arrive one byte at a time.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <span>
#include <string>

#include "proto/wire.hpp"

namespace clipshare {

class FieldReader {
public:
    // Takes bytes from the front of `input` until an i64 is complete; true when `out` is set.
    bool i64(std::span<const std::uint8_t>& input, std::int64_t& out) {
        auto take = std::min(input.size(), wire::i64_size - have_);
        std::copy_n(input.begin(), take, buffer_.begin() + static_cast<std::ptrdiff_t>(have_));
        have_ += take;
        input = input.subspan(take);
        if (have_ < wire::i64_size) return false;
        have_ = 0;
        out = wire::decode_i64(buffer_);
        return true;
    }

    // Appends bytes from `input` to `out` until it holds `length`; true when it does.
    static bool bytes(std::span<const std::uint8_t>& input, std::size_t length, std::string& out) {
        auto take = std::min(input.size(), length - out.size());
        out.append(reinterpret_cast<const char*>(input.data()), take);
        input = input.subspan(take);
        return out.size() == length;
    }

private:
    std::array<std::uint8_t, 8> buffer_{};
    std::size_t have_ = 0;
};

}  // namespace clipshare
