#include "clipboard/presets.hpp"

#include <string>

namespace clipshare {
namespace {

DesktopCommand programs(std::initializer_list<Program> alternatives) {
    return program_command(alternatives);
}

Program xclip_out(const char* target = nullptr) {
    Program program{"xclip", "-o", "-selection", "clipboard"};
    if (target != nullptr) program.insert(program.end(), {"-t", target});
    return program;
}

Program xclip_in(const char* target = nullptr) {
    Program program{"xclip", "-i", "-selection", "clipboard"};
    if (target != nullptr) program.insert(program.end(), {"-t", target});
    return program;
}

}  // namespace

DesktopCommands preset_commands(std::string_view preset) {
    DesktopCommands commands;
    if (preset == "x11") {
        commands.get_text = programs({xclip_out()});
        commands.set_text = programs({xclip_in()});
        commands.targets = programs({xclip_out("TARGETS")});
        // File managers differ: GNOME's and KDE's offer the gnome target (which also says
        // copy or cut), others only the standard URI list; xclip fails on a missing target.
        commands.get_files =
            programs({xclip_out("x-special/gnome-copied-files"), xclip_out("text/uri-list")});
        commands.set_files = programs({xclip_in("x-special/gnome-copied-files")});
        commands.get_image = programs({xclip_out("image/png")});
        commands.screenshot =
            programs({{"scrot", "--silent", "--monitor", std::string{monitor_argument}, "-"}});
    } else if (preset == "wayland") {
        commands.get_text = programs({{"wl-paste", "--no-newline", "--type", "text"}});
        commands.set_text = programs({{"wl-copy", "--type", "text/plain"}});
        commands.targets = programs({{"wl-paste", "--list-types"}});
        commands.get_files = programs({{"wl-paste", "--no-newline", "--type", "text/uri-list"}});
        // text/uri-list has no copy/cut line: it is dropped from what the backend writes.
        commands.set_files = programs({{"wl-copy", "--type", "text/uri-list"}});
        commands.set_files.input_without_first_line = true;
        commands.get_image = programs({{"wl-paste", "--type", "image/png"}});
        // grim names outputs, not numbers: the whole desktop, whatever the display.
        commands.screenshot = programs({{"grim", "-t", "png", "-"}});
    }
    return commands;
}

DesktopCommands effective_commands(std::string_view preset, const ClipboardCommands& own) {
    DesktopCommands commands = preset_commands(preset);
    auto take = [](DesktopCommand& slot, const std::string& configured) {
        if (!configured.empty()) slot = shell_command(configured);
    };
    take(commands.get_text, own.get_text);
    take(commands.set_text, own.set_text);
    take(commands.targets, own.targets);
    take(commands.get_files, own.get_files);
    take(commands.set_files, own.set_files);
    take(commands.get_image, own.get_image);
    take(commands.screenshot, own.screenshot);
    return commands;
}

Program with_display(Program program, std::int64_t display) {
    auto monitor = std::to_string(display - 1);
    for (auto& argument : program) {
        if (argument == monitor_argument) argument = monitor;
    }
    return program;
}

std::string_view without_first_line(std::string_view input) {
    auto end = input.find('\n');
    return end == std::string_view::npos ? std::string_view{} : input.substr(end + 1);
}

}  // namespace clipshare
