#include "client/progress.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <utility>
#include <vector>

namespace clipshare::client {
namespace {

// One UTF-8 character at `at`: its code point and length; an invalid byte is one character
// of its own (shown by the terminal as one replacement column).
std::pair<char32_t, std::size_t> decode(std::string_view text, std::size_t at) {
    auto byte = static_cast<unsigned char>(text[at]);
    std::size_t length = byte < 0x80           ? 1
                         : (byte >> 5) == 0x6  ? 2
                         : (byte >> 4) == 0xE  ? 3
                         : (byte >> 3) == 0x1E ? 4
                                               : 0;
    if (length == 0 || at + length > text.size()) return {0xFFFD, 1};
    if (length == 1) return {byte, 1};
    char32_t code = byte & (0x7F >> length);
    for (std::size_t i = 1; i < length; ++i) {
        auto next = static_cast<unsigned char>(text[at + i]);
        if ((next & 0xC0) != 0x80) return {0xFFFD, 1};
        code = (code << 6) | (next & 0x3F);
    }
    return {code, length};
}

struct Range {
    char32_t first;
    char32_t last;
};

// Combining marks, variation selectors and zero-width characters take no column.
constexpr std::array<Range, 9> zero_width{{
    {0x0300, 0x036F},
    {0x0483, 0x0489},
    {0x0591, 0x05BD},
    {0x1AB0, 0x1AFF},
    {0x1DC0, 0x1DFF},
    {0x200B, 0x200F},
    {0x20D0, 0x20FF},
    {0xFE00, 0xFE0F},
    {0xFE20, 0xFE2F},
}};

// East Asian Wide and Fullwidth characters (CJK, Hangul, kana, fullwidth forms, emoji).
constexpr std::array<Range, 15> double_width{{
    {0x1100, 0x115F},
    {0x2E80, 0x303E},
    {0x3041, 0x33FF},
    {0x3400, 0x4DBF},
    {0x4E00, 0x9FFF},
    {0xA000, 0xA4CF},
    {0xAC00, 0xD7A3},
    {0xF900, 0xFAFF},
    {0xFE30, 0xFE4F},
    {0xFF00, 0xFF60},
    {0xFFE0, 0xFFE6},
    {0x1F300, 0x1F64F},
    {0x1F900, 0x1F9FF},
    {0x20000, 0x2FFFD},
    {0x30000, 0x3FFFD},
}};

template <std::size_t N>
bool in(const std::array<Range, N>& ranges, char32_t code) {
    return std::any_of(ranges.begin(), ranges.end(), [code](const Range& range) {
        return code >= range.first && code <= range.last;
    });
}

std::size_t columns_of(char32_t code) {
    if (in(zero_width, code)) return 0;
    return in(double_width, code) ? 2 : 1;
}

constexpr std::string_view ellipsis = "\xE2\x80\xA6";  // "…", one column

}  // namespace

std::size_t display_width(std::string_view text) {
    std::size_t width = 0;
    for (std::size_t at = 0; at < text.size();) {
        auto [code, length] = decode(text, at);
        width += columns_of(code);
        at += length;
    }
    return width;
}

std::string fit_to_width(std::string_view text, std::size_t columns) {
    if (display_width(text) <= columns) return std::string{text};
    if (columns == 0) return {};
    // Leave one column for the ellipsis; never stop inside a character.
    std::size_t used = 0;
    std::size_t at = 0;
    while (at < text.size()) {
        auto [code, length] = decode(text, at);
        std::size_t width = columns_of(code);
        if (used + width > columns - 1) break;
        used += width;
        at += length;
    }
    return std::string{text.substr(0, at)} + std::string{ellipsis};
}

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

std::string human_duration(std::int64_t seconds) {
    char text[32];
    if (seconds >= 3600) {
        std::snprintf(
            text, sizeof text, "%lld:%02lld:%02lld", static_cast<long long>(seconds / 3600),
            static_cast<long long>(seconds / 60 % 60), static_cast<long long>(seconds % 60));
    } else {
        std::snprintf(text, sizeof text, "%lld:%02lld", static_cast<long long>(seconds / 60),
                      static_cast<long long>(seconds % 60));
    }
    return text;
}

std::string render_progress(const ProgressView& view, std::size_t width) {
    // Most important first; on a narrow terminal the last ones are left out whole rather
    // than cut ("ETA 0…" says nothing).
    std::vector<std::string> parts{human_size(view.done)};
    if (view.total >= 0) parts.back() += " / " + human_size(view.total);
    if (view.fraction >= 0) {
        parts.push_back(std::to_string(static_cast<int>(std::min(view.fraction, 1.0) * 100)) + "%");
    }
    if (view.rate > 0) parts.push_back(human_size(static_cast<std::int64_t>(view.rate)) + "/s");
    if (view.eta_seconds >= 0) parts.push_back("ETA " + human_duration(view.eta_seconds));
    auto joined = [&parts] {
        std::string text;
        for (const auto& part : parts) text += (text.empty() ? "" : " ") + part;
        return text;
    };
    while (parts.size() > 1 && display_width(joined()) + 1 >= width) parts.pop_back();
    const std::string numbers = joined();

    // Columns: label, then " [bar] " when there is room for a useful bar, then the numbers,
    // which matter most and are kept whole while they fit at all.
    const std::size_t numbers_width = display_width(numbers);
    if (numbers_width + 1 >= width) return fit_to_width(numbers, width);
    std::size_t room = width - numbers_width - 1;  // label (+ bar) before the numbers
    constexpr std::size_t min_bar = 10;
    constexpr std::size_t max_bar = 40;
    constexpr std::size_t min_label = 8;
    std::string bar;
    if (view.fraction >= 0 && room >= min_label + 1 + min_bar + 2) {
        // The label gets what it needs first (up to a point), the bar the rest.
        std::size_t label_wants = std::min(display_width(view.label), room / 2);
        std::size_t bar_width = std::min(max_bar, room - std::max(label_wants, min_label) - 1 - 2);
        auto filled = static_cast<std::size_t>(std::clamp(view.fraction, 0.0, 1.0) *
                                               static_cast<double>(bar_width));
        bar = "[" + std::string(filled, '#') + std::string(bar_width - filled, '.') + "]";
        room -= bar_width + 2 + 1;
    }
    std::string text;
    const std::string counter = view.counter.empty() ? "" : " (" + view.counter + ")";
    if (!counter.empty() && display_width(counter) + 2 <= room) {
        text = fit_to_width(view.label, room - display_width(counter)) + counter;
    } else {
        text = fit_to_width(view.label + counter, room);
    }
    if (!bar.empty()) text += " " + bar;
    return text + " " + numbers;
}

std::string render_progress(const std::string& label, std::int64_t done, std::int64_t total,
                            std::size_t width) {
    ProgressView view;
    view.label = label;
    view.done = done;
    view.total = total;
    if (total >= 0) {
        view.fraction = total == 0 ? 1.0 : static_cast<double>(done) / static_cast<double>(total);
    }
    return render_progress(view, width);
}

Progress Progress::for_stderr(bool quiet) {
    return Progress{!quiet && isatty(STDERR_FILENO) ? stderr : nullptr};
}

void Progress::start(std::string label, std::int64_t total) {
    if (!out_) return;
    label_ = std::move(label);
    total_ = total;
    done_ = 0;
    items_ = 0;
    started_ = Clock::now();
    draw(true);
}

void Progress::start_batch(std::int64_t total_bytes, std::int64_t items) {
    if (!out_) return;
    total_ = total_bytes;
    items_ = std::max<std::int64_t>(items, 1);
    item_index_ = 0;
    done_ = 0;
    started_ = Clock::now();
}

void Progress::item(const std::string& name, std::int64_t size) {
    if (!out_) return;
    ++item_index_;
    item_size_ = size;
    item_done_ = 0;
    label_ = name;
    draw(item_index_ == 1);  // a thousand small files must not mean a thousand redraws
}

void Progress::advance(std::int64_t bytes) {
    if (!out_) return;
    done_ += bytes;
    item_done_ += bytes;
    draw(false);
}

void Progress::finish() {
    if (!out_ || !drawn_) return;
    draw(true);
    std::fputc('\n', out_);
    std::fflush(out_);
    drawn_ = false;
}

ProgressView Progress::view(Clock::time_point now) const {
    ProgressView view;
    view.label = label_;
    if (items_ > 0) view.counter = std::to_string(item_index_) + "/" + std::to_string(items_);
    view.done = done_;
    view.total = total_;
    std::int64_t remaining = -1;
    if (total_ >= 0) {
        view.fraction =
            total_ == 0 ? 1.0 : static_cast<double>(done_) / static_cast<double>(total_);
        remaining = total_ - done_;
    } else if (items_ > 0 && item_index_ > 0) {
        // Sizes arrive file by file: whole files so far, plus the current one's share.
        double current = item_size_ > 0
                             ? static_cast<double>(item_done_) / static_cast<double>(item_size_)
                             : 1.0;
        view.fraction =
            (static_cast<double>(item_index_ - 1) + current) / static_cast<double>(items_);
        // Only the last file's remainder is known for certain.
        if (item_index_ == items_ && item_size_ >= 0) remaining = item_size_ - item_done_;
    }
    // The rate over the whole transfer, once there is enough of it to mean something.
    const double seconds = std::chrono::duration<double>(now - started_).count();
    if (seconds >= 0.5 && done_ > 0) {
        view.rate = static_cast<double>(done_) / seconds;
        if (remaining >= 0) {
            view.eta_seconds =
                static_cast<std::int64_t>(static_cast<double>(remaining) / view.rate + 0.5);
        }
    }
    return view;
}

void Progress::draw(bool force) {
    auto now = Clock::now();
    if (!force && drawn_ && now - last_draw_ < std::chrono::milliseconds(100)) return;
    last_draw_ = now;
    std::size_t width = 80;
    winsize size{};
    if (ioctl(fileno(out_), TIOCGWINSZ, &size) == 0 && size.ws_col > 0) width = size.ws_col;
    // Leave the last column free: some terminals wrap when it is written.
    std::string line = render_progress(view(now), width - 1);
    std::fprintf(out_, "\r%s\033[K", line.c_str());
    std::fflush(out_);
    drawn_ = true;
}

}  // namespace clipshare::client
