// What the desktop backend runs, one command per clipboard operation. The config's
// [clipboard.commands] section is read into ClipboardCommands (shell lines the user wrote);
// the backend runs DesktopCommands, where a preset's commands are programs with their
// arguments, spawned without a shell: the shell's own start costs every program run a few
// milliseconds (bench/README.md, "desktop").
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

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

// One program and its arguments, spawned directly (PATH is searched for the program).
using Program = std::vector<std::string>;

// A preset program's argument that stands for the screenshot's monitor: the requested
// display (1-based in the protocol) minus one, as scrot counts Xinerama monitors from 0.
inline constexpr std::string_view monitor_argument = "{monitor}";

struct DesktopCommand {
    // A configured command line, run as /bin/sh -c; when set, `programs` is not used.
    std::string shell;
    // A preset's way: the programs are tried in order until one succeeds, and the last
    // one's failure is the command's. Shell features the presets used to need (`a || b`,
    // arithmetic, `tail | ...`) are these alternatives, monitor_argument and the flag below.
    std::vector<Program> programs;
    // The input is written without its first line (a text/uri-list has no copy/cut line).
    bool input_without_first_line = false;

    bool empty() const { return shell.empty() && programs.empty(); }
    bool operator==(const DesktopCommand&) const = default;
};

inline DesktopCommand shell_command(std::string line) {
    DesktopCommand command;
    command.shell = std::move(line);
    return command;
}

inline DesktopCommand program_command(std::vector<Program> alternatives) {
    DesktopCommand command;
    command.programs = std::move(alternatives);
    return command;
}

struct DesktopCommands {
    DesktopCommand get_text;
    DesktopCommand set_text;
    DesktopCommand targets;
    DesktopCommand get_files;
    DesktopCommand set_files;
    DesktopCommand get_image;
    DesktopCommand screenshot;

    bool operator==(const DesktopCommands&) const = default;
};

}  // namespace clipshare
