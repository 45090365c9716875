// The bash completion (etc/bash-completion/clipshare) in a real bash: sourced as
// bash-completion would source it, registered for clipshare, and asked with COMP_WORDS and
// COMP_CWORD set as readline sets them. Its commands and options come from the real
// clipshare's --help, so these cases also hold the help text to the command table.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

#include "client/cli.hpp"
#include "client_process.hpp"

namespace clipshare::test {
namespace {

namespace fs = std::filesystem;

class Completion : public ::testing::Test {
protected:
    void SetUp() override {
        bash_ = find_program("bash");
        if (bash_.empty()) GTEST_SKIP() << "no bash on this machine: nothing to complete in";
        const char* script = std::getenv("COMPLETION");
        ASSERT_NE(script, nullptr) << "COMPLETION is not set (run through meson test)";
        script_ = script;
        // The program as a user would type it: found in PATH.
        fs::create_directory(dir_.path() / "bin");
        fs::create_symlink(client_binary(), dir_.path() / "bin" / "clipshare");
        fs::create_directory(dir_.path() / "sub");
        write_file(dir_.path() / "ca.crt", "x");
        write_file(dir_.path() / "shot.png", "x");
    }

    // What the completion offers for `words` (the last one being completed), sorted.
    std::vector<std::string> complete(const std::vector<std::string>& words) {
        std::string line =
            "source \"$COMPLETION\" || exit 90\n"
            "spec=$(complete -p clipshare) || exit 91\n"
            "function=${spec#*-F }; function=${function%% *}\n"
            "COMP_WORDS=(";
        for (const auto& word : words) line += " '" + word + "'";
        line +=
            " )\n"
            "COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))\n"
            "COMP_LINE=\"${COMP_WORDS[*]}\"; COMP_POINT=${#COMP_LINE}\n"
            "\"$function\" clipshare \"${COMP_WORDS[COMP_CWORD]}\" "
            "\"${COMP_WORDS[COMP_CWORD-1]}\" || exit 92\n"
            "printf '%s\\n' \"${COMPREPLY[@]}\"\n";
        auto result = run_command({bash_.string(), "--norc", "--noprofile", "-c", line},
                                  {"COMPLETION=" + script_.string(),
                                   "PATH=" + (dir_.path() / "bin").string() + ":/usr/bin:/bin"},
                                  dir_.path());
        EXPECT_EQ(result.exit_status, 0) << result.err;
        EXPECT_EQ(result.err, "");
        std::vector<std::string> offered;
        std::istringstream lines{result.out};
        for (std::string item; std::getline(lines, item);) {
            if (!item.empty()) offered.push_back(item);
        }
        std::sort(offered.begin(), offered.end());
        return offered;
    }

    static std::vector<std::string> sorted(std::vector<std::string> items) {
        std::sort(items.begin(), items.end());
        return items;
    }

    fs::path bash_;
    fs::path script_;
    TempDir dir_;
};

TEST_F(Completion, IsRegisteredForClipshare) {
    auto result = run_command({bash_.string(), "--norc", "--noprofile", "-c",
                               "source \"$COMPLETION\" && complete -p clipshare"},
                              {"COMPLETION=" + script_.string()});
    EXPECT_EQ(result.exit_status, 0) << result.err;
    EXPECT_EQ(result.out, "complete -F _clipshare clipshare\n");
}

TEST_F(Completion, EveryCommandOfTheTable) {
    EXPECT_EQ(complete({"clipshare", ""}), sorted(client::command_names()));
    EXPECT_EQ(complete({"clipshare", "get-"}),
              sorted({"get-any", "get-files", "get-image", "get-text"}));
    // After the options and their values too.
    EXPECT_EQ(complete({"clipshare", "-p", "4337", "--tls", "--ca", "ca.crt", "sen"}),
              sorted({"send-clipboard", "send-files", "send-text"}));
}

TEST_F(Completion, OptionsFromTheHelp) {
    EXPECT_EQ(complete({"clipshare", "--ti"}), std::vector<std::string>{"--timeout"});
    auto all = complete({"clipshare", "info", "h", "--"});
    for (const char* option : {"--port", "--tls", "--ca", "--cert", "--key", "--json", "--output",
                               "--copied", "--server-name", "--help"}) {
        EXPECT_NE(std::find(all.begin(), all.end(), option), all.end()) << option;
    }
}

TEST_F(Completion, FilesWhereOptionsAndArgumentsTakeThem) {
    EXPECT_EQ(complete({"clipshare", "--tls", "--ca", "c"}), std::vector<std::string>{"ca.crt"});
    // --ca=c: readline splits the word at '='.
    EXPECT_EQ(complete({"clipshare", "--tls", "--ca", "=", "c"}),
              std::vector<std::string>{"ca.crt"});
    EXPECT_EQ(complete({"clipshare", "-o", "s"}), sorted({"shot.png", "sub"}));
    EXPECT_EQ(complete({"clipshare", "get-image", "h", "s"}), sorted({"shot.png", "sub"}));
    // PATH...: every argument after HOST.
    EXPECT_EQ(complete({"clipshare", "send-files", "h", "ca.crt", "s"}),
              sorted({"shot.png", "sub"}));
    // [DIR]: directories only, and only one.
    EXPECT_EQ(complete({"clipshare", "get-files", "h", "s"}), std::vector<std::string>{"sub"});
    EXPECT_TRUE(complete({"clipshare", "get-files", "h", "sub", "s"}).empty());
}

TEST_F(Completion, NothingWhereNothingFits) {
    EXPECT_TRUE(complete({"clipshare", "send-text", "h", "s"}).empty()) << "TEXT is free text";
    EXPECT_TRUE(complete({"clipshare", "-p", ""}).empty()) << "a port is a number";
    EXPECT_TRUE(complete({"clipshare", "scan", "s"}).empty()) << "scan takes no argument";
    EXPECT_TRUE(complete({"clipshare", "get-text", "h", "s"}).empty());
}

TEST_F(Completion, HostsFromTheHostsFile) {
    // bash reads host names from $HOSTFILE when it is set, /etc/hosts otherwise.
    write_file(dir_.path() / "hosts", "192.0.2.7 kitchen-router\n");
    auto result = run_command(
        {bash_.string(), "--norc", "--noprofile", "-c",
         "source \"$COMPLETION\"; COMP_WORDS=(clipshare info kit); COMP_CWORD=2; _clipshare; "
         "printf '%s\\n' \"${COMPREPLY[@]}\""},
        {"COMPLETION=" + script_.string(), "HOSTFILE=" + (dir_.path() / "hosts").string(),
         "PATH=" + (dir_.path() / "bin").string() + ":/usr/bin:/bin"});
    EXPECT_EQ(result.exit_status, 0) << result.err;
    EXPECT_EQ(result.out, "kitchen-router\n");
}

}  // namespace
}  // namespace clipshare::test
