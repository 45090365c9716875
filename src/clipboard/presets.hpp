// The command lines behind `preset = "x11"` and `preset = "wayland"`, and how explicit
// [clipboard.commands] keys replace them one by one.
#pragma once

#include <string_view>

#include "clipboard/commands.hpp"

namespace clipshare {

// The commands of a preset; all empty for "" or an unknown name.
ClipboardCommands preset_commands(std::string_view preset);

// The preset's commands, each replaced by the configured one (`own`) where that is set.
ClipboardCommands effective_commands(std::string_view preset, const ClipboardCommands& own);

}  // namespace clipshare
