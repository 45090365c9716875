// The command backend against a real X server: Xvfb on a display of its own, xclip owning
// the clipboard, and the real clipshared with preset "x11" in between. What is copied on
// the desktop must reach a client, and what a client sends must land on the desktop.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>

#include "daemon_fixture.hpp"
#include "desktop_checks.hpp"
#include "protocol_helpers.hpp"
#include "support/files.hpp"
#include "x_server.hpp"

namespace clipshare::test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr int screen_width = 640;
constexpr int screen_height = 480;

class Desktop : public ::testing::Test {
protected:
    void SetUp() override {
        xclip_ = find_program("xclip");
        if (xclip_.empty()) GTEST_SKIP() << "xclip is not installed (apt-get install xclip)";
        std::string why;
        x_ = XServer::start(screen_width, screen_height, why);
        if (!x_) GTEST_SKIP() << why;
    }

    void start_daemon(const std::string& clipboard_keys = {}) {
        daemon_ =
            Daemon::start("[clipboard]\nbackend = \"command\"\npreset = \"x11\"\n" + clipboard_keys,
                          {}, {}, x_->environment());
    }

    RunResult xclip(std::vector<std::string> args) {
        args.insert(args.begin(), xclip_.string());
        return run_command(args, x_->environment());
    }

    // What the clipboard holds as `target`, as a desktop application would paste it.
    std::string paste(const std::string& target) {
        return xclip({"-o", "-selection", "clipboard", "-t", target}).out;
    }

    // An xclip in the foreground owns the clipboard with `data` as `target` until the test
    // ends; returns once X hands that content out.
    void copy(const std::string& target, const std::string& data) {
        auto file = files_.path() / ("copied-" + std::to_string(owners_.size()));
        write_file(file, data);
        owners_.push_back(std::make_unique<ChildProcess>(
            std::vector<std::string>{xclip_.string(), "-quiet", "-i", "-selection", "clipboard",
                                     "-t", target, file.string()},
            x_->environment()));
        auto got = wait_for_paste(target, data);
        ASSERT_EQ(got, data) << owners_.back()->err();
    }

    // xclip -i takes the clipboard a moment after it exits (it forks first), so what the
    // daemon put there is polled for, with a deadline.
    std::string wait_for_paste(const std::string& target, const std::string& expected) {
        std::string got;
        wait_until([&] { return (got = paste(target)) == expected; }, 10s);
        return got;
    }

    Client request(const Bytes& bytes) {
        auto client = Client::connect(port());
        client.send(bytes);
        return client;
    }

    std::uint16_t port() const { return daemon_->port(); }

    fs::path xclip_;
    std::unique_ptr<XServer> x_;  // goes last: its end makes the daemon's xclips exit too
    std::unique_ptr<Daemon> daemon_;
    std::vector<std::unique_ptr<ChildProcess>> owners_;
    TempDir files_;
};

// ---- from the desktop to a client ----

TEST_F(Desktop, TextCopiedOnTheDesktop) {
    start_daemon();
    copy("UTF8_STRING", "copied on X caf\xc3\xa9\r\nsecond line");
    auto v1 = request({1, 1});
    ReplyReader reply{v1};
    EXPECT_EQ(reply.byte(), 1);
    EXPECT_EQ(reply.byte(), 1);
    EXPECT_EQ(reply.string(), "copied on X caf\xc3\xa9\nsecond line");
    EXPECT_TRUE(reply.ok);
    EXPECT_EQ(v4_fetch_string(port(), {4, 1}), "copied on X caf\xc3\xa9\nsecond line");
    EXPECT_EQ(v4_fetch_string(port(), {4, 124}, 1),  // type: text
              "copied on X caf\xc3\xa9\nsecond line");
}

TEST_F(Desktop, FilesCopiedInAFileManager) {
    start_daemon();
    // Items from different folders, none in working_dir, names that need encoding.
    auto one = files_.path() / "docs" / "caf\xc3\xa9 notes.txt";
    auto folder = files_.path() / "elsewhere" / "photos";
    write_file(one, "1");
    write_file(folder / "sub" / "two.txt", "two");
    fs::create_directories(folder / "empty");
    copy("x-special/gnome-copied-files", "copy\nfile://" + files_.path().string() +
                                             "/docs/caf%C3%A9%20notes.txt\n" + file_uri(folder));
    std::vector<WireEntry> expected{file_entry("caf\xc3\xa9 notes.txt", "1"),
                                    dir_entry("photos/empty"),
                                    file_entry("photos/sub/two.txt", "two")};

    EXPECT_EQ(v4_fetch_entries(port(), {4, 3}), expected);
    // type: files, though the paths are offered as text too
    EXPECT_EQ(v4_fetch_entries(port(), {4, 124}, 2), expected);

    // Version 1 sends top-level regular files only.
    auto v1 = request({1, 3});
    ReplyReader v1_reply{v1};
    EXPECT_EQ(v1_reply.byte(), 1);
    EXPECT_EQ(v1_reply.byte(), 1);
    EXPECT_EQ(v1_reply.entries(), std::vector<WireEntry>{file_entry("caf\xc3\xa9 notes.txt", "1")});
}

TEST_F(Desktop, FilesOfferedOnlyAsAUriList) {
    start_daemon();
    auto file = files_.path() / "plain.txt";
    write_file(file, "plain");
    copy("text/uri-list", "# from a browser\r\n" + file_uri(file) + "\r\n");
    EXPECT_EQ(v4_fetch_entries(port(), {4, 3}),
              std::vector<WireEntry>{file_entry("plain.txt", "plain")});
}

TEST_F(Desktop, ImageCopiedOnTheDesktop) {
    start_daemon();
    copy("image/png", small_png);
    for (std::uint8_t method : {5, 6})
        EXPECT_EQ(v4_fetch_string(port(), {4, method}), small_png) << int{method};
    EXPECT_EQ(v4_fetch_string(port(), {4, 124}, 3), small_png);  // type: image
    // xclip would hand the PNG out as "text" too; the offer says it is not.
    auto text = request({4, 1});
    EXPECT_EQ(text.recv_all(), (Bytes{1, 2}));
}

TEST_F(Desktop, ScreenshotIsAPngOfTheWholeDisplay) {
    start_daemon();
    // Version, "send the display", then "here is the image".
    expect_png_of_size(v4_fetch_string(port(), Bytes{4, 7} + i64_bytes(0), 1), screen_width,
                       screen_height);
    // Get Image with nothing copied falls back to the screenshot.
    expect_png_of_size(v4_fetch_string(port(), {4, 5}), screen_width, screen_height);
}

TEST_F(Desktop, ScreenshotOfADisplayThatIsNotThereIsNoData) {
    start_daemon("client_selects_display = true\n");
    auto client = request(Bytes{4, 7} + i64_bytes(2));
    EXPECT_EQ(client.recv_all(), (Bytes{1, 1, 2}));
    EXPECT_TRUE(daemon_->wait_for_log("clipboard: screenshot command failed"));
    // Display 1 is there.
    EXPECT_GT(v4_fetch_string(port(), Bytes{4, 7} + i64_bytes(1), 1).size(), 24u);
}

TEST_F(Desktop, NothingCopiedIsNoData) {
    start_daemon();
    for (Bytes method : {Bytes{4, 1}, Bytes{4, 3}, Bytes{4, 6}, Bytes{4, 124}}) {
        auto client = request(method);
        EXPECT_EQ(client.recv_all(), (Bytes{1, 2})) << int{method[1]};
    }
    EXPECT_TRUE(daemon_->wait_for_log("clipboard: targets command failed"));
    EXPECT_TRUE(daemon_->running());
}

// ---- from a client to the desktop ----

TEST_F(Desktop, SentTextLandsOnTheDesktop) {
    start_daemon();
    copy("UTF8_STRING", "old");
    v4_upload(port(), send_text_request(4, "sent by a phone\r\n\xf0\x9f\x93\x8b"));
    EXPECT_EQ(wait_for_paste("UTF8_STRING", "sent by a phone\n\xf0\x9f\x93\x8b"),
              "sent by a phone\n\xf0\x9f\x93\x8b");
    // ...and another client gets it back through the desktop.
    EXPECT_EQ(v4_fetch_string(port(), {4, 1}), "sent by a phone\n\xf0\x9f\x93\x8b");
}

TEST_F(Desktop, SentFilesLandOnTheDesktopAsCopy) {
    start_daemon();
    v4_upload(port(), send_files_request(4, {file_entry("my notes.txt", "notes"),
                                             file_entry("album/a.txt", "a")}));
    auto work = daemon_->working_dir().string();
    std::string expected = "copy\nfile://" + work + "/my%20notes.txt\nfile://" + work + "/album";
    EXPECT_EQ(wait_for_paste("x-special/gnome-copied-files", expected), expected);
    EXPECT_TRUE(fs::exists(daemon_->working_dir() / "my notes.txt"));

    // Round trip: the desktop now offers those files, and a client can fetch them.
    EXPECT_EQ(v4_fetch_entries(port(), {4, 3}),
              (std::vector<WireEntry>{file_entry("album/a.txt", "a"),
                                      file_entry("my notes.txt", "notes")}));
}

TEST_F(Desktop, SentFilesLandAsCutWhenConfigured) {
    start_daemon("cut_sent_files = true\n");
    v4_upload(port(), send_files_request(4, {file_entry("moved.txt", "m")}));
    std::string expected = "cut\nfile://" + daemon_->working_dir().string() + "/moved.txt";
    EXPECT_EQ(wait_for_paste("x-special/gnome-copied-files", expected), expected);
}

// ---- without a desktop ----

TEST(DesktopCommands, MissingCommandIsNoDataAndALogLine) {
    auto daemon = Daemon::start(
        "[clipboard]\nbackend = \"command\"\n[clipboard.commands]\nget_text = \"printf hi\"\n");
    auto client = Client::connect(daemon->port());
    client.send(Bytes{4, 7} + i64_bytes(0));
    EXPECT_EQ(client.recv_all(), (Bytes{1, 1, 2}));
    EXPECT_TRUE(daemon->wait_for_log("clipboard: no screenshot command is configured"));

    auto text = Client::connect(daemon->port());
    text.send(Bytes{4, 1});
    ReplyReader reply{text};
    EXPECT_EQ(reply.byte(), 1);
    EXPECT_EQ(reply.byte(), 1);
    EXPECT_EQ(reply.string(), "hi");
    text.send(Bytes{1});
}

TEST(DesktopCommands, CommandBackendWithNothingToRunDoesNotStart) {
    TempDir dir;
    auto config = dir.path() / "clipshared.toml";
    write_file(config, "[clipboard]\nbackend = \"command\"\n");
    auto result = run_command({daemon_binary().string(), "-t", "-c", config.string()});
    EXPECT_EQ(result.exit_status, 1);
    EXPECT_NE(result.err.find(":2: key 'clipboard.backend'"), std::string::npos) << result.err;
}

}  // namespace
}  // namespace clipshare::test
