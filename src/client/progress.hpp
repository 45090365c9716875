// A one-line progress bar on stderr for transfers, drawn only when stderr is a terminal (so
// logs and pipes never fill with carriage returns) and at most ten times a second.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

namespace clipshare::client {

// The bar's text for `done` of `total` bytes (total < 0: unknown) in `width` columns.
std::string render_progress(const std::string& label, std::int64_t done, std::int64_t total,
                            std::size_t width);
// "512 B", "1.5 KiB", "3.2 MiB", ...
std::string human_size(std::int64_t bytes);

class Progress {
public:
    // Draws on `out` when it is non-null; nullptr makes every call a no-op.
    explicit Progress(std::FILE* out) : out_(out) {}
    // stderr when it is a terminal and `quiet` is false, else off.
    static Progress for_stderr(bool quiet);
    ~Progress() { finish(); }
    Progress(const Progress&) = delete;
    Progress& operator=(const Progress&) = delete;

    // A new item on the same line (a batch's files replace one another).
    void start(std::string label, std::int64_t total);
    // Same counters, new label (a batch whose total is known: one bar for all its files).
    void relabel(std::string label);
    void advance(std::int64_t bytes);
    // Ends the line (if one was drawn): after the whole transfer.
    void finish();

private:
    void draw(bool force);

    std::FILE* out_;
    std::string label_;
    std::int64_t total_ = -1;
    std::int64_t done_ = 0;
    bool drawn_ = false;
    std::chrono::steady_clock::time_point last_draw_{};
};

}  // namespace clipshare::client
