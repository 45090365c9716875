#include "client/desktop_clipboard.hpp"

#include <stdlib.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "client/errors.hpp"
#include "client/program.hpp"
#include "clipboard/presets.hpp"
#include "clipboard/targets.hpp"
#include "clipboard/uri_list.hpp"

namespace clipshare::client {
namespace {

using namespace std::chrono_literals;

// The daemon's limits for the same reads (clipboard/command.cpp).
constexpr std::size_t max_targets_size = 64 * 1024;
constexpr std::size_t max_file_list_size = 8 * 1024 * 1024;
constexpr std::size_t max_content_size = std::size_t{1} << 30;  // the protocol's own limit
constexpr auto clipboard_timeout = 10s;

bool is_png(std::string_view bytes) {
    constexpr std::string_view signature{"\x89PNG\r\n\x1a\n", 8};
    return bytes.size() > signature.size() && bytes.substr(0, signature.size()) == signature;
}

std::string describe(const Program& program) {
    std::string text;
    for (const auto& word : program) text += (text.empty() ? "" : " ") + word;
    return text;
}

// The output of the first of the command's programs that succeeds; nothing when all fail
// (the last failure is kept in `why`). A missing program is an error at once: nothing else
// could read this desktop either.
std::optional<std::string> read_with(const DesktopCommand& command, std::size_t max_output,
                                     std::string& why) {
    for (const auto& program : command.programs) {
        auto result = run_program(program, max_output, clipboard_timeout);
        if (result.ok()) return std::move(result.output);
        why = describe(program) + ": " + result.error +
              (result.diagnostic.empty() ? "" : " (" + result.diagnostic + ")");
        if (result.error.rfind("cannot start ", 0) == 0) fail(Exit::failure, why);
    }
    return std::nullopt;
}

}  // namespace

std::string choose_desktop(const std::string& option, const char* wayland_display,
                           const char* display) {
    if (!option.empty()) return option;
    if (wayland_display != nullptr && *wayland_display != '\0') return "wayland";
    if (display != nullptr && *display != '\0') return "x11";
    fail(Exit::failure,
         "no desktop to read the clipboard from: neither WAYLAND_DISPLAY nor DISPLAY is set "
         "(or give --desktop x11|wayland)");
}

DesktopContent read_desktop_clipboard(const std::string& preset) {
    auto commands = preset_commands(preset);
    std::string why;
    // Like the daemon, nothing is read that is not offered: xclip hands out whatever it
    // holds for any target asked for. A failed targets read is an empty clipboard (xclip
    // fails when nobody owns the selection).
    auto targets = read_with(commands.targets, max_targets_size, why);
    Offer offer = targets ? classify_targets(parse_targets(*targets)) : Offer{};
    for (ContentKind kind : preferred_kinds(offer)) {
        DesktopContent content;
        if (kind == ContentKind::files) {
            auto list = read_with(commands.get_files, max_file_list_size, why);
            auto parsed = list ? parse_file_list(*list) : std::nullopt;
            // Only web links: the clipboard is better sent as text.
            if (!parsed || parsed->paths.empty()) continue;
            content.kind = DesktopContent::Kind::files;
            content.files = std::move(parsed->paths);
            return content;
        }
        if (kind == ContentKind::image) {
            auto png = read_with(commands.get_image, max_content_size, why);
            if (!png || !is_png(*png)) continue;
            content.kind = DesktopContent::Kind::image;
            content.png = std::move(*png);
            return content;
        }
        if (kind == ContentKind::text) {
            auto text = read_with(commands.get_text, max_content_size, why);
            if (!text || text->empty()) continue;
            content.kind = DesktopContent::Kind::text;
            content.text = std::move(*text);
            return content;
        }
    }
    fail(Exit::no_data,
         "the " + preset + " clipboard holds nothing to send" + (why.empty() ? "" : ": " + why));
}

StagedImage::StagedImage(const std::string& png) {
    std::error_code error;
    auto base = std::filesystem::temp_directory_path(error);
    std::string pattern = (error ? std::filesystem::path{"/tmp"} : base) / "clipshare-XXXXXX";
    if (mkdtemp(pattern.data()) == nullptr) {
        fail(Exit::failure, "cannot create a temporary directory for the copied image: " +
                                std::string{std::strerror(errno)});
    }
    dir_ = pattern;
    file_ = dir_ / "clipboard.png";
    std::ofstream out{file_, std::ios::binary};
    out.write(png.data(), static_cast<std::streamsize>(png.size()));
    out.close();
    if (!out) fail(Exit::failure, "cannot write the copied image to " + file_.string());
}

StagedImage::~StagedImage() {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
}

}  // namespace clipshare::client
