// The headless clipboard for routers: the daemon itself holds the current content (text, or
// the top-level items of the last received batch) and keeps it across restarts in
// state_dir/clipboard.state, replaced atomically (write, fsync, rename) on every change.
#pragma once

#include <uv.h>

#include <filesystem>
#include <string>
#include <vector>

#include "clipboard/clipboard.hpp"
#include "util/work_queue.hpp"

namespace clipshare {

class StoreClipboard final : public Clipboard {
public:
    // The text it holds is charged to `budget` (if any) like every other buffer.
    StoreClipboard(uv_loop_t* loop, std::filesystem::path working_dir,
                   std::filesystem::path state_dir, MemoryBudget* budget = nullptr);

    // Creates state_dir (mode 0700) and reads the saved content. Returns "" or a start-up
    // error; a damaged state file is only a warning (the clipboard starts empty).
    std::string load();
    // When the saved state was last written (ns since the epoch; 0 if never): start-up
    // recovery puts a batch on the clipboard only if its commit is newer.
    std::uint64_t saved_at_ns() const;
    // The names (in working_dir) of the current files; none when the content is not files.
    std::vector<std::string> file_names() const;

    void kind(std::function<void(ContentKind)> done) override;
    void get_text(std::function<void(SharedBytes)> done) override;
    void set_text(SharedBytes text, Done done) override;
    void get_files(
        std::function<void(std::optional<std::vector<std::filesystem::path>>)> done) override;
    void set_files(std::vector<PlacedItem> items, Done done) override;
    void get_image(std::function<void(std::optional<Image>)> done) override;
    void screenshot(std::int64_t display, std::function<void(std::optional<Image>)> done) override;

    struct Content {
        ContentKind kind = ContentKind::empty;
        SharedBytes text;  // set when kind is text
        std::vector<PlacedItem> items;
    };
    // The file format, exposed for tests.
    static std::string serialize(const Content& content);
    static bool parse(std::string_view data, Content& content);

private:
    void replace(Content next, Done done);

    std::filesystem::path working_dir_;
    std::filesystem::path state_dir_;
    MemoryBudget* budget_;
    Content content_;
    std::uint64_t changed_ns_ = 0;  // when content_ was saved (an image's Image::since_ns)
    WorkQueue queue_;               // state writes, one after another, in order
};

}  // namespace clipshare
