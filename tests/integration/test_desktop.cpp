// The command backend against a real X server: Xvfb on a display of its own, xclip owning
// the clipboard, and the real clipshared with preset "x11" in between. What is copied on
// the desktop must reach a client, and what a client sends must land on the desktop.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>

#include "daemon_fixture.hpp"
#include "protocol_helpers.hpp"
#include "support/files.hpp"
#include "x_server.hpp"

namespace clipshare::test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr int screen_width = 640;
constexpr int screen_height = 480;

// A PNG as far as anyone here looks: the signature and an IHDR chunk (3 x 2 pixels).
constexpr char png_head[] = "\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR\0\0\0\x03\0\0\0\x02\x08\x02\0\0\0";
const std::string small_png = std::string(png_head, sizeof png_head - 1) + "rest of the image";

std::uint32_t big_endian32(const std::string& bytes, std::size_t at) {
    std::uint32_t value = 0;
    for (std::size_t i = 0; i < 4; ++i)
        value = value << 8 | static_cast<std::uint8_t>(bytes[at + i]);
    return value;
}

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
        auto client = Client::connect(daemon_->port());
        client.send(bytes);
        return client;
    }

    std::string uri(const fs::path& path) { return "file://" + path.string(); }

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
    for (std::uint8_t version : {1, 4}) {
        auto client = request({version, 1});
        ReplyReader reply{client};
        EXPECT_EQ(reply.byte(), 1);
        EXPECT_EQ(reply.byte(), 1);
        EXPECT_EQ(reply.string(), "copied on X caf\xc3\xa9\nsecond line");
        if (version == 4) client.send(Bytes{1});
        EXPECT_TRUE(reply.ok);
    }
    auto client = request({4, 124});
    ReplyReader reply{client};
    EXPECT_EQ(reply.byte(), 1);
    EXPECT_EQ(reply.byte(), 1);
    EXPECT_EQ(reply.byte(), 1);  // type: text
    EXPECT_EQ(reply.string(), "copied on X caf\xc3\xa9\nsecond line");
    client.send(Bytes{1});
}

TEST_F(Desktop, FilesCopiedInAFileManager) {
    start_daemon();
    // Items from different folders, none in working_dir, names that need encoding.
    auto one = files_.path() / "docs" / "caf\xc3\xa9 notes.txt";
    auto folder = files_.path() / "elsewhere" / "photos";
    write_file(one, "1");
    write_file(folder / "sub" / "two.txt", "two");
    fs::create_directories(folder / "empty");
    copy("x-special/gnome-copied-files",
         "copy\nfile://" + files_.path().string() + "/docs/caf%C3%A9%20notes.txt\n" + uri(folder));
    std::vector<WireEntry> expected{file_entry("caf\xc3\xa9 notes.txt", "1"),
                                    dir_entry("photos/empty"),
                                    file_entry("photos/sub/two.txt", "two")};

    auto client = request({4, 3});
    ReplyReader reply{client};
    EXPECT_EQ(reply.byte(), 1);
    EXPECT_EQ(reply.byte(), 1);
    EXPECT_EQ(reply.entries(), expected);
    client.send(Bytes{1});

    auto any = request({4, 124});
    ReplyReader any_reply{any};
    EXPECT_EQ(any_reply.byte(), 1);
    EXPECT_EQ(any_reply.byte(), 1);
    EXPECT_EQ(any_reply.byte(), 2);  // type: files, though the paths are offered as text too
    EXPECT_EQ(any_reply.entries(), expected);
    any.send(Bytes{1});

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
    copy("text/uri-list", "# from a browser\r\n" + uri(file) + "\r\n");
    auto client = request({4, 3});
    ReplyReader reply{client};
    EXPECT_EQ(reply.byte(), 1);
    EXPECT_EQ(reply.byte(), 1);
    EXPECT_EQ(reply.entries(), std::vector<WireEntry>{file_entry("plain.txt", "plain")});
    client.send(Bytes{1});
}

TEST_F(Desktop, ImageCopiedOnTheDesktop) {
    start_daemon();
    copy("image/png", small_png);
    for (std::uint8_t method : {5, 6}) {
        auto client = request({4, method});
        ReplyReader reply{client};
        EXPECT_EQ(reply.byte(), 1);
        EXPECT_EQ(reply.byte(), 1);
        EXPECT_EQ(reply.string(), small_png) << int{method};
        client.send(Bytes{1});
    }
    auto client = request({4, 124});
    ReplyReader reply{client};
    EXPECT_EQ(reply.byte(), 1);
    EXPECT_EQ(reply.byte(), 1);
    EXPECT_EQ(reply.byte(), 3);  // type: image
    EXPECT_EQ(reply.string(), small_png);
    client.send(Bytes{1});
    // xclip would hand the PNG out as "text" too; the offer says it is not.
    auto text = request({4, 1});
    EXPECT_EQ(text.recv_all(), (Bytes{1, 2}));
}

TEST_F(Desktop, ScreenshotIsAPngOfTheWholeDisplay) {
    start_daemon();
    auto check = [](ReplyReader& reply) {
        auto png = reply.string();
        ASSERT_GT(png.size(), 24u);
        EXPECT_EQ(png.substr(0, 8), small_png.substr(0, 8));
        EXPECT_EQ(png.substr(12, 4), "IHDR");
        EXPECT_EQ(big_endian32(png, 16), static_cast<std::uint32_t>(screen_width));
        EXPECT_EQ(big_endian32(png, 20), static_cast<std::uint32_t>(screen_height));
    };
    auto client = request(Bytes{4, 7} + i64_bytes(0));
    ReplyReader reply{client};
    EXPECT_EQ(reply.byte(), 1);  // version
    EXPECT_EQ(reply.byte(), 1);  // send the display
    EXPECT_EQ(reply.byte(), 1);  // here is the image
    check(reply);
    client.send(Bytes{1});

    // Get Image with nothing copied falls back to the screenshot.
    auto image = request({4, 5});
    ReplyReader image_reply{image};
    EXPECT_EQ(image_reply.byte(), 1);
    EXPECT_EQ(image_reply.byte(), 1);
    check(image_reply);
    image.send(Bytes{1});
}

TEST_F(Desktop, ScreenshotOfADisplayThatIsNotThereIsNoData) {
    start_daemon("client_selects_display = true\n");
    auto client = request(Bytes{4, 7} + i64_bytes(2));
    EXPECT_EQ(client.recv_all(), (Bytes{1, 1, 2}));
    EXPECT_TRUE(daemon_->wait_for_log("clipboard: screenshot command failed"));
    // Display 1 is there.
    auto first = request(Bytes{4, 7} + i64_bytes(1));
    ReplyReader reply{first};
    EXPECT_EQ(reply.byte(), 1);
    EXPECT_EQ(reply.byte(), 1);
    EXPECT_EQ(reply.byte(), 1);
    EXPECT_GT(reply.string().size(), 24u);
    first.send(Bytes{1});
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
    auto client = request(send_text_request(4, "sent by a phone\r\n\xf0\x9f\x93\x8b"));
    client.shutdown_write();
    EXPECT_EQ(client.recv_all(), (Bytes{1, 1, 1}));  // v4: acknowledged once applied
    EXPECT_EQ(wait_for_paste("UTF8_STRING", "sent by a phone\n\xf0\x9f\x93\x8b"),
              "sent by a phone\n\xf0\x9f\x93\x8b");
    // ...and another client gets it back through the desktop.
    auto getter = request({4, 1});
    ReplyReader reply{getter};
    EXPECT_EQ(reply.byte(), 1);
    EXPECT_EQ(reply.byte(), 1);
    EXPECT_EQ(reply.string(), "sent by a phone\n\xf0\x9f\x93\x8b");
    getter.send(Bytes{1});
}

TEST_F(Desktop, SentFilesLandOnTheDesktopAsCopy) {
    start_daemon();
    auto client = request(send_files_request(
        4, {file_entry("my notes.txt", "notes"), file_entry("album/a.txt", "a")}));
    client.shutdown_write();
    EXPECT_EQ(client.recv_all(), (Bytes{1, 1, 1}));  // v4: acknowledged once applied
    auto work = daemon_->working_dir().string();
    std::string expected = "copy\nfile://" + work + "/my%20notes.txt\nfile://" + work + "/album";
    EXPECT_EQ(wait_for_paste("x-special/gnome-copied-files", expected), expected);
    EXPECT_TRUE(fs::exists(daemon_->working_dir() / "my notes.txt"));

    // Round trip: the desktop now offers those files, and a client can fetch them.
    auto getter = request({4, 3});
    ReplyReader reply{getter};
    EXPECT_EQ(reply.byte(), 1);
    EXPECT_EQ(reply.byte(), 1);
    EXPECT_EQ(reply.entries(), (std::vector<WireEntry>{file_entry("album/a.txt", "a"),
                                                       file_entry("my notes.txt", "notes")}));
    getter.send(Bytes{1});
}

TEST_F(Desktop, SentFilesLandAsCutWhenConfigured) {
    start_daemon("cut_sent_files = true\n");
    auto client = request(send_files_request(4, {file_entry("moved.txt", "m")}));
    client.shutdown_write();
    EXPECT_EQ(client.recv_all(), (Bytes{1, 1, 1}));  // v4: acknowledged once applied
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
