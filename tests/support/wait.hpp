// Waiting for something another process (or thread) does, which we cannot be notified of: a
// port opening, a log line, a file settling. One loop with a deadline for every test.
#pragma once

#include <chrono>
#include <functional>

namespace clipshare::test {

inline constexpr std::chrono::milliseconds default_patience{20'000};

// Checks `condition` until it holds or `patience` has passed; says whether it held. The
// condition is checked once more at the deadline, so a slow machine never loses a last look.
// The pause between checks, `between_looks`, is longer for a condition costly to check.
bool wait_until(const std::function<bool()>& condition,
                std::chrono::milliseconds patience = default_patience,
                std::chrono::milliseconds between_looks = std::chrono::milliseconds{5});

}  // namespace clipshare::test
