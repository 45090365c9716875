// The command backend without a desktop: target classification, the presets, and the
// CommandClipboard driven by small /bin/sh commands on a real libuv loop.
#include <gtest/gtest.h>
#include <uv.h>

#include <chrono>
#include <csignal>

#include "clipboard/command.hpp"
#include "clipboard/presets.hpp"
#include "clipboard/targets.hpp"
#include "config/config.hpp"
#include "support/files.hpp"
#include "support/temp_dir.hpp"

namespace clipshare {
namespace {

namespace fs = std::filesystem;
using test::read_file;
using test::TempDir;

// ---- targets ----

TEST(Targets, ParsesOnePerLineTrimmed) {
    EXPECT_EQ(parse_targets("TARGETS\r\n  UTF8_STRING \n\n\timage/png\n"),
              (std::vector<std::string>{"TARGETS", "UTF8_STRING", "image/png"}));
    EXPECT_TRUE(parse_targets("").empty());
}

TEST(Targets, ClassifiesX11AndWaylandNames) {
    auto x11 = classify_targets({"TARGETS", "TIMESTAMP", "x-special/gnome-copied-files",
                                 "UTF8_STRING", "text/plain;charset=utf-8"});
    EXPECT_TRUE(x11.files);
    EXPECT_FALSE(x11.image);
    EXPECT_TRUE(x11.text);

    auto wayland = classify_targets({"image/png", "image/jpeg", "text/html"});
    EXPECT_FALSE(wayland.files);
    EXPECT_TRUE(wayland.image);
    EXPECT_FALSE(wayland.text);  // HTML is not plain text

    EXPECT_TRUE(classify_targets({"text/uri-list"}).files);
    EXPECT_TRUE(classify_targets({"Text/Plain"}).text);  // MIME types ignore case
    EXPECT_TRUE(classify_targets({"STRING"}).text);
    EXPECT_FALSE(classify_targets({"string"}).text);       // X11 atoms do not
    EXPECT_FALSE(classify_targets({"image/jpeg"}).image);  // only PNG goes over the wire
}

TEST(Targets, GetAnyPrefersFilesThenImageThenText) {
    EXPECT_EQ(
        preferred_kinds({true, true, true}),
        (std::vector<ContentKind>{ContentKind::files, ContentKind::image, ContentKind::text}));
    EXPECT_EQ(preferred_kinds({false, true, true}),
              (std::vector<ContentKind>{ContentKind::image, ContentKind::text}));
    EXPECT_TRUE(preferred_kinds({}).empty());
}

// ---- presets ----

TEST(Presets, EveryOperationHasProgramsAndNoShell) {
    for (const char* name : {"x11", "wayland"}) {
        auto commands = preset_commands(name);
        for (const DesktopCommand* command :
             {&commands.get_text, &commands.set_text, &commands.targets, &commands.get_files,
              &commands.set_files, &commands.get_image, &commands.screenshot}) {
            EXPECT_FALSE(command->programs.empty()) << name;
            EXPECT_TRUE(command->shell.empty()) << name;
        }
    }
    auto x11 = preset_commands("x11");
    EXPECT_EQ(x11.targets.programs,
              (std::vector<Program>{{"xclip", "-o", "-selection", "clipboard", "-t", "TARGETS"}}));
    // The gnome list first (it says copy or cut), the plain URI list when that fails.
    ASSERT_EQ(x11.get_files.programs.size(), 2u);
    EXPECT_EQ(x11.get_files.programs[0].back(), "x-special/gnome-copied-files");
    EXPECT_EQ(x11.get_files.programs[1].back(), "text/uri-list");
    EXPECT_EQ(x11.set_files.programs[0].back(), "x-special/gnome-copied-files");
    EXPECT_FALSE(x11.set_files.input_without_first_line);

    auto wayland = preset_commands("wayland");
    EXPECT_EQ(wayland.get_files.programs[0].back(), "text/uri-list");
    EXPECT_EQ(wayland.set_files.programs,
              (std::vector<Program>{{"wl-copy", "--type", "text/uri-list"}}));
    EXPECT_TRUE(wayland.set_files.input_without_first_line);
    EXPECT_EQ(wayland.screenshot.programs, (std::vector<Program>{{"grim", "-t", "png", "-"}}));
    EXPECT_EQ(preset_commands(""), DesktopCommands{});
    EXPECT_EQ(preset_commands("mac"), DesktopCommands{});
}

TEST(Presets, ExplicitCommandsReplaceThePresetOneByOne) {
    ClipboardSection section;
    section.preset = "x11";
    section.commands.get_text = "my-paste";
    section.commands.screenshot = "my-shot";
    auto commands = effective_commands(section.preset, section.commands);
    EXPECT_EQ(commands.get_text, shell_command("my-paste"));
    EXPECT_EQ(commands.screenshot, shell_command("my-shot"));
    EXPECT_EQ(commands.set_text, preset_commands("x11").set_text);
    EXPECT_EQ(commands.targets, preset_commands("x11").targets);

    section.preset.clear();
    commands = effective_commands(section.preset, section.commands);
    EXPECT_EQ(commands.get_text, shell_command("my-paste"));
    EXPECT_TRUE(commands.set_text.empty());
}

// Displays are 1-based in the protocol, scrot's Xinerama monitors 0-based.
TEST(Presets, X11ScreenshotCountsMonitorsFromZero) {
    auto program = preset_commands("x11").screenshot.programs.at(0);
    EXPECT_EQ(with_display(program, 2), (Program{"scrot", "--silent", "--monitor", "1", "-"}));
    EXPECT_EQ(with_display(program, 1), (Program{"scrot", "--silent", "--monitor", "0", "-"}));
    EXPECT_EQ(with_display({"grim", "-"}, 3), (Program{"grim", "-"}));
}

TEST(Presets, WithoutFirstLine) {
    EXPECT_EQ(without_first_line("copy\nfile:///a\nfile:///b"), "file:///a\nfile:///b");
    EXPECT_EQ(without_first_line("cut\n"), "");
    EXPECT_EQ(without_first_line("copy"), "");
}

// ---- distinct roots ----

TEST(DistinctRoots, KeepsTheFirstOfEachNameInOrder) {
    EXPECT_EQ(distinct_roots({"/a/x.txt", "/b/y", "/c/x.txt", "/d/z"}),
              (std::vector<fs::path>{"/a/x.txt", "/b/y", "/d/z"}));
}

// ---- CommandClipboard ----

const std::string png_printf = "printf '\\211PNG\\r\\n\\032\\nIHDR'";

class Desktop : public ::testing::Test {
protected:
    void SetUp() override {
        std::signal(SIGPIPE, SIG_IGN);
        uv_loop_init(&loop);
    }
    void TearDown() override {
        clipboard.reset();
        uv_run(&loop, UV_RUN_DEFAULT);
        EXPECT_EQ(uv_loop_close(&loop), 0);
    }

    // Configured shell lines, as [clipboard.commands] gives them.
    void make(const ClipboardCommands& commands, bool cut = false, std::int64_t max_text = 1000) {
        make(effective_commands("", commands), cut, max_text);
    }
    void make(DesktopCommands commands, bool cut = false, std::int64_t max_text = 1000) {
        clipboard = std::make_unique<CommandClipboard>(&loop, dir.path(), std::move(commands),
                                                       max_text, cut);
    }
    static DesktopCommand programs(std::vector<Program> alternatives) {
        return program_command(std::move(alternatives));
    }

    // Runs the loop until the callback handed to `call` has run; returns its value.
    template <typename T, typename Call>
    T await(Call call) {
        std::optional<T> got;
        call([&](T value) { got = std::move(value); });
        uv_run(&loop, UV_RUN_DEFAULT);
        EXPECT_TRUE(got) << "never answered";
        return got ? std::move(*got) : T{};
    }

    ContentKind kind() {
        return await<ContentKind>([&](auto done) { clipboard->kind(done); });
    }
    std::optional<std::string> text() {
        auto got = await<SharedBytes>([&](auto done) { clipboard->get_text(done); });
        if (!got) return std::nullopt;
        return got->bytes;
    }
    std::optional<std::vector<fs::path>> files() {
        return await<std::optional<std::vector<fs::path>>>(
            [&](auto done) { clipboard->get_files(done); });
    }
    std::optional<Image> image() {
        return await<std::optional<Image>>([&](auto done) { clipboard->get_image(done); });
    }
    std::optional<Image> screenshot(std::int64_t display) {
        return await<std::optional<Image>>(
            [&](auto done) { clipboard->screenshot(display, done); });
    }
    std::string set_text(std::string value) {
        return await<std::string>(
            [&](auto done) { clipboard->set_text(make_shared_bytes(value), done); });
    }
    std::string set_files(std::vector<PlacedItem> items) {
        return await<std::string>([&](auto done) { clipboard->set_files(items, done); });
    }

    static std::string targets(const std::string& lines) { return "printf '" + lines + "'"; }

    TempDir dir;
    uv_loop_t loop{};
    std::unique_ptr<CommandClipboard> clipboard;
};

TEST_F(Desktop, TextOffered) {
    ClipboardCommands commands;
    commands.targets = targets("TARGETS\\nUTF8_STRING\\n");
    commands.get_text = "printf 'caf\\303\\251\\r\\n'";
    make(commands);
    EXPECT_EQ(kind(), ContentKind::text);
    EXPECT_EQ(text(), "caf\xc3\xa9\n");  // served as the store keeps text: CRLF becomes LF
    EXPECT_FALSE(files());
    EXPECT_FALSE(image());
}

// xclip answers any target with what it holds: the offer decides, not the reply.
TEST_F(Desktop, NothingIsReadThatIsNotOffered) {
    ClipboardCommands commands;
    commands.targets = targets("TARGETS\\nUTF8_STRING\\n");
    commands.get_files = "printf 'copy\\nfile:///etc/passwd'";
    commands.get_image = png_printf;
    make(commands);
    EXPECT_FALSE(files());
    EXPECT_FALSE(image());
}

TEST_F(Desktop, TextIsNotReadFromAnImageOnlyClipboard) {
    ClipboardCommands commands;
    commands.targets = targets("TARGETS\\nimage/png\\n");
    commands.get_text = png_printf;
    commands.get_image = png_printf;
    make(commands);
    EXPECT_EQ(kind(), ContentKind::image);
    EXPECT_FALSE(text());
    auto got = image();
    ASSERT_TRUE(got);
    EXPECT_EQ(got->bytes->bytes.size(), 12u);
    EXPECT_TRUE(got->file.empty());
}

TEST_F(Desktop, FilesComeFirstAndAreDistinctAbsolutePaths) {
    ClipboardCommands commands;
    commands.targets = targets("x-special/gnome-copied-files\\nimage/png\\nUTF8_STRING\\n");
    commands.get_files =
        "printf 'cut\\nfile:///home/a/one%%20two\\nfile:///tmp/b/\\nfile:///srv/one%%20two\\n'";
    make(commands);
    EXPECT_EQ(kind(), ContentKind::files);
    EXPECT_EQ(files(), (std::vector<fs::path>{"/home/a/one two", "/tmp/b"}));
}

TEST_F(Desktop, UriListOfWebLinksIsServedAsText) {
    ClipboardCommands commands;
    commands.targets = targets("text/uri-list\\ntext/plain\\n");
    commands.get_files = "printf 'https://example.org/\\r\\n'";
    commands.get_text = "printf 'https://example.org/'";
    make(commands);
    EXPECT_EQ(kind(), ContentKind::text);
    EXPECT_FALSE(files());
    EXPECT_EQ(text(), "https://example.org/");
}

TEST_F(Desktop, FailedTargetsMeansEmpty) {
    ClipboardCommands commands;
    commands.targets = "echo 'Error: target TARGETS not available' >&2; exit 1";
    commands.get_text = "printf stale";
    make(commands);
    EXPECT_EQ(kind(), ContentKind::empty);
    EXPECT_FALSE(text());
}

TEST_F(Desktop, WithoutTargetsEachKindIsTriedInTurn) {
    ClipboardCommands commands;
    commands.get_files = "exit 1";
    commands.get_image = "printf 'GIF89a not png'";
    commands.get_text = "printf words";
    make(commands);
    EXPECT_EQ(kind(), ContentKind::text);
    EXPECT_EQ(text(), "words");
    EXPECT_FALSE(image());  // not a PNG

    commands.get_image = png_printf;
    make(commands);
    EXPECT_EQ(kind(), ContentKind::image);

    commands.get_files = "printf 'copy\\nfile:///x'";
    make(commands);
    EXPECT_EQ(kind(), ContentKind::files);

    make(DesktopCommands{});
    EXPECT_EQ(kind(), ContentKind::empty);
}

TEST_F(Desktop, TextOverTheLimitIsNoData) {
    ClipboardCommands commands;
    commands.get_text = "head -c 1001 /dev/zero | tr '\\0' a";
    make(commands, false, 1000);
    EXPECT_FALSE(text());
    commands.get_text = "head -c 1000 /dev/zero | tr '\\0' a";
    make(commands, false, 1000);
    EXPECT_EQ(text(), std::string(1000, 'a'));
    clipboard->reconfigure(999, false);
    EXPECT_FALSE(text());
}

TEST_F(Desktop, EmptyOrFailedTextIsNoData) {
    ClipboardCommands commands;
    commands.get_text = "true";
    make(commands);
    EXPECT_FALSE(text());
    commands.get_text = "printf half; exit 1";
    make(commands);
    EXPECT_FALSE(text());
}

TEST_F(Desktop, ScreenshotGetsTheDisplayNumber) {
    ClipboardCommands commands;
    commands.screenshot = png_printf + "; printf %s \"$CLIPSHARE_DISPLAY\"";
    make(commands);
    auto shot = screenshot(7);
    ASSERT_TRUE(shot);
    EXPECT_EQ(shot->bytes->bytes.back(), '7');
}

// ---- preset-style programs, spawned without a shell ----

TEST_F(Desktop, ProgramsGetTheirArgumentsWithoutAShell) {
    DesktopCommands commands;
    // A shell would expand the variable and split the words.
    commands.get_text = programs({{"printf", "%s|%s", "$HOME", "two words"}});
    make(commands);
    EXPECT_EQ(text(), "$HOME|two words");
}

TEST_F(Desktop, AlternativesAreTriedUntilOneSucceeds) {
    DesktopCommands commands;
    commands.get_files = programs({{"false"},
                                   {"clipshare-no-such-program"},
                                   {"printf", "%s", "file:///srv/first"},
                                   {"printf", "%s", "file:///srv/second"}});
    make(commands);
    EXPECT_EQ(files(), (std::vector<fs::path>{"/srv/first"}));
}

TEST_F(Desktop, TheLastAlternativesFailureIsTheCommands) {
    DesktopCommands commands;
    commands.get_text = programs({{"printf", "%s", "x"}});
    commands.get_files = programs({{"false"}, {"clipshare-no-such-program"}});
    make(commands);
    EXPECT_FALSE(files());
    EXPECT_EQ(text(), "x");
}

TEST_F(Desktop, ScreenshotProgramGetsTheMonitorAsAnArgument) {
    DesktopCommands commands;
    commands.screenshot = programs(
        {{"sh", "-c", png_printf + "; printf %s \"$1\"", "sh", std::string{monitor_argument}}});
    make(commands);
    auto shot = screenshot(7);
    ASSERT_TRUE(shot);
    EXPECT_EQ(shot->bytes->bytes.back(), '6');
}

TEST_F(Desktop, InputWithoutItsFirstLineReachesTheProgram) {
    auto out = dir.path() / "list";
    DesktopCommands commands;
    commands.set_files = programs({{"tee", out.string()}});
    commands.set_files.input_without_first_line = true;
    make(commands);
    EXPECT_EQ(set_files({{"a b", false, false}, {"c", true, false}}), "");
    auto base = "file://" + dir.path().string();
    EXPECT_EQ(read_file(out), base + "/a%20b\n" + base + "/c");
}

TEST_F(Desktop, MissingCommandsMeanNoData) {
    make(DesktopCommands{});
    EXPECT_FALSE(text());
    EXPECT_FALSE(files());
    EXPECT_FALSE(image());
    EXPECT_FALSE(screenshot(1));
    EXPECT_NE(set_text("lost"), "");                  // nowhere to put it: the upload must fail
    EXPECT_EQ(set_files({{"a", false, false}}), "");  // the files are stored anyway
}

TEST_F(Desktop, SetTextFeedsTheCommand) {
    ClipboardCommands commands;
    commands.set_text = "cat > '" + (dir.path() / "clip").string() + "'";
    make(commands);
    EXPECT_EQ(set_text("line one\nline two"), "");
    EXPECT_EQ(read_file(dir.path() / "clip"), "line one\nline two");
}

TEST_F(Desktop, FailedSetTextFailsTheUpload) {
    ClipboardCommands commands;
    commands.set_text = "cat > /dev/null; exit 4";
    make(commands);
    EXPECT_NE(set_text("x"), "");
}

TEST_F(Desktop, SetFilesWritesCopyOrCutUris) {
    ClipboardCommands commands;
    auto out = dir.path() / "list";
    commands.set_files = "cat > '" + out.string() + "'";
    make(commands);
    EXPECT_EQ(set_files({{"a b.txt", false, false}, {"dir", true, false}}), "");
    auto base = "file://" + dir.path().string();
    EXPECT_EQ(read_file(out), "copy\n" + base + "/a%20b.txt\n" + base + "/dir");
    clipboard->reconfigure(1000, true);
    EXPECT_EQ(set_files({{"x", false, false}}), "");
    EXPECT_EQ(read_file(out), "cut\n" + base + "/x");
}

TEST_F(Desktop, FailedSetFilesStillStoresTheBatch) {
    ClipboardCommands commands;
    commands.set_files = "exit 1";
    make(commands);
    EXPECT_EQ(set_files({{"x", false, false}}), "");
}

TEST_F(Desktop, DestroyingTheClipboardKillsItsCommandsUnanswered) {
    ClipboardCommands commands;
    commands.get_text = "exec sleep 30";
    make(commands);
    bool answered = false;
    clipboard->get_text([&](SharedBytes) { answered = true; });
    uv_run(&loop, UV_RUN_NOWAIT);
    auto started = std::chrono::steady_clock::now();
    clipboard.reset();
    uv_run(&loop, UV_RUN_DEFAULT);  // returns once the killed child is reaped
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(10));
    EXPECT_FALSE(answered);
}

}  // namespace
}  // namespace clipshare
