// The programs behind `preset = "x11"` and `preset = "wayland"`, and how explicit
// [clipboard.commands] keys replace them one by one. Plain data without libuv: the client's
// send-clipboard reads the local clipboard through the same presets.
#pragma once

#include <cstdint>
#include <string_view>

#include "clipboard/commands.hpp"

namespace clipshare {

// The commands of a preset; all empty for "" or an unknown name.
DesktopCommands preset_commands(std::string_view preset);

// The preset's commands, each replaced by the configured shell line (`own`) where that is set.
DesktopCommands effective_commands(std::string_view preset, const ClipboardCommands& own);

// `program` with monitor_argument replaced by `display` - 1 (the session always names a
// display from 1 on).
Program with_display(Program program, std::int64_t display);

// `input` from its second line on (nothing when it has a single line).
std::string_view without_first_line(std::string_view input);

}  // namespace clipshare
