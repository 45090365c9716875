// The clipshare command line as data: commands, operands, options anywhere, and the usage
// errors clipshare(1) promises. Also the progress bar's text.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "build_config.hpp"
#include "client/cli.hpp"
#include "client/progress.hpp"

namespace clipshare::client {
namespace {

ParsedCommandLine parse(std::vector<std::string> arguments) {
    return parse_command_line(arguments);
}

Options ok(std::vector<std::string> arguments) {
    auto parsed = parse(arguments);
    EXPECT_TRUE(parsed.options) << parsed.error;
    return parsed.options.value_or(Options{});
}

std::string error_of(std::vector<std::string> arguments) {
    auto parsed = parse(arguments);
    EXPECT_FALSE(parsed.options);
    EXPECT_EQ(parsed.error.find('\n'), std::string::npos) << "one line only";
    return parsed.error;
}

TEST(CommandLine, EveryCommandWithItsOperands) {
    EXPECT_EQ(ok({"scan"}).command, Command::scan);
    auto info = ok({"info", "router.lan"});
    EXPECT_EQ(info.command, Command::info);
    EXPECT_EQ(info.host, "router.lan");
    EXPECT_TRUE(info.operands.empty());
    EXPECT_EQ(ok({"get-text", "h"}).command, Command::get_text);
    EXPECT_EQ(ok({"send-text", "h"}).operands.size(), 0u);
    EXPECT_EQ(ok({"send-text", "h", "-"}).operands, std::vector<std::string>{"-"});
    EXPECT_EQ(ok({"get-files", "h", "dir"}).operands, std::vector<std::string>{"dir"});
    EXPECT_EQ(ok({"send-files", "h", "a", "b", "c"}).operands.size(), 3u);
    EXPECT_EQ(ok({"get-image", "h", "out.png"}).command, Command::get_image);
    EXPECT_EQ(ok({"screenshot", "h", "-"}).command, Command::screenshot);
    EXPECT_EQ(ok({"get-any", "h"}).command, Command::get_any);
}

TEST(CommandLine, WrongOperandCountsAreUsageErrors) {
    for (const auto& arguments :
         std::vector<std::vector<std::string>>{{"info"},
                                               {"info", "h", "extra"},
                                               {"send-text", "h", "a", "b"},
                                               {"send-files", "h"},
                                               {"get-image", "h"},
                                               {"screenshot", "h", "a", "b"},
                                               {"scan", "h"},
                                               {"get-files"}}) {
        EXPECT_NE(error_of(arguments).find("(usage: clipshare "), std::string::npos)
            << arguments[0];
    }
    EXPECT_NE(error_of({}).find("no command"), std::string::npos);
    EXPECT_NE(error_of({"fetch", "h"}).find("unknown command 'fetch'"), std::string::npos);
}

TEST(CommandLine, OptionsMayComeBeforeOrAfterTheCommand) {
    for (const auto& arguments :
         std::vector<std::vector<std::string>>{{"-p", "5000", "--proto", "2", "info", "h"},
                                               {"info", "h", "--port=5000", "--proto=2"},
                                               {"info", "--port", "5000", "h", "--proto", "2"}}) {
        auto options = ok(arguments);
        EXPECT_EQ(options.port, 5000);
        EXPECT_EQ(options.proto, 2);
        EXPECT_EQ(options.host, "h");
    }
}

TEST(CommandLine, DoubleDashKeepsTextThatLooksLikeAnOption) {
    auto options = ok({"send-text", "h", "--", "-5 degrees"});
    EXPECT_EQ(options.operands, std::vector<std::string>{"-5 degrees"});
    EXPECT_NE(error_of({"send-text", "h", "-5 degrees"}).find("unknown option"), std::string::npos);
}

TEST(CommandLine, NumbersAreChecked) {
    EXPECT_NE(error_of({"-p", "0", "info", "h"}).find("--port"), std::string::npos);
    EXPECT_NE(error_of({"-p", "65536", "info", "h"}).find("--port"), std::string::npos);
    EXPECT_NE(error_of({"-p", "80x", "info", "h"}).find("--port"), std::string::npos);
    EXPECT_NE(error_of({"--proto", "5", "info", "h"}).find("--proto"), std::string::npos);
    EXPECT_NE(error_of({"--proto", "0", "info", "h"}).find("--proto"), std::string::npos);
    EXPECT_NE(error_of({"-t", "0", "info", "h"}).find("--timeout"), std::string::npos);
    EXPECT_NE(error_of({"-t", "soon", "info", "h"}).find("--timeout"), std::string::npos);
    EXPECT_EQ(ok({"-t", "0.25", "info", "h"}).timeout_ms, 250);
    EXPECT_EQ(ok({"--timeout", "30", "info", "h"}).timeout_ms, 30000);
    EXPECT_NE(error_of({"screenshot", "h", "f", "--display", "65537"}).find("--display"),
              std::string::npos);
    EXPECT_EQ(ok({"screenshot", "h", "f", "--display", "-1"}).display, -1);
    EXPECT_EQ(ok({"screenshot", "h", "f", "--display", "3"}).display, 3);
    EXPECT_NE(error_of({"scan", "--max", "0"}).find("--max"), std::string::npos);
}

TEST(CommandLine, CommandSpecificOptionsElsewhereAreErrors) {
    EXPECT_NE(error_of({"get-image", "h", "f", "--display", "2"}).find("--display"),
              std::string::npos);
    EXPECT_NE(error_of({"screenshot", "h", "f", "--copied"}).find("--copied"), std::string::npos);
    EXPECT_NE(error_of({"info", "h", "--to", "127.0.0.1"}).find("--to"), std::string::npos);
    EXPECT_NE(error_of({"scan", "--proto", "3"}).find("scan"), std::string::npos);
    EXPECT_NE(error_of({"scan", "--tls"}).find("scan"), std::string::npos);
    EXPECT_NE(error_of({"info", "h", "--cert", "c.pem"}).find("--tls"), std::string::npos);
    EXPECT_TRUE(ok({"get-image", "h", "f", "--copied"}).copied_only);
}

TEST(CommandLine, ScanOptions) {
    auto options = ok({"scan", "--to", "127.0.0.1", "--to", "::1", "--max", "2", "-p", "4444"});
    EXPECT_EQ(options.scan_targets, (std::vector<std::string>{"127.0.0.1", "::1"}));
    EXPECT_EQ(options.max_servers, 2u);
    EXPECT_EQ(options.port, 4444);
}

TEST(CommandLine, TlsOptions) {
    auto options = ok({"--tls", "--cert", "c.pem", "--key", "k.pem", "--ca", "ca.pem",
                       "--server-name", "router", "info", "h"});
    EXPECT_TRUE(options.tls);
    EXPECT_EQ(options.certificate, "c.pem");
    EXPECT_EQ(options.key, "k.pem");
    EXPECT_EQ(options.ca, "ca.pem");
    EXPECT_EQ(options.server_name, "router");
    EXPECT_FALSE(options.port) << "the default port (4338 with --tls) is the command's choice";
    // No client certificate is allowed (servers that want one will refuse, clearly).
    auto anonymous = ok({"get-text", "h", "--tls", "--ca", "ca.pem"});
    EXPECT_TRUE(anonymous.certificate.empty());
    EXPECT_TRUE(anonymous.key.empty());
}

TEST(CommandLine, TlsNeedsACaAndACertificateWithItsKey) {
    if (!CLIPSHARE_HAVE_TLS) GTEST_SKIP() << "without TLS in the build, --tls alone fails";
    EXPECT_NE(error_of({"--tls", "info", "h"}).find("--tls needs --ca"), std::string::npos);
    EXPECT_NE(error_of({"--tls", "--cert", "c.pem", "--key", "k.pem", "info", "h"})
                  .find("--tls needs --ca"),
              std::string::npos);
    EXPECT_NE(error_of({"--tls", "--ca", "ca.pem", "--cert", "c.pem", "info", "h"})
                  .find("--cert and --key go together"),
              std::string::npos);
    EXPECT_NE(error_of({"--tls", "--ca", "ca.pem", "--key", "k.pem", "info", "h"})
                  .find("--cert and --key go together"),
              std::string::npos);
    EXPECT_NE(error_of({"--server-name", "router", "info", "h"}).find("need --tls"),
              std::string::npos);
    EXPECT_NE(error_of({"--ca", "ca.pem", "info", "h"}).find("need --tls"), std::string::npos);
}

TEST(CommandLine, HelpAndVersionWinOverEverythingElse) {
    EXPECT_EQ(ok({"-h"}).command, Command::help);
    EXPECT_EQ(ok({"info", "--help"}).command, Command::help);
    EXPECT_EQ(ok({"--version", "nonsense"}).command, Command::version);
    EXPECT_EQ(ok({"-v"}).command, Command::version);
}

// Every message names the argument that is wrong, as it was typed.
TEST(CommandLine, ErrorsNameTheWrongArgument) {
    auto error = error_of({"send-text", "HOST", "-dash"});
    EXPECT_NE(error.find("unknown option '-d' in '-dash'"), std::string::npos) << error;
    EXPECT_EQ(error.find("HOST"), std::string::npos) << error;
    EXPECT_NE(error.find("put -- before"), std::string::npos) << error;
    error = error_of({"get-text", "router", "--colour"});
    EXPECT_NE(error.find("unknown option '--colour'"), std::string::npos) << error;
    error = error_of({"info", "router", "extra"});
    EXPECT_NE(error.find("unexpected argument 'extra'"), std::string::npos) << error;
    error = error_of({"info"});
    EXPECT_NE(error.find("info needs a HOST"), std::string::npos) << error;
    error = error_of({"-x", "info", "h"});
    EXPECT_NE(error.find("unknown option '-x'"), std::string::npos) << error;
    EXPECT_EQ(error.find(" in '"), std::string::npos) << "a lone -x needs no context: " << error;
    error = error_of({"--quiet=yes", "info", "h"});
    EXPECT_NE(error.find("--quiet takes no value (in '--quiet=yes')"), std::string::npos) << error;
    error = error_of({"--t", "info", "h"});  // --timeout, --tls, --to
    EXPECT_NE(error.find("ambiguous option '--t'"), std::string::npos) << error;
}

TEST(CommandLine, GetoptFormsStillWork) {
    EXPECT_EQ(ok({"-p4444", "info", "h"}).port, 4444);
    EXPECT_EQ(ok({"--po=4444", "info", "h"}).port, 4444);  // an unambiguous prefix
    auto grouped = ok({"-qp", "4444", "info", "h"});
    EXPECT_TRUE(grouped.quiet);
    EXPECT_EQ(grouped.port, 4444);
    EXPECT_EQ(ok({"send-text", "h", "-"}).operands, std::vector<std::string>{"-"});
    EXPECT_EQ(ok({"--bogus", "-h"}).command, Command::help);
}

TEST(CommandLine, UnknownOptionsAndMissingArguments) {
    EXPECT_NE(error_of({"--frobnicate", "info", "h"}).find("--frobnicate"), std::string::npos);
    EXPECT_NE(error_of({"info", "h", "-p"}).find("needs an argument"), std::string::npos);
}

TEST(ProgressText, SizesAndBar) {
    EXPECT_EQ(human_size(0), "0 B");
    EXPECT_EQ(human_size(1023), "1023 B");
    EXPECT_EQ(human_size(1536), "1.5 KiB");
    EXPECT_EQ(human_size(std::int64_t{5} << 30), "5.0 GiB");
    EXPECT_EQ(render_progress("a.txt", 512, -1, 80), "a.txt 512 B");
    auto half = render_progress("a.txt", 50, 100, 80);
    EXPECT_NE(half.find("50%"), std::string::npos) << half;
    EXPECT_NE(half.find("[####"), std::string::npos) << half;
    EXPECT_LE(half.size(), 80u);
    // Terminal columns, not bytes: a shortened label ends in a one-column "…".
    EXPECT_LE(display_width(render_progress(std::string(200, 'x'), 1, 2, 40)), 40u);
    EXPECT_NE(render_progress("empty", 0, 0, 80).find("100%"), std::string::npos);
}

}  // namespace
}  // namespace clipshare::client
