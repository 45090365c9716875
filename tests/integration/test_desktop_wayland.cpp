// The wayland preset against a real compositor: a headless sway of the test's own, wl-copy
// owning the clipboard, grim taking screenshots, and the real clipshared in between. The
// same paths as the X11 tests (test_desktop.cpp): text both ways, files as a text/uri-list
// both ways, an image, and a screenshot.
#include <gtest/gtest.h>

#include <chrono>

#include "daemon_fixture.hpp"
#include "desktop_checks.hpp"
#include "protocol_helpers.hpp"
#include "support/files.hpp"
#include "wayland_server.hpp"

namespace clipshare::test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr int screen_width = 640;
constexpr int screen_height = 480;

class WaylandDesktop : public ::testing::Test {
protected:
    void SetUp() override {
        for (const char* tool : {"wl-copy", "wl-paste", "grim"}) {
            if (find_program(tool).empty()) {
                GTEST_SKIP() << tool << " is not installed (apt-get install wl-clipboard grim)";
            }
        }
        std::string why;
        wayland_ = WaylandServer::start(screen_width, screen_height, why);
        if (!wayland_) GTEST_SKIP() << why;
    }

    void start_daemon() {
        daemon_ = Daemon::start("[clipboard]\nbackend = \"command\"\npreset = \"wayland\"\n", {},
                                {}, wayland_->environment());
    }

    // What the clipboard holds as `type`, as a desktop application would paste it.
    std::string paste(const std::string& type) {
        return run_command({find_program("wl-paste").string(), "--no-newline", "--type", type},
                           wayland_->environment())
            .out;
    }

    // wl-copy leaves a child behind that owns the clipboard until the compositor stops;
    // returns once the compositor hands that content out.
    void copy(const std::string& type, const std::string& data) {
        auto result = run_command({find_program("wl-copy").string(), "--type", type},
                                  wayland_->environment(), {}, data);
        ASSERT_EQ(result.exit_status, 0) << result.err;
        ASSERT_EQ(wait_for_paste(type, data), data);
    }

    std::string wait_for_paste(const std::string& type, const std::string& expected) {
        std::string got;
        wait_until([&] { return (got = paste(type)) == expected; }, 10s, 20ms);
        return got;
    }

    std::uint16_t port() const { return daemon_->port(); }

    std::unique_ptr<WaylandServer> wayland_;  // goes last: its end makes wl-copy's owners exit
    std::unique_ptr<Daemon> daemon_;
    TempDir files_;
};

TEST_F(WaylandDesktop, TextCopiedOnTheDesktop) {
    start_daemon();
    copy("text/plain;charset=utf-8", "copied on Wayland caf\xc3\xa9\r\nsecond line");
    EXPECT_EQ(v4_fetch_string(port(), {4, 1}), "copied on Wayland caf\xc3\xa9\nsecond line");
}

TEST_F(WaylandDesktop, SentTextLandsOnTheDesktop) {
    start_daemon();
    v4_upload(port(), send_text_request(4, "sent to Wayland\r\n\xf0\x9f\x93\x8b"));
    EXPECT_EQ(wait_for_paste("text/plain", "sent to Wayland\n\xf0\x9f\x93\x8b"),
              "sent to Wayland\n\xf0\x9f\x93\x8b");
}

TEST_F(WaylandDesktop, FilesCopiedAsAUriList) {
    start_daemon();
    auto one = files_.path() / "docs" / "caf\xc3\xa9 notes.txt";
    auto folder = files_.path() / "photos";
    write_file(one, "1");
    write_file(folder / "two.txt", "two");
    copy("text/uri-list",
         "file://" + files_.path().string() + "/docs/caf%C3%A9%20notes.txt\r\n" + file_uri(folder));
    EXPECT_EQ(v4_fetch_entries(port(), {4, 3}),
              (std::vector<WireEntry>{file_entry("caf\xc3\xa9 notes.txt", "1"),
                                      file_entry("photos/two.txt", "two")}));
}

// text/uri-list has no copy/cut line: the preset drops it before wl-copy sees the list.
TEST_F(WaylandDesktop, SentFilesLandAsAUriList) {
    start_daemon();
    v4_upload(port(), send_files_request(4, {file_entry("my notes.txt", "notes"),
                                             file_entry("album/a.txt", "a")}));
    auto work = daemon_->working_dir().string();
    std::string expected = "file://" + work + "/my%20notes.txt\nfile://" + work + "/album";
    EXPECT_EQ(wait_for_paste("text/uri-list", expected), expected);
    EXPECT_EQ(v4_fetch_entries(port(), {4, 3}),
              (std::vector<WireEntry>{file_entry("album/a.txt", "a"),
                                      file_entry("my notes.txt", "notes")}));
}

TEST_F(WaylandDesktop, ImageCopiedOnTheDesktop) {
    start_daemon();
    copy("image/png", small_png);
    EXPECT_EQ(v4_fetch_string(port(), {4, 6}), small_png);
    // Only image/png is offered: no text.
    auto text = Client::connect(port());
    text.send(Bytes{4, 1});
    EXPECT_EQ(text.recv_all(), (Bytes{1, 2}));
}

TEST_F(WaylandDesktop, ScreenshotIsAPngOfTheWholeDesktop) {
    start_daemon();
    // Version, "send the display", then "here is the image".
    expect_png_of_size(v4_fetch_string(port(), Bytes{4, 7} + i64_bytes(0), 1), screen_width,
                       screen_height);
}

}  // namespace
}  // namespace clipshare::test
