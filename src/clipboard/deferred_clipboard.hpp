// Holds a clipboard to the callback rule of clipboard.hpp: an answer its backend gives
// inside the call (the store knows its content at once; a desktop command that is not
// configured fails at once) is delivered on the next loop turn instead. Answers that
// already come later pass straight through.
#pragma once

#include <memory>
#include <utility>

#include "clipboard/clipboard.hpp"
#include "util/next_turn.hpp"

namespace clipshare {

class DeferredClipboard final : public Clipboard {
public:
    DeferredClipboard(Clipboard& backend, NextTurn& next_turn)
        : backend_(backend), next_turn_(next_turn) {}

    void kind(std::function<void(ContentKind)> done) override;
    void get_text(std::function<void(SharedBytes)> done) override;
    void set_text(SharedBytes text, Done done) override;
    void get_files(
        std::function<void(std::optional<std::vector<std::filesystem::path>>)> done) override;
    void set_files(std::vector<PlacedItem> items, Done done) override;
    void get_image(std::function<void(std::optional<Image>)> done) override;
    void screenshot(std::int64_t display, std::function<void(std::optional<Image>)> done) override;

private:
    // Makes `ask(completion)` call `done` on a later turn, whatever the backend does.
    template <typename Ask, typename Done>
    void deferred(Ask ask, Done done) {
        auto returned = std::make_shared<bool>(false);
        ask([this, returned, done = std::move(done)](auto... answer) {
            if (*returned) return done(std::move(answer)...);
            next_turn_.post(
                [done, ... answer = std::move(answer)]() mutable { done(std::move(answer)...); });
        });
        *returned = true;
    }

    Clipboard& backend_;
    NextTurn& next_turn_;
};

}  // namespace clipshare
