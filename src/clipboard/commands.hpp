// The command lines the desktop backend runs, one per clipboard operation. The clipboard
// layer owns the type; the config's [clipboard.commands] section is read into it.
#pragma once

#include <string>

namespace clipshare {

struct ClipboardCommands {
    std::string get_text;
    std::string set_text;
    std::string targets;
    std::string get_files;
    std::string set_files;
    std::string get_image;
    std::string screenshot;

    bool operator==(const ClipboardCommands&) const = default;
};

}  // namespace clipshare
