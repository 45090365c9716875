// The desktop clipboard, reached through commands (xclip on X11, wl-clipboard on Wayland):
// every operation runs a preset's programs or a configured command line with CommandRun
// (commands.hpp), so the loop never waits
// for the desktop. A command that is missing, fails, times out or prints too much means "no
// data" for a read and is logged; the daemon itself never depends on it.
//
// Reads are checked against what the clipboard offers (the `targets` command) before they
// are made, because xclip answers a request for any target with whatever it holds: without
// the check, text a client sent could come back as a "file list" naming any file on disk.
#pragma once

#include <uv.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "clipboard/clipboard.hpp"
#include "clipboard/commands.hpp"
#include "clipboard/process.hpp"
#include "clipboard/targets.hpp"
#include "util/callback_guard.hpp"

namespace clipshare {

class CommandClipboard final : public Clipboard {
public:
    // `commands` are the effective ones (presets.hpp); received files are named relative to
    // `working_dir`, which must be absolute.
    // What commands print is charged to `budget` (if any) while it is held.
    CommandClipboard(uv_loop_t* loop, std::filesystem::path working_dir, DesktopCommands commands,
                     std::int64_t max_text_length, bool cut_sent_files,
                     MemoryBudget* budget = nullptr);
    // Kills the commands still running; their callers are not answered.
    ~CommandClipboard() override;

    // What a reload may change; the commands themselves need a restart.
    void reconfigure(std::int64_t max_text_length, bool cut_sent_files);
    // Kills every running command (shutting down); their callers are not answered.
    void cancel_all();

    void kind(std::function<void(ContentKind)> done) override;
    void get_text(std::function<void(SharedBytes)> done) override;
    void set_text(SharedBytes text, Done done) override;
    void get_files(
        std::function<void(std::optional<std::vector<std::filesystem::path>>)> done) override;
    void set_files(std::vector<PlacedItem> items, Done done) override;
    void get_image(std::function<void(std::optional<Image>)> done) override;
    void screenshot(std::int64_t display, std::function<void(std::optional<Image>)> done) override;

private:
    using Output = std::function<void(std::optional<std::vector<std::uint8_t>>)>;
    using Paths = std::optional<std::vector<std::filesystem::path>>;

    // Runs `command` (the operation `name`); nothing when it is not configured or failed.
    void run(const char* name, const DesktopCommand& command, CommandSpec spec, Output done);
    // Runs programs[index], and the next one if that fails.
    void run_program(const char* name, std::vector<Program> programs, std::size_t index,
                     CommandSpec spec, Output done);
    void launch(CommandSpec spec, std::function<void(CommandOutcome)> on_outcome);
    // What the clipboard offers; nothing when no targets command is configured.
    void offered(std::function<void(std::optional<Offer>)> done);
    void fetch_text(std::function<void(SharedBytes)> done);
    // `output` as shared bytes on the budget; nothing when the budget has no room.
    SharedBytes shared(const std::vector<std::uint8_t>& output, const char* name);
    void fetch_files(std::function<void(Paths)> done);
    void fetch_image(std::function<void(std::optional<Image>)> done);
    void first_available(std::vector<ContentKind> kinds, std::size_t index,
                         std::function<void(ContentKind)> done);
    void probe(std::function<void(ContentKind)> done);

    uv_loop_t* loop_;
    std::filesystem::path working_dir_;
    DesktopCommands commands_;
    std::int64_t max_text_length_;
    bool cut_sent_files_;
    MemoryBudget* budget_;
    std::vector<std::weak_ptr<CommandRun>> running_;
    CallbackGuard guard_;
};

// The top-level items of a desktop file list as Get Files serves them: each is named by its
// last segment, so two items with the same name would clash; the first one is kept. Exposed
// for tests.
std::vector<std::filesystem::path> distinct_roots(std::vector<std::filesystem::path> paths);

}  // namespace clipshare
