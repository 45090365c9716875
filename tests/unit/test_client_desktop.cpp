// clipshare send-clipboard without a desktop: its command line, which desktop it reads,
// the blocking program runner, and the choice of what to send, made against a stand-in
// xclip on PATH that answers the way the real one does.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <optional>

#include "client/cli.hpp"
#include "client/desktop_clipboard.hpp"
#include "client/errors.hpp"
#include "client/program.hpp"
#include "support/files.hpp"
#include "support/temp_dir.hpp"

namespace clipshare::client {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// ---- the command line ----

TEST(SendClipboardCommandLine, HostAndDesktop) {
    auto parsed = parse_command_line({"send-clipboard", "router.lan"});
    ASSERT_TRUE(parsed.options) << parsed.error;
    EXPECT_EQ(parsed.options->command, Command::send_clipboard);
    EXPECT_EQ(parsed.options->host, "router.lan");
    EXPECT_EQ(parsed.options->desktop, "");

    parsed = parse_command_line({"--desktop", "wayland", "send-clipboard", "h"});
    ASSERT_TRUE(parsed.options) << parsed.error;
    EXPECT_EQ(parsed.options->desktop, "wayland");
    parsed = parse_command_line({"send-clipboard", "h", "--desktop=x11"});
    ASSERT_TRUE(parsed.options) << parsed.error;
    EXPECT_EQ(parsed.options->desktop, "x11");
}

TEST(SendClipboardCommandLine, Errors) {
    auto error = [](std::vector<std::string> arguments) {
        auto parsed = parse_command_line(arguments);
        EXPECT_FALSE(parsed.options);
        return parsed.error;
    };
    EXPECT_NE(error({"send-clipboard"}).find("needs a HOST"), std::string::npos);
    EXPECT_NE(error({"send-clipboard", "h", "extra"}).find("'extra'"), std::string::npos);
    EXPECT_NE(error({"send-clipboard", "h", "--desktop", "mac"}).find("x11 or wayland"),
              std::string::npos);
    EXPECT_NE(error({"send-text", "h", "--desktop", "x11"}).find("send-clipboard command only"),
              std::string::npos);
}

// ---- which desktop ----

TEST(ChooseDesktop, OptionThenWaylandThenX11) {
    EXPECT_EQ(choose_desktop("x11", "wayland-0", ":0"), "x11");
    EXPECT_EQ(choose_desktop("", "wayland-0", ":0"), "wayland");
    EXPECT_EQ(choose_desktop("", "", ":0"), "x11");
    EXPECT_EQ(choose_desktop("", nullptr, ":1"), "x11");
    try {
        choose_desktop("", nullptr, "");
        ADD_FAILURE() << "no desktop, yet one was chosen";
    } catch (const ClientError& failure) {
        EXPECT_EQ(failure.code(), Exit::failure);
    }
}

// ---- the program runner ----

TEST(RunProgram, OutputWithoutAShell) {
    auto result = run_program({"printf", "%s|%s", "$HOME", "a b"}, 100, 10s);
    EXPECT_TRUE(result.ok()) << result.error;
    EXPECT_EQ(result.output, "$HOME|a b");
}

TEST(RunProgram, FailuresSayWhy) {
    auto status = run_program({"sh", "-c", "printf half; echo 'bad target' >&2; exit 3"}, 100, 10s);
    EXPECT_EQ(status.error, "exit status 3");
    EXPECT_EQ(status.diagnostic, "bad target");
    EXPECT_TRUE(status.output.empty());

    auto missing = run_program({"clipshare-no-such-program"}, 100, 10s);
    EXPECT_EQ(missing.error.rfind("cannot start clipshare-no-such-program: ", 0), 0u)
        << missing.error;

    auto big = run_program({"head", "-c", "101", "/dev/zero"}, 100, 10s);
    EXPECT_EQ(big.error, "output larger than 100 bytes");
    auto exact = run_program({"head", "-c", "100", "/dev/zero"}, 100, 10s);
    EXPECT_TRUE(exact.ok()) << exact.error;
    EXPECT_EQ(exact.output.size(), 100u);

    auto slow = run_program({"sleep", "30"}, 100, 200ms);
    EXPECT_EQ(slow.error, "timed out after 200 ms");
}

// ---- what is sent ----

// A stand-in for xclip first on PATH: `xclip -o -selection clipboard [-t TARGET]` prints
// the file named after the target (TEXT without -t) from a directory, and fails like xclip
// when that target is not there.
class FakeX11 : public ::testing::Test {
protected:
    void SetUp() override {
        auto xclip = dir_.path() / "xclip";
        test::write_file(xclip,
                         "#!/bin/sh\n"
                         "target=TEXT\n"
                         "[ \"$4\" = -t ] && target=$(printf %s \"$5\" | tr / _)\n"
                         "file='" +
                             (dir_.path() / "offers").string() +
                             "'/$target\n"
                             "[ -f \"$file\" ] || { echo \"Error: target $target not available\" "
                             ">&2; exit 1; }\n"
                             "cat \"$file\"\n");
        fs::permissions(xclip, fs::perms::owner_all);
        fs::create_directories(dir_.path() / "offers");
        const char* path = std::getenv("PATH");
        old_path_ = path ? path : "";
        ::setenv("PATH", (dir_.path().string() + ":" + old_path_).c_str(), 1);
    }
    void TearDown() override { ::setenv("PATH", old_path_.c_str(), 1); }

    void offer(std::string target, const std::string& content) {
        for (auto& c : target)
            if (c == '/') c = '_';
        test::write_file(dir_.path() / "offers" / target, content);
    }

    static std::optional<Exit> failure_of(const std::string& preset) {
        try {
            read_desktop_clipboard(preset);
        } catch (const ClientError& failure) {
            return failure.code();
        }
        return std::nullopt;
    }

    test::TempDir dir_;
    std::string old_path_;
};

TEST_F(FakeX11, TextIsSentAsText) {
    offer("TARGETS", "TARGETS\nUTF8_STRING\n");
    offer("TEXT", "copied words");
    auto content = read_desktop_clipboard("x11");
    EXPECT_EQ(content.kind, DesktopContent::Kind::text);
    EXPECT_EQ(content.text, "copied words");
}

TEST_F(FakeX11, FilesComeBeforeTextAndTheGnomeListBeforeTheUriList) {
    offer("TARGETS", "TARGETS\nx-special/gnome-copied-files\ntext/uri-list\nUTF8_STRING\n");
    offer("x-special/gnome-copied-files", "copy\nfile:///srv/one%20two\nfile:///srv/dir");
    offer("text/uri-list", "file:///elsewhere\n");
    offer("TEXT", "/srv/one two");
    auto content = read_desktop_clipboard("x11");
    EXPECT_EQ(content.kind, DesktopContent::Kind::files);
    EXPECT_EQ(content.files, (std::vector<fs::path>{"/srv/one two", "/srv/dir"}));
}

TEST_F(FakeX11, OnlyAUriListIsEnoughForFiles) {
    offer("TARGETS", "TARGETS\ntext/uri-list\n");
    offer("text/uri-list", "# comment\r\nfile:///srv/a\r\n");
    auto content = read_desktop_clipboard("x11");
    EXPECT_EQ(content.kind, DesktopContent::Kind::files);
    EXPECT_EQ(content.files, (std::vector<fs::path>{"/srv/a"}));
}

TEST_F(FakeX11, WebLinksAreSentAsText) {
    offer("TARGETS", "TARGETS\ntext/uri-list\nUTF8_STRING\n");
    offer("text/uri-list", "https://example.org/\n");
    offer("TEXT", "https://example.org/");
    auto content = read_desktop_clipboard("x11");
    EXPECT_EQ(content.kind, DesktopContent::Kind::text);
    EXPECT_EQ(content.text, "https://example.org/");
}

TEST_F(FakeX11, ImageComesBeforeTextAndMustBeAPng) {
    offer("TARGETS", "TARGETS\nimage/png\nUTF8_STRING\n");
    offer("image/png", std::string("\x89PNG\r\n\x1a\nIHDR", 12));
    offer("TEXT", "alt text");
    auto content = read_desktop_clipboard("x11");
    EXPECT_EQ(content.kind, DesktopContent::Kind::image);
    EXPECT_EQ(content.png, std::string("\x89PNG\r\n\x1a\nIHDR", 12));

    offer("image/png", "GIF89a");
    content = read_desktop_clipboard("x11");
    EXPECT_EQ(content.kind, DesktopContent::Kind::text);
    EXPECT_EQ(content.text, "alt text");
}

// xclip hands out whatever it holds for any target: nothing unoffered is read.
TEST_F(FakeX11, NothingIsReadThatIsNotOffered) {
    offer("TARGETS", "TARGETS\nTIMESTAMP\n");
    offer("TEXT", "stale");
    EXPECT_EQ(failure_of("x11"), Exit::no_data);
}

TEST_F(FakeX11, EmptyClipboardIsNoData) {
    EXPECT_EQ(failure_of("x11"), Exit::no_data);  // the TARGETS read fails
}

TEST(StagedImage, HoldsTheImageAsClipboardPngUntilItGoes) {
    fs::path dir;
    {
        StagedImage staged{"\x89PNG data"};
        EXPECT_EQ(staged.file().filename(), "clipboard.png");
        EXPECT_EQ(test::read_file(staged.file()), "\x89PNG data");
        dir = staged.file().parent_path();
    }
    EXPECT_FALSE(fs::exists(dir));
}

}  // namespace
}  // namespace clipshare::client
