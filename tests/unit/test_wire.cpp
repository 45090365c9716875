#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <limits>
#include <vector>

#include "proto/wire.hpp"

namespace clipshare::wire {
namespace {

TEST(Wire, EncodesBigEndian) {
    auto bytes = encode_i64(0x0102030405060708);
    std::array<std::uint8_t, 8> expected{1, 2, 3, 4, 5, 6, 7, 8};
    EXPECT_EQ(bytes, expected);
}

TEST(Wire, EncodesNegativeAsTwosComplement) {
    auto bytes = encode_i64(-1);
    for (auto byte : bytes) EXPECT_EQ(byte, 0xff);
    auto minus_two = encode_i64(-2);
    EXPECT_EQ(minus_two[7], 0xfe);
}

TEST(Wire, RoundTripsExtremes) {
    for (std::int64_t value : {std::int64_t{0}, std::int64_t{1}, std::int64_t{-1}, std::int64_t{10},
                               std::int64_t{1} << 40, std::numeric_limits<std::int64_t>::max(),
                               std::numeric_limits<std::int64_t>::min()}) {
        auto bytes = encode_i64(value);
        EXPECT_EQ(decode_i64(bytes), value);
    }
}

TEST(Wire, DecodesFromLongerBuffer) {
    std::vector<std::uint8_t> bytes{0, 0, 0, 0, 0, 0, 0, 10, 0xaa, 0xbb};
    EXPECT_EQ(decode_i64(bytes), 10);
}

TEST(Wire, BuilderConcatenatesInOrder) {
    auto message = MessageBuilder{}.byte(ok).string("clip_share").take();
    std::vector<std::uint8_t> expected{1, 0, 0, 0, 0, 0, 0, 0, 10};
    for (char c : std::string{"clip_share"}) expected.push_back(static_cast<std::uint8_t>(c));
    EXPECT_EQ(message, expected);
}

}  // namespace
}  // namespace clipshare::wire
