#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "proto/negotiation.hpp"

namespace clipshare {
namespace {

using Bytes = std::vector<std::uint8_t>;
using State = Negotiation::State;

TEST(Negotiation, AcceptsEveryVersionInRange) {
    for (int v = 1; v <= 4; ++v) {
        Negotiation n{1, 4};
        EXPECT_EQ(n.on_byte(static_cast<std::uint8_t>(v)), Bytes{1});
        EXPECT_EQ(n.state(), State::accepted);
        EXPECT_EQ(n.version(), v);
    }
}

TEST(Negotiation, RefusesZero) {
    Negotiation n{1, 4};
    EXPECT_EQ(n.on_byte(0), Bytes{2});
    EXPECT_EQ(n.state(), State::refused);
    EXPECT_TRUE(n.done());
}

TEST(Negotiation, RefusesBelowConfiguredMinimum) {
    Negotiation n{3, 4};
    EXPECT_EQ(n.on_byte(2), Bytes{2});
    EXPECT_EQ(n.state(), State::refused);
}

TEST(Negotiation, AcceptsConfiguredMinimumExactly) {
    Negotiation n{3, 4};
    EXPECT_EQ(n.on_byte(3), Bytes{1});
    EXPECT_EQ(n.version(), 3);
}

TEST(Negotiation, OffersMaxToNewerClientAndAcceptsEcho) {
    Negotiation n{1, 4};
    EXPECT_EQ(n.on_byte(5), (Bytes{3, 4}));
    EXPECT_EQ(n.state(), State::awaiting_offer_reply);
    EXPECT_FALSE(n.done());
    EXPECT_TRUE(n.on_byte(4).empty());
    EXPECT_EQ(n.state(), State::accepted);
    EXPECT_EQ(n.version(), 4);
}

TEST(Negotiation, OffersLowerConfiguredMax) {
    Negotiation n{1, 2};
    EXPECT_EQ(n.on_byte(4), (Bytes{3, 2}));
    EXPECT_TRUE(n.on_byte(2).empty());
    EXPECT_EQ(n.version(), 2);
}

TEST(Negotiation, ClientRefusingOfferCloses) {
    Negotiation n{1, 4};
    n.on_byte(253);
    EXPECT_TRUE(n.on_byte(0).empty());
    EXPECT_EQ(n.state(), State::refused);
}

TEST(Negotiation, AnyOtherReplyToOfferCloses) {
    for (int reply : {1, 2, 3, 5, 255}) {
        Negotiation n{1, 4};
        n.on_byte(9);
        n.on_byte(static_cast<std::uint8_t>(reply));
        EXPECT_EQ(n.state(), State::refused) << reply;
    }
}

TEST(Negotiation, HighestClientVersionGetsOffer) {
    Negotiation n{1, 4};
    EXPECT_EQ(n.on_byte(255), (Bytes{3, 4}));
}

TEST(Negotiation, RemembersRequestedVersion) {
    Negotiation n{1, 4};
    n.on_byte(7);
    EXPECT_EQ(n.requested(), 7);
}

}  // namespace
}  // namespace clipshare
