// The wayland preset against a real compositor: a headless sway of the test's own, wl-copy
// owning the clipboard, grim taking screenshots, and the real clipshared in between. The
// same paths as the X11 tests (test_desktop.cpp): text both ways, files as a text/uri-list
// both ways, an image, and a screenshot.
#include <gtest/gtest.h>

#include <chrono>

#include "daemon_fixture.hpp"
#include "protocol_helpers.hpp"
#include "support/files.hpp"
#include "wayland_server.hpp"

namespace clipshare::test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr int screen_width = 640;
constexpr int screen_height = 480;

constexpr char png_head[] = "\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR\0\0\0\x03\0\0\0\x02\x08\x02\0\0\0";
const std::string small_png = std::string(png_head, sizeof png_head - 1) + "rest of the image";

std::uint32_t big_endian32(const std::string& bytes, std::size_t at) {
    std::uint32_t value = 0;
    for (std::size_t i = 0; i < 4; ++i)
        value = value << 8 | static_cast<std::uint8_t>(bytes[at + i]);
    return value;
}

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

    Client request(const Bytes& bytes) {
        auto client = Client::connect(daemon_->port());
        client.send(bytes);
        return client;
    }

    std::string uri(const fs::path& path) { return "file://" + path.string(); }

    std::unique_ptr<WaylandServer> wayland_;  // goes last: its end makes wl-copy's owners exit
    std::unique_ptr<Daemon> daemon_;
    TempDir files_;
};

TEST_F(WaylandDesktop, TextCopiedOnTheDesktop) {
    start_daemon();
    copy("text/plain;charset=utf-8", "copied on Wayland caf\xc3\xa9\r\nsecond line");
    auto client = request({4, 1});
    ReplyReader reply{client};
    EXPECT_EQ(reply.byte(), 1);
    EXPECT_EQ(reply.byte(), 1);
    EXPECT_EQ(reply.string(), "copied on Wayland caf\xc3\xa9\nsecond line");
    client.send(Bytes{1});
    EXPECT_TRUE(reply.ok);
}

TEST_F(WaylandDesktop, SentTextLandsOnTheDesktop) {
    start_daemon();
    auto client = request(send_text_request(4, "sent to Wayland\r\n\xf0\x9f\x93\x8b"));
    client.shutdown_write();
    EXPECT_EQ(client.recv_all(), (Bytes{1, 1, 1}));  // v4: acknowledged once applied
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
         "file://" + files_.path().string() + "/docs/caf%C3%A9%20notes.txt\r\n" + uri(folder));
    auto client = request({4, 3});
    ReplyReader reply{client};
    EXPECT_EQ(reply.byte(), 1);
    EXPECT_EQ(reply.byte(), 1);
    EXPECT_EQ(reply.entries(), (std::vector<WireEntry>{file_entry("caf\xc3\xa9 notes.txt", "1"),
                                                       file_entry("photos/two.txt", "two")}));
    client.send(Bytes{1});
}

// text/uri-list has no copy/cut line: the preset drops it before wl-copy sees the list.
TEST_F(WaylandDesktop, SentFilesLandAsAUriList) {
    start_daemon();
    auto client = request(send_files_request(
        4, {file_entry("my notes.txt", "notes"), file_entry("album/a.txt", "a")}));
    client.shutdown_write();
    EXPECT_EQ(client.recv_all(), (Bytes{1, 1, 1}));
    auto work = daemon_->working_dir().string();
    std::string expected = "file://" + work + "/my%20notes.txt\nfile://" + work + "/album";
    EXPECT_EQ(wait_for_paste("text/uri-list", expected), expected);

    auto getter = request({4, 3});
    ReplyReader reply{getter};
    EXPECT_EQ(reply.byte(), 1);
    EXPECT_EQ(reply.byte(), 1);
    EXPECT_EQ(reply.entries(), (std::vector<WireEntry>{file_entry("album/a.txt", "a"),
                                                       file_entry("my notes.txt", "notes")}));
    getter.send(Bytes{1});
}

TEST_F(WaylandDesktop, ImageCopiedOnTheDesktop) {
    start_daemon();
    copy("image/png", small_png);
    auto client = request({4, 6});
    ReplyReader reply{client};
    EXPECT_EQ(reply.byte(), 1);
    EXPECT_EQ(reply.byte(), 1);
    EXPECT_EQ(reply.string(), small_png);
    client.send(Bytes{1});
    // Only image/png is offered: no text.
    auto text = request({4, 1});
    EXPECT_EQ(text.recv_all(), (Bytes{1, 2}));
}

TEST_F(WaylandDesktop, ScreenshotIsAPngOfTheWholeDesktop) {
    start_daemon();
    auto client = request(Bytes{4, 7} + i64_bytes(0));
    ReplyReader reply{client};
    EXPECT_EQ(reply.byte(), 1);  // version
    EXPECT_EQ(reply.byte(), 1);  // send the display
    EXPECT_EQ(reply.byte(), 1);  // here is the image
    auto png = reply.string();
    ASSERT_GT(png.size(), 24u);
    EXPECT_EQ(png.substr(0, 8), small_png.substr(0, 8));
    EXPECT_EQ(png.substr(12, 4), "IHDR");
    EXPECT_EQ(big_endian32(png, 16), static_cast<std::uint32_t>(screen_width));
    EXPECT_EQ(big_endian32(png, 20), static_cast<std::uint32_t>(screen_height));
    client.send(Bytes{1});
}

}  // namespace
}  // namespace clipshare::test
