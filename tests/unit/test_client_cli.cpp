// The clipshare command line as data: commands, operands, options anywhere, and the usage
// errors clipshare(1) promises. Also the progress bar's text.
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "build_config.hpp"
#include "client/address.hpp"
#include "client/cli.hpp"
#include "client/progress.hpp"
#include "client/scan.hpp"

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

// ---- HOST:PORT ----

TEST(HostAndPort, EveryFormSplits) {
    struct Case {
        const char* typed;
        const char* host;
        std::optional<std::uint16_t> port;
    };
    for (const auto& c :
         {Case{"router.lan", "router.lan", std::nullopt},
          Case{"router.lan:5000", "router.lan", 5000},
          Case{"192.168.1.1:4338", "192.168.1.1", 4338}, Case{"[::1]", "::1", std::nullopt},
          Case{"[::1]:5000", "::1", 5000}, Case{"[fe80::1%eth0]:65535", "fe80::1%eth0", 65535},
          // More than one ':' and no brackets: IPv6, never a port.
          Case{"::1", "::1", std::nullopt}, Case{"fe80::1:5000", "fe80::1:5000", std::nullopt}}) {
        auto split = split_host_port(c.typed);
        ASSERT_TRUE(split.address) << c.typed << ": " << split.error;
        EXPECT_EQ(split.address->host, c.host) << c.typed;
        EXPECT_EQ(split.address->port, c.port) << c.typed;
    }
}

TEST(HostAndPort, BadFormsAreRefusedNamingWhatWasTyped) {
    for (const char* typed : {"router:", "router:0", "router:65536", "router:http", "router:-1",
                              ":5000", "[::1", "[::1]5000", "[::1]:", "[]:5000", "[]"}) {
        auto split = split_host_port(typed);
        EXPECT_FALSE(split.address) << typed;
        EXPECT_NE(split.error.find(std::string{"'"} + typed + "'"), std::string::npos)
            << split.error;
    }
}

TEST(CommandLine, HostMayCarryThePort) {
    auto options = ok({"info", "router.lan:5000"});
    EXPECT_EQ(options.host, "router.lan");
    EXPECT_EQ(options.port, 5000);
    options = ok({"--tls", "--ca", "ca.pem", "get-text", "[::1]:4400"});
    EXPECT_EQ(options.host, "::1");
    EXPECT_EQ(options.port, 4400);
    // The same port twice is no contradiction.
    EXPECT_EQ(ok({"-p", "5000", "info", "router.lan:5000"}).port, 5000);
    auto error = error_of({"-p", "5001", "info", "router.lan:5000"});
    EXPECT_NE(error.find("'router.lan:5000' names port 5000 but -p/--port says 5001"),
              std::string::npos)
        << error;
    EXPECT_NE(error_of({"info", "router.lan:99999"}).find("'router.lan:99999'"), std::string::npos);
    // scan --to takes ADDRESS:PORT as well, checked the same way.
    EXPECT_EQ(ok({"scan", "--to", "127.0.0.1:5337"}).scan_targets,
              std::vector<std::string>{"127.0.0.1:5337"});
    EXPECT_NE(error_of({"scan", "--to", "[::1]:5337", "-p", "4337"}).find("names port 5337"),
              std::string::npos);
    EXPECT_NE(error_of({"scan", "--to", "[::1"}).find("scan --to"), std::string::npos);
}

// ---- -o and --json ----

TEST(CommandLine, OutputOptionStandsForTheFileArgument) {
    auto options = ok({"get-image", "h", "-o", "-"});
    EXPECT_EQ(options.operands, std::vector<std::string>{"-"});
    EXPECT_EQ(options.output, "-");
    options = ok({"screenshot", "--output=shot.png", "h"});
    EXPECT_EQ(options.operands, std::vector<std::string>{"shot.png"});
    EXPECT_FALSE(ok({"get-image", "h", "-"}).output) << "a FILE argument is not -o";
    EXPECT_NE(error_of({"get-image", "h", "a.png", "-o", "b.png"}).find("not both"),
              std::string::npos);
    EXPECT_NE(error_of({"get-text", "h", "-o", "t.txt"}).find("-o/--output"), std::string::npos);
    EXPECT_NE(error_of({"get-files", "h", "-o", "d"}).find("-o/--output"), std::string::npos);
}

TEST(CommandLine, JsonIsForScanOnly) {
    EXPECT_TRUE(ok({"scan", "--json"}).json);
    EXPECT_FALSE(ok({"scan"}).json);
    EXPECT_NE(error_of({"info", "h", "--json"}).find("--json"), std::string::npos);
}

// The bash completion reads the commands from the help text: it must list every one.
TEST(CommandLine, HelpListsEveryCommand) {
    const std::string help = usage_text;
    const auto names = command_names();
    EXPECT_GE(names.size(), 9u);
    for (const auto& name : names) {
        EXPECT_NE(help.find("\n  " + name + " "), std::string::npos) << name;
    }
}

TEST(ScanJson, ValidWithNothingAndEscapesOddBytes) {
    EXPECT_EQ(scan_json({}), "[]\n");
    EXPECT_EQ(scan_json({{"127.0.0.1", 4337}, {"fe80::1%e\"\\\x01\xc3", 5337}}),
              "[\n  {\"address\": \"127.0.0.1\", \"port\": 4337},\n"
              "  {\"address\": \"fe80::1%e\\\"\\\\\\u0001\\u00c3\", \"port\": 5337}\n]\n");
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
