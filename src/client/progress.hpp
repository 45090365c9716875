// A one-line progress bar on stderr for transfers, drawn only when stderr is a terminal (so
// logs and pipes never fill with carriage returns) and at most ten times a second. One bar
// covers a whole batch of files; it is measured in terminal columns, not bytes, so a long or
// CJK name is shortened at a character boundary instead of pushing the numbers off the line.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

namespace clipshare::client {

// What one frame of the bar shows.
struct ProgressView {
    std::string label;
    std::string counter;            // "2/5" in a batch: kept whole when the label is shortened
    std::int64_t done = 0;          // bytes so far, the whole batch
    std::int64_t total = -1;        // bytes in all; -1: unknown (a download's later files)
    double fraction = -1;           // 0..1 for the bar; -1: no bar
    double rate = 0;                // bytes per second; 0: not measured yet
    std::int64_t eta_seconds = -1;  // -1: unknown
};

// The frame's text in at most `width` terminal columns.
std::string render_progress(const ProgressView& view, std::size_t width);
// A single item of `total` bytes (total < 0: unknown), without rate or ETA.
std::string render_progress(const std::string& label, std::int64_t done, std::int64_t total,
                            std::size_t width);
// "512 B", "1.5 KiB", "3.2 MiB", ...
std::string human_size(std::int64_t bytes);
// "0:07", "12:34", "1:02:03".
std::string human_duration(std::int64_t seconds);

// Terminal columns of UTF-8 text: East Asian wide and fullwidth characters count 2,
// combining marks and zero-width characters 0, control bytes and invalid bytes 1 each.
std::size_t display_width(std::string_view text);
// The longest prefix of `text` that fits `columns`, cut between characters, with "…" at the
// end when anything was cut.
std::string fit_to_width(std::string_view text, std::size_t columns);

class Progress {
public:
    using Clock = std::chrono::steady_clock;

    // Draws on `out` when it is non-null; nullptr makes every call a no-op.
    explicit Progress(std::FILE* out) : out_(out) {}
    // stderr when it is a terminal and `quiet` is false, else off.
    static Progress for_stderr(bool quiet);
    ~Progress() { finish(); }
    Progress(const Progress&) = delete;
    Progress& operator=(const Progress&) = delete;

    // One item (an image): its label and size (< 0: unknown).
    void start(std::string label, std::int64_t total);
    // A batch of `items` files of `total_bytes` in all (< 0: unknown, as for a download whose
    // sizes arrive with each file). The bar then advances by bytes when the total is known,
    // else by files plus the current file's share.
    void start_batch(std::int64_t total_bytes, std::int64_t items);
    // The next file of the batch: its name and size.
    void item(const std::string& name, std::int64_t size);
    void advance(std::int64_t bytes);
    // Ends the line (if one was drawn): after the whole transfer.
    void finish();

    // The frame as it would be drawn at `now` (for tests; draw() uses the real clock).
    ProgressView view(Clock::time_point now) const;

private:
    void draw(bool force);

    std::FILE* out_;
    std::string label_;
    std::int64_t total_ = -1;      // the batch's bytes, or the single item's
    std::int64_t done_ = 0;        // the batch's bytes so far
    std::int64_t items_ = 0;       // 0: not a batch
    std::int64_t item_index_ = 0;  // 1-based once item() ran
    std::int64_t item_size_ = -1;
    std::int64_t item_done_ = 0;
    Clock::time_point started_{};
    bool drawn_ = false;
    Clock::time_point last_draw_{};
};

}  // namespace clipshare::client
