// What the protocol needs from a clipboard. The store backend (routers) keeps the content
// itself; the command backend (desktops) asks the desktop's clipboard through commands. Both
// may answer later than they are asked, so every call takes a callback.
//
// The callback rule, for this interface and those of files/transfer.hpp: a completion never
// runs inside the call that asked for it, but on a later turn of the loop. A caller may
// change its state after asking and is never re-entered by its own answer (the session
// keeps no re-entry flags because of it). Backends that know the answer at once are held
// to it by DeferredClipboard (clipboard/deferred_clipboard.hpp).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "files/placed_item.hpp"
#include "util/memory_budget.hpp"

namespace clipshare {

enum class ContentKind { empty, text, files, image };

// Bytes held in memory for replies (the clipboard's text, an image from a command), shared
// by every connection sending them rather than copied per connection; their memory stays
// charged to the daemon's budget until the last holder lets go.
struct ChargedBytes {
    std::string bytes;
    MemoryCharge charge;
};
using SharedBytes = std::shared_ptr<const ChargedBytes>;

inline SharedBytes make_shared_bytes(std::string bytes, MemoryCharge charge = {}) {
    return std::make_shared<const ChargedBytes>(ChargedBytes{std::move(bytes), std::move(charge)});
}

// A PNG either on disk (the store's copied image is a received file) or in memory (from a
// command). Exactly one of the two is set.
struct Image {
    std::filesystem::path file;
    SharedBytes bytes;
    // With `file`: when the clipboard took it (ns since the epoch), which tells it from an
    // image of the same name that came before it without reading it; 0 when unknown.
    std::uint64_t since_ns = 0;
};

class Clipboard {
public:
    using Done = std::function<void(std::string error)>;  // "" on success

    virtual ~Clipboard() = default;

    virtual void kind(std::function<void(ContentKind)> done) = 0;
    // The text with LF line ends, or nothing when the content is not text.
    virtual void get_text(std::function<void(SharedBytes)> done) = 0;
    // `text` is already valid UTF-8 with LF line ends.
    virtual void set_text(SharedBytes text, Done done) = 0;
    // Absolute paths of the copied top-level items; nothing when the content is not files.
    virtual void get_files(
        std::function<void(std::optional<std::vector<std::filesystem::path>>)> done) = 0;
    virtual void set_files(std::vector<PlacedItem> items, Done done) = 0;
    virtual void get_image(std::function<void(std::optional<Image>)> done) = 0;
    // `display` is 1-based; nothing when there is no screen.
    virtual void screenshot(std::int64_t display,
                            std::function<void(std::optional<Image>)> done) = 0;
};

}  // namespace clipshare
