// clipshare send-clipboard on a real desktop: what is copied under a private Xvfb (xclip) or
// a headless sway (wl-copy) is read through the presets and sent to the real clipshared
// (store backend), then read back from it with the real client.
#include <gtest/gtest.h>

#include <chrono>

#include "client_process.hpp"
#include "daemon_fixture.hpp"
#include "support/files.hpp"
#include "wayland_server.hpp"
#include "x_server.hpp"

namespace clipshare::test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

const std::string png = std::string("\x89PNG\r\n\x1a\n", 8) + "pretend pixels";

class SendClipboard : public ::testing::Test {
protected:
    void SetUp() override { daemon_ = Daemon::start(""); }

    // `clipshare -p PORT ARGS...` with `desktop` (DISPLAY or WAYLAND_DISPLAY...) added.
    RunResult clipshare(std::vector<std::string> args, std::vector<std::string> desktop) {
        args.insert(args.begin(),
                    {client_binary().string(), "-p", std::to_string(daemon_->port())});
        return run_command(args, desktop, files_.path());
    }

    std::string server_text() {
        auto got = clipshare({"get-text", "127.0.0.1"}, {});
        EXPECT_EQ(got.exit_status, 0) << got.err;
        return got.out;
    }

    std::unique_ptr<Daemon> daemon_;
    TempDir files_;
};

class SendClipboardX11 : public SendClipboard {
protected:
    void SetUp() override {
        xclip_ = find_program("xclip");
        if (xclip_.empty()) GTEST_SKIP() << "xclip is not installed (apt-get install xclip)";
        std::string why;
        x_ = XServer::start(320, 240, why);
        if (!x_) GTEST_SKIP() << why;
        SendClipboard::SetUp();
    }

    // An xclip in the foreground owns the clipboard with `data` as `target`.
    void copy(const std::string& target, const std::string& data) {
        auto file = files_.path() / ("copied-" + std::to_string(owners_.size()));
        write_file(file, data);
        owners_.push_back(std::make_unique<ChildProcess>(
            std::vector<std::string>{xclip_.string(), "-quiet", "-i", "-selection", "clipboard",
                                     "-t", target, file.string()},
            x_->environment()));
        std::string got;
        wait_until(
            [&] {
                got = run_command({xclip_.string(), "-o", "-selection", "clipboard", "-t", target},
                                  x_->environment())
                          .out;
                return got == data;
            },
            10s);
        ASSERT_EQ(got, data);
    }

    // The desktop as the environment names it; WAYLAND_DISPLAY empty, so X11 is chosen.
    RunResult send() {
        auto environment = x_->environment();
        environment.push_back("WAYLAND_DISPLAY=");
        return clipshare({"send-clipboard", "127.0.0.1"}, environment);
    }

    fs::path xclip_;
    std::unique_ptr<XServer> x_;
    std::vector<std::unique_ptr<ChildProcess>> owners_;
};

TEST_F(SendClipboardX11, TextCopiedHereReachesTheServer) {
    copy("UTF8_STRING", "copied on X caf\xc3\xa9\r\nsecond line");
    auto sent = send();
    ASSERT_EQ(sent.exit_status, 0) << sent.err;
    EXPECT_EQ(server_text(), "copied on X caf\xc3\xa9\nsecond line");
}

TEST_F(SendClipboardX11, FilesCopiedInAFileManagerAreSentAsFiles) {
    auto source = files_.path() / "source";
    write_file(source / "my notes.txt", "notes");
    write_file(source / "album" / "a.txt", "a");
    copy("x-special/gnome-copied-files", "copy\nfile://" + source.string() +
                                             "/my%20notes.txt\nfile://" + source.string() +
                                             "/album");
    auto sent = send();
    ASSERT_EQ(sent.exit_status, 0) << sent.err;
    EXPECT_EQ(read_file(daemon_->working_dir() / "my notes.txt"), "notes");
    EXPECT_EQ(read_file(daemon_->working_dir() / "album" / "a.txt"), "a");
    // ...and they are the server's copied files now.
    auto target = files_.path() / "fetched";
    fs::create_directories(target);
    auto got = clipshare({"get-files", "127.0.0.1", target.string()}, {});
    ASSERT_EQ(got.exit_status, 0) << got.err;
    EXPECT_EQ(read_file(target / "album" / "a.txt"), "a");
    EXPECT_EQ(read_file(target / "my notes.txt"), "notes");
}

// No method sends an image: it goes as one file, clipboard.png, which the store also makes
// its copied image.
TEST_F(SendClipboardX11, ImageIsSentAsClipboardPng) {
    copy("image/png", png);
    auto sent = send();
    ASSERT_EQ(sent.exit_status, 0) << sent.err;
    EXPECT_EQ(read_file(daemon_->working_dir() / "clipboard.png"), png);
    auto got = clipshare({"get-image", "--copied", "127.0.0.1", "-"}, {});
    ASSERT_EQ(got.exit_status, 0) << got.err;
    EXPECT_EQ(got.out, png);
}

TEST_F(SendClipboardX11, NothingCopiedIsNoDataAndNothingIsSent) {
    auto sent = send();
    EXPECT_EQ(sent.exit_status, 6) << sent.err;  // no data
    EXPECT_NE(sent.err.find("x11 clipboard holds nothing"), std::string::npos) << sent.err;
    auto got = clipshare({"get-text", "127.0.0.1"}, {});
    EXPECT_EQ(got.exit_status, 6);
}

TEST(SendClipboardWithoutADesktop, SaysSoAndConnectsNowhere) {
    auto sent = run_command({client_binary().string(), "-p", "9", "send-clipboard", "127.0.0.1"},
                            {"DISPLAY=", "WAYLAND_DISPLAY="});
    EXPECT_EQ(sent.exit_status, 1);
    EXPECT_NE(sent.err.find("neither WAYLAND_DISPLAY nor DISPLAY"), std::string::npos) << sent.err;
}

class SendClipboardWayland : public SendClipboard {
protected:
    void SetUp() override {
        for (const char* tool : {"wl-copy", "wl-paste"}) {
            if (find_program(tool).empty())
                GTEST_SKIP() << tool << " is not installed (apt-get install wl-clipboard)";
        }
        std::string why;
        wayland_ = WaylandServer::start(320, 240, why);
        if (!wayland_) GTEST_SKIP() << why;
        SendClipboard::SetUp();
    }

    void copy(const std::string& type, const std::string& data) {
        auto result = run_command({find_program("wl-copy").string(), "--type", type},
                                  wayland_->environment(), {}, data);
        ASSERT_EQ(result.exit_status, 0) << result.err;
        std::string got;
        wait_until(
            [&] {
                got =
                    run_command({find_program("wl-paste").string(), "--no-newline", "--type", type},
                                wayland_->environment())
                        .out;
                return got == data;
            },
            10s, 20ms);
        ASSERT_EQ(got, data);
    }

    std::unique_ptr<WaylandServer> wayland_;
};

// WAYLAND_DISPLAY wins over DISPLAY (a Wayland session has both, for Xwayland).
TEST_F(SendClipboardWayland, TextAndFilesCopiedHereReachTheServer) {
    auto environment = wayland_->environment();
    environment.push_back("DISPLAY=:9999");
    copy("text/plain;charset=utf-8", "copied on Wayland");
    auto sent = clipshare({"send-clipboard", "127.0.0.1"}, environment);
    ASSERT_EQ(sent.exit_status, 0) << sent.err;
    EXPECT_EQ(server_text(), "copied on Wayland");

    auto source = files_.path() / "from wayland.txt";
    write_file(source, "w");
    copy("text/uri-list", "file://" + files_.path().string() + "/from%20wayland.txt\r\n");
    sent = clipshare({"send-clipboard", "127.0.0.1"}, environment);
    ASSERT_EQ(sent.exit_status, 0) << sent.err;
    EXPECT_EQ(read_file(daemon_->working_dir() / "from wayland.txt"), "w");
}

}  // namespace
}  // namespace clipshare::test
