// Work for a later turn of the event loop, without naming the loop: the protocol core and
// the backends' adapters defer through this, the server supplies libuv's (server/
// uv_next_turn.hpp) and unit tests a loop they turn by hand.
#pragma once

#include <functional>

namespace clipshare {

class NextTurn {
public:
    // Runs `task` on a later turn, never inside this call; tasks run in the order posted.
    virtual void post(std::function<void()> task) = 0;

protected:
    ~NextTurn() = default;
};

}  // namespace clipshare
