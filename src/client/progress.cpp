#include "client/progress.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>

namespace clipshare::client {

std::string human_size(std::int64_t bytes) {
    static const char* const units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    if (bytes < 1024) return std::to_string(bytes) + " B";
    double value = static_cast<double>(bytes);
    int unit = 0;
    while (value >= 1024 && unit < 6) {
        value /= 1024;
        ++unit;
    }
    char text[32];
    std::snprintf(text, sizeof text, "%.1f %s", value, units[unit]);
    return text;
}

std::string render_progress(const std::string& label, std::int64_t done, std::int64_t total,
                            std::size_t width) {
    std::string numbers = human_size(done);
    if (total >= 0) {
        int percent = total == 0 ? 100 : static_cast<int>(done * 100 / total);
        numbers += " / " + human_size(total) + " " + std::to_string(percent) + "%";
    }
    std::string text = label + " " + numbers;
    // A bar only when the total is known and there is room for a useful one.
    constexpr std::size_t min_bar = 10;
    if (total > 0 && width > text.size() + min_bar + 3) {
        std::size_t bar = std::min<std::size_t>(width - text.size() - 3, 40);
        auto filled = static_cast<std::size_t>(static_cast<double>(done) / total * bar);
        filled = std::min(filled, bar);
        text = label + " [" + std::string(filled, '#') + std::string(bar - filled, '.') + "] " +
               numbers;
    }
    if (text.size() > width) text.resize(width);
    return text;
}

Progress Progress::for_stderr(bool quiet) {
    return Progress{!quiet && isatty(STDERR_FILENO) ? stderr : nullptr};
}

void Progress::start(std::string label, std::int64_t total) {
    if (!out_) return;
    // Each file of a batch redraws the same line; only finish() moves on.
    label_ = std::move(label);
    total_ = total;
    done_ = 0;
    draw(true);
}

void Progress::relabel(std::string label) {
    if (!out_) return;
    label_ = std::move(label);
    draw(false);  // a thousand small files must not mean a thousand redraws
}

void Progress::advance(std::int64_t bytes) {
    if (!out_) return;
    done_ += bytes;
    draw(false);
}

void Progress::finish() {
    if (!out_ || !drawn_) return;
    draw(true);
    std::fputc('\n', out_);
    std::fflush(out_);
    drawn_ = false;
}

void Progress::draw(bool force) {
    auto now = std::chrono::steady_clock::now();
    if (!force && drawn_ && now - last_draw_ < std::chrono::milliseconds(100)) return;
    last_draw_ = now;
    std::size_t width = 80;
    winsize size{};
    if (ioctl(fileno(out_), TIOCGWINSZ, &size) == 0 && size.ws_col > 0) width = size.ws_col;
    // Leave the last column free: some terminals wrap when it is written.
    std::string line = render_progress(label_, done_, total_, width - 1);
    std::fprintf(out_, "\r%s\033[K", line.c_str());
    std::fflush(out_);
    drawn_ = true;
}

}  // namespace clipshare::client
