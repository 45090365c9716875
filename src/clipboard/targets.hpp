// What the desktop clipboard offers, read from the `targets` command's output: X11 target
// atoms (xclip -t TARGETS) or Wayland MIME types (wl-paste --list-types), one per line.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "clipboard/clipboard.hpp"

namespace clipshare {

struct Offer {
    bool files = false;  // x-special/gnome-copied-files or text/uri-list
    bool image = false;  // image/png (the only image format the protocol carries)
    bool text = false;   // UTF8_STRING, STRING, TEXT, COMPOUND_TEXT or text/plain[;...]
};

// Lines with surrounding whitespace trimmed; empty lines dropped.
std::vector<std::string> parse_targets(std::string_view output);

Offer classify_targets(const std::vector<std::string>& targets);

// The kinds on offer in the order Get Any prefers them: files, then image, then text (a file
// manager also offers the paths as text, an image viewer may offer a file name).
std::vector<ContentKind> preferred_kinds(const Offer& offer);

}  // namespace clipshare
