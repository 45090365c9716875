#include "clipboard/presets.hpp"

namespace clipshare {

ClipboardCommands preset_commands(std::string_view preset) {
    ClipboardCommands commands;
    if (preset == "x11") {
        commands.get_text = "xclip -o -selection clipboard";
        commands.set_text = "xclip -i -selection clipboard";
        commands.targets = "xclip -o -selection clipboard -t TARGETS";
        // File managers differ: GNOME's and KDE's offer the gnome target (which also says
        // copy or cut), others only the standard URI list.
        commands.get_files =
            "xclip -o -selection clipboard -t x-special/gnome-copied-files 2>/dev/null || "
            "xclip -o -selection clipboard -t text/uri-list";
        commands.set_files = "xclip -i -selection clipboard -t x-special/gnome-copied-files";
        commands.get_image = "xclip -o -selection clipboard -t image/png";
        // Displays are 1-based in the protocol, scrot's Xinerama monitors 0-based.
        commands.screenshot = "scrot --silent --monitor \"$((CLIPSHARE_DISPLAY - 1))\" -";
    } else if (preset == "wayland") {
        commands.get_text = "wl-paste --no-newline --type text";
        commands.set_text = "wl-copy --type text/plain";
        commands.targets = "wl-paste --list-types";
        commands.get_files = "wl-paste --no-newline --type text/uri-list";
        // text/uri-list has no copy/cut line: drop it from what the backend writes.
        commands.set_files = "tail -n +2 | wl-copy --type text/uri-list";
        commands.get_image = "wl-paste --type image/png";
        // grim names outputs, not numbers: the whole desktop, whatever the display.
        commands.screenshot = "grim -t png -";
    }
    return commands;
}

ClipboardCommands effective_commands(std::string_view preset, const ClipboardCommands& own) {
    ClipboardCommands commands = preset_commands(preset);
    auto take = [](std::string& slot, const std::string& configured) {
        if (!configured.empty()) slot = configured;
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

}  // namespace clipshare
