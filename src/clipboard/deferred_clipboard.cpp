#include "clipboard/deferred_clipboard.hpp"

namespace clipshare {

void DeferredClipboard::kind(std::function<void(ContentKind)> done) {
    deferred([this](auto completion) { backend_.kind(std::move(completion)); }, std::move(done));
}

void DeferredClipboard::get_text(std::function<void(SharedBytes)> done) {
    deferred([this](auto completion) { backend_.get_text(std::move(completion)); },
             std::move(done));
}

void DeferredClipboard::set_text(SharedBytes text, Done done) {
    deferred([this, &text](
                 auto completion) { backend_.set_text(std::move(text), std::move(completion)); },
             std::move(done));
}

void DeferredClipboard::get_files(
    std::function<void(std::optional<std::vector<std::filesystem::path>>)> done) {
    deferred([this](auto completion) { backend_.get_files(std::move(completion)); },
             std::move(done));
}

void DeferredClipboard::set_files(std::vector<PlacedItem> items, Done done) {
    deferred([this, &items](
                 auto completion) { backend_.set_files(std::move(items), std::move(completion)); },
             std::move(done));
}

void DeferredClipboard::get_image(std::function<void(std::optional<Image>)> done) {
    deferred([this](auto completion) { backend_.get_image(std::move(completion)); },
             std::move(done));
}

void DeferredClipboard::screenshot(std::int64_t display,
                                   std::function<void(std::optional<Image>)> done) {
    deferred(
        [this, display](auto completion) { backend_.screenshot(display, std::move(completion)); },
        std::move(done));
}

}  // namespace clipshare
