// What counts as a discovery request and as an answer (SPEC.md section 8).
#include <gtest/gtest.h>

#include <cstdint>
#include <string_view>
#include <vector>

#include "proto/discovery.hpp"

namespace clipshare {
namespace {

std::vector<std::uint8_t> bytes(std::string_view text) {
    return {text.begin(), text.end()};
}

TEST(DiscoveryRequest, AnythingStartingWithInIsARequest) {
    for (auto text : {"in", "in\n", "info", "in clip_share"}) {
        EXPECT_TRUE(is_discovery_request(bytes(text))) << text;
    }
    EXPECT_TRUE(is_discovery_request(std::vector<std::uint8_t>{'i', 'n', 0, 0xff}));
}

TEST(DiscoveryRequest, EverythingElseIsNoise) {
    for (auto text : {"", "i", "n", "ni", "IN", "In", "iN", " in", "clip_share"}) {
        EXPECT_FALSE(is_discovery_request(bytes(text))) << text;
    }
    EXPECT_FALSE(is_discovery_request(std::vector<std::uint8_t>{0, 'i', 'n'}));
}

TEST(DiscoveryReply, OnlyTheExactMagic) {
    EXPECT_TRUE(is_discovery_reply(bytes("clip_share")));
    for (auto text : {"", "clip_shar", "clip_share\n", "CLIP_SHARE", "in"}) {
        EXPECT_FALSE(is_discovery_reply(bytes(text))) << text;
    }
}

}  // namespace
}  // namespace clipshare
