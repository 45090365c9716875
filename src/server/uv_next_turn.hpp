// NextTurn on a libuv loop: an idle handle, active only while tasks wait, runs them on the
// loop's next iteration (and keeps the loop from blocking in poll until it has).
#pragma once

#include <uv.h>

#include <functional>
#include <vector>

#include "util/next_turn.hpp"
#include "util/uv_handle.hpp"

namespace clipshare {

class UvNextTurn final : public NextTurn {
public:
    explicit UvNextTurn(uv_loop_t* loop);

    // Tasks still waiting when this goes are dropped.
    void post(std::function<void()> task) override;

private:
    static void on_idle(uv_idle_t* idle);

    UvHandle<uv_idle_t> idle_;
    std::vector<std::function<void()>> tasks_;
};

}  // namespace clipshare
