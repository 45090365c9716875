// The progress bar as a terminal shows it: measured in columns (CJK characters take two, a
// name is never cut inside a character), with rate and ETA, and one bar for a whole batch.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "client/progress.hpp"

namespace clipshare::client {
namespace {

using namespace std::chrono_literals;

// Every byte sequence the bar prints must be valid UTF-8: a cut character would show as
// garbage (or swallow the following text) on the terminal.
bool valid_utf8(const std::string& text) {
    for (std::size_t at = 0; at < text.size();) {
        auto byte = static_cast<unsigned char>(text[at]);
        std::size_t length = byte < 0x80           ? 1
                             : (byte >> 5) == 0x6  ? 2
                             : (byte >> 4) == 0xE  ? 3
                             : (byte >> 3) == 0x1E ? 4
                                                   : 0;
        if (length == 0 || at + length > text.size()) return false;
        for (std::size_t i = 1; i < length; ++i) {
            if ((static_cast<unsigned char>(text[at + i]) & 0xC0) != 0x80) return false;
        }
        at += length;
    }
    return true;
}

TEST(DisplayWidth, CountsColumnsNotBytes) {
    EXPECT_EQ(display_width("abc"), 3u);
    EXPECT_EQ(display_width("日本語"), 6u);     // CJK: two columns each, 9 bytes
    EXPECT_EQ(display_width("한국"), 4u);       // Hangul syllables
    EXPECT_EQ(display_width("e\xCC\x81"), 1u);  // e + combining acute accent
    EXPECT_EQ(display_width("ｆｕｌｌ"), 8u);   // fullwidth forms
    EXPECT_EQ(display_width("\xFF"
                            "a"),
              2u);  // an invalid byte is one column
}

TEST(DisplayWidth, FittingCutsBetweenCharactersWithAnEllipsis) {
    EXPECT_EQ(fit_to_width("short", 10), "short");
    EXPECT_EQ(fit_to_width("abcdefgh", 5), "abcd\xE2\x80\xA6");
    // 5 columns: two CJK characters (4) and the ellipsis (1); a third would not fit.
    auto cut = fit_to_width("日本語のファイル", 5);
    EXPECT_EQ(cut, "日本\xE2\x80\xA6");
    EXPECT_TRUE(valid_utf8(cut));
    EXPECT_LE(display_width(cut), 5u);
    // 4 columns: only one CJK character fits beside the ellipsis.
    EXPECT_EQ(fit_to_width("日本語", 4), "日\xE2\x80\xA6");
}

TEST(ProgressText, LongAndCjkNamesNeverPushTheNumbersOff) {
    for (std::string name : {std::string(300, 'x'), std::string{"写真"} + std::string(50, 'x'),
                             std::string(60, '\xE5') /* invalid bytes */,
                             std::string{"とても長いファイルの名前とても長いファイルの名前.png"}}) {
        for (std::size_t width : {20u, 40u, 79u}) {
            ProgressView view{name, "3/7", 512 * 1024, 1024 * 1024, 0.5, 2.0 * 1024 * 1024, 5};
            auto line = render_progress(view, width);
            EXPECT_LE(display_width(line), width);
            EXPECT_TRUE(valid_utf8(line) || name[0] == '\xE5');
            // Printed only when valid: meson's test log is XML and refuses stray bytes.
            const std::string shown = name[0] == '\xE5' ? std::string{"(invalid bytes)"} : line;
            if (width >= 79) {
                EXPECT_NE(line.find("(3/7)"), std::string::npos) << shown;
            }
            if (width >= 79) {
                EXPECT_NE(line.find("512.0 KiB / 1.0 MiB 50% 2.0 MiB/s ETA 0:05"),
                          std::string::npos)
                    << shown;
            } else {
                // Narrow: whole parts are left out from the end, never cut.
                EXPECT_NE(line.find("512.0 KiB / 1.0 MiB"), std::string::npos) << shown;
                EXPECT_EQ(line.find("ETA 0\xE2\x80\xA6"), std::string::npos) << shown;
            }
        }
    }
}

TEST(ProgressText, BarRateAndEta) {
    ProgressView view{"a.txt", "", 50, 100, 0.5, 0, -1};
    auto line = render_progress(view, 80);
    EXPECT_NE(line.find("[####"), std::string::npos) << line;
    EXPECT_NE(line.find("50%"), std::string::npos) << line;
    EXPECT_EQ(line.find("/s"), std::string::npos) << "no rate before it is measured";
    EXPECT_EQ(human_duration(7), "0:07");
    EXPECT_EQ(human_duration(754), "12:34");
    EXPECT_EQ(human_duration(3723), "1:02:03");
}

// A batch is one bar: the counters run on across files instead of starting over.
TEST(ProgressBatch, UploadOfKnownSizeIsOneBarWithEta) {
    std::FILE* sink = std::tmpfile();
    ASSERT_NE(sink, nullptr);
    {
        Progress progress{sink};
        progress.start_batch(400, 2);
        auto begun = std::chrono::steady_clock::now();
        progress.item("one", 200);
        progress.advance(200);
        progress.item("two", 200);
        progress.advance(100);
        auto view = progress.view(begun + 3s);
        EXPECT_EQ(view.done, 300);
        EXPECT_EQ(view.total, 400);
        EXPECT_DOUBLE_EQ(view.fraction, 0.75);
        EXPECT_EQ(view.label, "two");
        EXPECT_EQ(view.counter, "2/2");
        EXPECT_GT(view.rate, 0);
        // 300 bytes in about 3 s: the last 100 take about 1 s.
        EXPECT_GE(view.eta_seconds, 1);
        EXPECT_LE(view.eta_seconds, 2);
    }
    std::fclose(sink);
}

TEST(ProgressBatch, DownloadOfUnknownTotalAdvancesByFiles) {
    std::FILE* sink = std::tmpfile();
    ASSERT_NE(sink, nullptr);
    {
        Progress progress{sink};
        progress.start_batch(-1, 4);
        auto begun = std::chrono::steady_clock::now();
        progress.item("a", 100);
        progress.advance(100);
        progress.item("b", 100);
        progress.advance(50);
        auto view = progress.view(begun + 2s);
        EXPECT_EQ(view.done, 150) << "bytes count across files";
        EXPECT_EQ(view.total, -1);
        EXPECT_DOUBLE_EQ(view.fraction, 1.5 / 4);
        EXPECT_EQ(view.eta_seconds, -1) << "later files' sizes are unknown";
        progress.item("c", 10);
        progress.advance(10);
        progress.item("d", 1000);
        view = progress.view(begun + 2s);
        EXPECT_EQ(view.counter, "4/4");
        EXPECT_GE(view.eta_seconds, 0) << "the last file's remainder is known";
    }
    std::fclose(sink);
}

}  // namespace
}  // namespace clipshare::client
