// The memory budget and the batch plan's bookkeeping: charges that hold, refuse and return,
// and a plan whose memory follows the bytes of new names rather than the paths' lengths.
#include <gtest/gtest.h>

#include <string>

#include "files/batch_plan.hpp"
#include "util/memory_budget.hpp"

namespace clipshare {
namespace {

TEST(MemoryBudget, ChargesGrowShrinkAndReturnOnDestruction) {
    MemoryBudget budget{1000};
    constexpr auto whole = MemoryBudget::Share::connections;
    {
        MemoryCharge a{&budget, whole};
        EXPECT_TRUE(a.resize(600));
        MemoryCharge b{&budget, whole};
        EXPECT_FALSE(b.resize(500));  // would pass the limit: refused, nothing taken
        EXPECT_EQ(b.bytes(), 0u);
        EXPECT_EQ(budget.used(), 600u);
        EXPECT_TRUE(b.resize(400));
        EXPECT_EQ(budget.available(), 0u);
        EXPECT_TRUE(a.resize(100));  // shrinking always works
        EXPECT_EQ(budget.used(), 500u);
        MemoryCharge moved = std::move(a);
        EXPECT_EQ(a.bytes(), 0u);
        EXPECT_EQ(moved.bytes(), 100u);
        EXPECT_EQ(budget.used(), 500u);
    }
    EXPECT_EQ(budget.used(), 0u);
}

TEST(MemoryBudget, WorkLeavesAnEighthForConnections) {
    MemoryBudget budget{800};
    MemoryCharge reply{&budget};
    EXPECT_FALSE(reply.resize(701));
    EXPECT_TRUE(reply.resize(700));
    MemoryCharge more_work{&budget};
    EXPECT_FALSE(more_work.resize(1));
    MemoryCharge connection{&budget, MemoryBudget::Share::connections};
    EXPECT_TRUE(connection.resize(100));
    EXPECT_FALSE(connection.resize(101));
}

TEST(MemoryBudget, ForcedChargesMayPassTheLimitButAreCounted) {
    MemoryBudget budget{16};
    MemoryCharge status{&budget};
    status.force_resize(20);
    EXPECT_EQ(budget.used(), 20u);
    MemoryCharge more{&budget};
    EXPECT_FALSE(more.resize(1));
    status.release();
    EXPECT_TRUE(more.resize(14));
}

TEST(MemoryBudget, ALowerLimitAfterAReloadRefusesNewCharges) {
    MemoryBudget budget{100};
    MemoryCharge held{&budget};
    ASSERT_TRUE(held.resize(80));
    budget.set_limit(50);
    MemoryCharge next{&budget};
    EXPECT_FALSE(next.resize(1));
    EXPECT_EQ(budget.available(), 0u);
}

TEST(MemoryBudget, WithoutABudgetNothingIsCounted) {
    MemoryCharge free_charge;
    EXPECT_TRUE(free_charge.resize(std::size_t{1} << 40));
}

TEST(BatchPlanLimits, DepthAndNameBytesAreRefused) {
    BatchPlan deep{BatchLimits{3, 1000}};
    EXPECT_EQ(deep.add("a/b/c", false), "");
    EXPECT_NE(deep.add("a/b/c/d", false).find("max_path_depth"), std::string::npos);

    BatchPlan names{BatchLimits{100, 10}};
    EXPECT_EQ(names.add("12345", false), "");
    EXPECT_NE(names.add("678901", false).find("max_batch_name_bytes"), std::string::npos);
}

TEST(BatchPlanLimits, MemoryFollowsNewSegmentsNotPathLengths) {
    // A thousand entries, each a thousand levels deep below the same chain: the old plan kept
    // every ancestor path per entry (about 1 MB each); this one keeps each segment once.
    MemoryBudget budget{64 * 1024 * 1024};
    BatchPlan plan{BatchLimits{1024, std::uint64_t{1} << 40}, MemoryCharge{&budget}};
    std::string chain;
    for (int level = 0; level < 999; ++level) chain += (level ? "/d" : "d");
    for (int i = 0; i < 1000; ++i) {
        ASSERT_EQ(plan.add(chain + "/f" + std::to_string(i), false), "");
    }
    // 999 directories and 1,000 files, about 100 bytes each.
    EXPECT_LT(plan.memory_bytes(), 300u * 1024);
    EXPECT_EQ(budget.used(), plan.memory_bytes());
}

TEST(BatchPlanLimits, ASpentBudgetRefusesMoreNames) {
    MemoryBudget budget{2048};
    BatchPlan plan{BatchLimits{}, MemoryCharge{&budget}};
    std::string why;
    int added = 0;
    while (why.empty() && added < 1000) why = plan.add("f" + std::to_string(added++), false);
    EXPECT_NE(why.find("memory budget"), std::string::npos);
    EXPECT_LT(added, 1000);
    EXPECT_LE(budget.used(), 2048u);
}

TEST(MemoryBudget, SpeedIsSparedOnlyFromAFractionOfTheFreeWorkShare) {
    MemoryBudget budget{8192};  // work share: 7168
    EXPECT_TRUE(budget.can_spare(896, 8));
    EXPECT_FALSE(budget.can_spare(897, 8));
    MemoryCharge used{&budget};
    ASSERT_TRUE(used.resize(6144));  // 1024 of the work share left
    EXPECT_TRUE(budget.can_spare(128, 8));
    EXPECT_FALSE(budget.can_spare(129, 8));
}

}  // namespace
}  // namespace clipshare
