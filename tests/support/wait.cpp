#include "support/wait.hpp"

#include <thread>

namespace clipshare::test {

bool wait_until(const std::function<bool()>& condition, std::chrono::milliseconds patience,
                std::chrono::milliseconds between_looks) {
    auto deadline = std::chrono::steady_clock::now() + patience;
    while (!condition()) {
        if (std::chrono::steady_clock::now() >= deadline) return condition();
        std::this_thread::sleep_for(between_looks);
    }
    return true;
}

}  // namespace clipshare::test
