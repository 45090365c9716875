// Info (method 125, SPEC.md section 4.7).
#pragma once

#include <string>
#include <string_view>

namespace clipshare {

inline constexpr std::string_view info_magic = "clip_share";

// v1-v3: exactly "clip_share". v4: "clip_share", then "\nserver_name=NAME" when a name is
// configured (the Android app's scan needs the bare magic, so nothing else is added).
std::string info_payload(int version, std::string_view info_name);

}  // namespace clipshare
