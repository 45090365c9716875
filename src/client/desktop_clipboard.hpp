// What `clipshare send-clipboard` sends: the local desktop clipboard, read through the
// daemon's own presets (clipboard/presets.hpp: xclip on X11, wl-paste on Wayland) and chosen
// the way the daemon's Get Any chooses: files, then an image, then text, by what the
// clipboard offers. The programs run here with run_program, not the daemon's libuv runner.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace clipshare::client {

// The preset to read with: `option` (--desktop) when given, else "wayland" when
// WAYLAND_DISPLAY is set, else "x11" when DISPLAY is. Throws ClientError(failure) when
// there is no desktop to read. The variables are parameters so that tests can choose them.
std::string choose_desktop(const std::string& option, const char* wayland_display,
                           const char* display);

struct DesktopContent {
    enum class Kind { text, files, image } kind = Kind::text;
    std::string text;                          // text
    std::vector<std::filesystem::path> files;  // files: the copied items, absolute
    std::string png;                           // image: a PNG
};

// Reads the clipboard with `preset`'s commands. Throws ClientError: no_data when it holds
// nothing we can send, failure when a program is missing or fails.
DesktopContent read_desktop_clipboard(const std::string& preset);

// The protocol has no method that sends an image: a copied image goes as a one-file batch
// named clipboard.png (which a store server also makes its copied image). This holds that
// file in a private temporary directory, removed when it goes.
class StagedImage {
public:
    explicit StagedImage(const std::string& png);
    ~StagedImage();
    StagedImage(const StagedImage&) = delete;
    StagedImage& operator=(const StagedImage&) = delete;
    const std::filesystem::path& file() const { return file_; }

private:
    std::filesystem::path dir_;
    std::filesystem::path file_;
};

}  // namespace clipshare::client
