// Method codes and which protocol versions define them (SPEC.md section 4); the table itself
// lives in util/method_table.hpp so that config and client derive from it too.
#pragma once

#include "util/method_table.hpp"

namespace clipshare {

inline constexpr int lowest_version = 1;
inline constexpr int highest_version = 4;

}  // namespace clipshare
