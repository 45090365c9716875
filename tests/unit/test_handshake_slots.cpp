// HandshakeSlots on a real libuv loop: the bound, first come first served, one step per loop
// turn, and a stalled holder giving way to a client in line.
#include <gtest/gtest.h>
#include <uv.h>

#include <string>
#include <vector>

#include "net/handshake_slots.hpp"

namespace clipshare {
namespace {

struct Log {
    std::vector<std::string> turns;
    std::vector<std::string> evicted;
};

class FakeHandshake final : public HandshakeSlots::Member {
public:
    FakeHandshake(std::string name, Log& log) : name_(std::move(name)), log_(log) {}
    ~FakeHandshake() = default;
    void on_handshake_turn() override { log_.turns.push_back(name_); }
    void on_handshake_evicted(std::uint64_t) override { log_.evicted.push_back(name_); }

private:
    std::string name_;
    Log& log_;
};

class Slots : public ::testing::Test {
protected:
    void SetUp() override { uv_loop_init(&loop_); }
    void TearDown() override {
        slots_.reset();
        uv_run(&loop_, UV_RUN_DEFAULT);
        uv_loop_close(&loop_);
    }
    HandshakeSlots& make(std::size_t limit) {
        slots_ = std::make_unique<HandshakeSlots>(&loop_, limit);
        return *slots_;
    }
    // Loop turns until nothing is due (the stall timer alone does not count).
    void run_until_quiet() {
        for (int i = 0; i < 100; ++i) uv_run(&loop_, UV_RUN_NOWAIT);
    }

    uv_loop_t loop_{};
    std::unique_ptr<HandshakeSlots> slots_;
    Log log_;
};

TEST_F(Slots, AtMostTheLimitInProgressAndTheLineIsFirstComeFirstServed) {
    auto& slots = make(2);
    FakeHandshake a{"a", log_}, b{"b", log_}, c{"c", log_}, d{"d", log_};
    for (auto* member : {&a, &b, &c, &d}) slots.join(*member);
    run_until_quiet();
    EXPECT_EQ(log_.turns, (std::vector<std::string>{"a", "b"}));
    EXPECT_EQ(slots.in_progress(), 2u);
    EXPECT_EQ(slots.in_line(), 2u);
    slots.leave(b);
    run_until_quiet();
    EXPECT_EQ(log_.turns, (std::vector<std::string>{"a", "b", "c"}));
    slots.leave(d);  // gave up while in line
    slots.leave(a);
    slots.leave(c);
    run_until_quiet();
    EXPECT_EQ(log_.turns.size(), 3u);
    EXPECT_EQ(slots.in_progress(), 0u);
    EXPECT_EQ(slots.in_line(), 0u);
}

TEST_F(Slots, OneStepPerLoopTurn) {
    auto& slots = make(3);
    FakeHandshake a{"a", log_}, b{"b", log_}, c{"c", log_};
    for (auto* member : {&a, &b, &c}) slots.join(*member);
    EXPECT_TRUE(log_.turns.empty());  // never from inside join
    uv_run(&loop_, UV_RUN_NOWAIT);
    EXPECT_EQ(log_.turns.size(), 1u);
    uv_run(&loop_, UV_RUN_NOWAIT);
    EXPECT_EQ(log_.turns.size(), 2u);
    // A holder with new input steps again, behind those already due.
    slots.step_due(a);
    run_until_quiet();
    EXPECT_EQ(log_.turns, (std::vector<std::string>{"a", "b", "c", "a"}));
    for (auto* member : {&a, &b, &c}) slots.leave(*member);
}

TEST_F(Slots, RaisingTheLimitLetsTheLineIn) {
    auto& slots = make(1);
    FakeHandshake a{"a", log_}, b{"b", log_};
    slots.join(a);
    slots.join(b);
    run_until_quiet();
    EXPECT_EQ(log_.turns, (std::vector<std::string>{"a"}));
    slots.set_limit(2);
    run_until_quiet();
    EXPECT_EQ(log_.turns, (std::vector<std::string>{"a", "b"}));
    slots.leave(a);
    slots.leave(b);
}

TEST_F(Slots, AStalledHolderGivesWayToOneInLine) {
    auto& slots = make(1);
    FakeHandshake a{"a", log_}, b{"b", log_};
    slots.join(a);
    run_until_quiet();  // a has its turn and then waits for its client, which never answers
    slots.join(b);
    // The loop runs (its stall timer) until b gets the slot.
    for (int i = 0; i < 1000 && log_.turns.size() < 2; ++i) uv_run(&loop_, UV_RUN_ONCE);
    EXPECT_EQ(log_.evicted, (std::vector<std::string>{"a"}));
    EXPECT_EQ(log_.turns, (std::vector<std::string>{"a", "b"}));
    slots.leave(a);  // what the evicted one does anyway: nothing happens twice
    EXPECT_EQ(slots.in_progress(), 1u);
    slots.leave(b);
}

}  // namespace
}  // namespace clipshare
