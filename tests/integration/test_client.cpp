// The real clipshare binary against the real clipshared on loopback: every subcommand, every
// version, and the exit status of every way a server can say no.
#include <gtest/gtest.h>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

#include "build_config.hpp"
#include "client_process.hpp"
#include "daemon_fixture.hpp"

namespace clipshare::test {
namespace {

namespace fs = std::filesystem;

// `clipshare -p PORT ARGS...` against `daemon`, run in `cwd` (default: a scratch directory).
RunResult clipshare(const Daemon& daemon, std::vector<std::string> args, const fs::path& cwd = {}) {
    args.insert(args.begin(), {client_binary().string(), "-p", std::to_string(daemon.port())});
    return run_command(args, {}, cwd.empty() ? daemon.dir() : cwd);
}

RunResult clipshare(std::vector<std::string> args) {
    args.insert(args.begin(), client_binary().string());
    return run_command(args);
}

// Runs with `input` on standard input (through a file, as a shell redirection would).
RunResult clipshare_with_input(const Daemon& daemon, std::vector<std::string> args,
                               std::string_view input) {
    auto input_file = daemon.dir() / "stdin.txt";
    write_file(input_file, input);
    std::string command =
        "exec '" + client_binary().string() + "' -p " + std::to_string(daemon.port());
    for (const auto& arg : args) command += " '" + arg + "'";
    command += " < '" + input_file.string() + "'";
    return run_command({"/bin/sh", "-c", command});
}

const std::string png = std::string("\x89PNG\r\n\x1a\n", 8) + "pretend pixels";

TEST(Client, InfoInEveryVersion) {
    auto daemon = Daemon::start(
        "[server]\nbind = \"127.0.0.1\"\nworking_dir = \"work\"\n"
        "info_name = \"kitchen\"\n");
    for (int version = 1; version <= 3; ++version) {
        auto result = clipshare(*daemon, {"--proto", std::to_string(version), "info", "127.0.0.1"});
        EXPECT_EQ(result.exit_status, 0) << result.err;
        EXPECT_EQ(result.out, "protocol_version=" + std::to_string(version) + "\n");
    }
    auto v4 = clipshare(*daemon, {"info", "127.0.0.1"});
    EXPECT_EQ(v4.exit_status, 0) << v4.err;
    EXPECT_EQ(v4.out, "protocol_version=4\nserver_name=kitchen\n");
    EXPECT_TRUE(v4.err.empty()) << v4.err;
}

TEST(Client, TakesTheVersionTheServerOffers) {
    auto daemon = Daemon::start("[protocol]\nmax_version = 2\n");
    auto offered = clipshare(*daemon, {"info", "127.0.0.1"});
    EXPECT_EQ(offered.exit_status, 0) << offered.err;
    EXPECT_EQ(offered.out, "protocol_version=2\n");
    auto insisting = clipshare(*daemon, {"--proto", "4", "info", "127.0.0.1"});
    EXPECT_EQ(insisting.exit_status, 5);
    EXPECT_NE(insisting.err.find("offers only protocol version 2"), std::string::npos)
        << insisting.err;
    EXPECT_TRUE(daemon->wait_for_log("refused"));
}

TEST(Client, VersionBelowTheServersMinimumExits5) {
    auto daemon = Daemon::start("[protocol]\nmin_version = 3\n");
    auto result = clipshare(*daemon, {"--proto", "2", "info", "127.0.0.1"});
    EXPECT_EQ(result.exit_status, 5);
    EXPECT_NE(result.err.find("refused protocol version 2"), std::string::npos) << result.err;
}

TEST(Client, TextRoundTripsInEveryVersion) {
    auto daemon = Daemon::start();
    for (int version = 1; version <= 4; ++version) {
        std::string proto = std::to_string(version);
        std::string text = "caf\xc3\xa9 number " + proto;
        auto sent = clipshare(*daemon, {"--proto", proto, "send-text", "127.0.0.1", text});
        EXPECT_EQ(sent.exit_status, 0) << sent.err;
        auto got = until(
            [&] {
                return clipshare(*daemon, {"--proto", proto, "get-text", "127.0.0.1"});
            },
            [&](const RunResult& r) { return r.out == text; });
        EXPECT_EQ(got.exit_status, 0) << got.err;
        EXPECT_EQ(got.out, text);
    }
}

TEST(Client, SendTextFromStandardInput) {
    auto daemon = Daemon::start();
    auto sent = clipshare_with_input(*daemon, {"send-text", "127.0.0.1", "-"}, "line 1\nline 2\n");
    EXPECT_EQ(sent.exit_status, 0) << sent.err;
    EXPECT_EQ(clipshare(*daemon, {"get-text", "127.0.0.1"}).out, "line 1\nline 2\n");
    auto implicit = clipshare_with_input(*daemon, {"send-text", "127.0.0.1"}, "piped");
    EXPECT_EQ(implicit.exit_status, 0) << implicit.err;
    EXPECT_EQ(clipshare(*daemon, {"get-text", "127.0.0.1"}).out, "piped");
}

TEST(Client, TextTheServerRefusesIsNotConfirmedInV4) {
    auto daemon = Daemon::start("[limits]\nmax_text_length = 4\n");
    auto result = clipshare(*daemon, {"send-text", "127.0.0.1", "far too long"});
    EXPECT_EQ(result.exit_status, 10) << result.err;
    EXPECT_NE(result.err.find("did not confirm"), std::string::npos) << result.err;
    EXPECT_EQ(clipshare(*daemon, {"get-text", "127.0.0.1"}).exit_status, 6);
}

TEST(Client, BadTextIsRefusedBeforeConnecting) {
    // No daemon at all: the text is refused first, so the status is 1, not 3.
    auto port = std::to_string(pick_free_port());
    auto empty = clipshare({"-p", port, "send-text", "127.0.0.1", ""});
    EXPECT_EQ(empty.exit_status, 1);
    EXPECT_NE(empty.err.find("empty"), std::string::npos) << empty.err;
    auto invalid = clipshare({"-p", port, "send-text", "127.0.0.1", "bad\xff"});
    EXPECT_EQ(invalid.exit_status, 1);
    EXPECT_NE(invalid.err.find("UTF-8"), std::string::npos) << invalid.err;
}

TEST(Client, EmptyClipboardIsNoDataForEveryDownload) {
    auto daemon = Daemon::start();
    fs::create_directory(daemon->dir() / "in");
    struct Case {
        std::vector<std::string> args;
        std::string message;
    };
    for (const auto& c : {Case{{"get-text", "127.0.0.1"}, "no text"},
                          Case{{"get-files", "127.0.0.1", "in"}, "no files"},
                          Case{{"get-image", "127.0.0.1", "in/x.png"}, "no image"},
                          Case{{"get-image", "--copied", "127.0.0.1", "in/x.png"}, "no copied"},
                          Case{{"screenshot", "127.0.0.1", "in/x.png"}, "no screenshot"},
                          Case{{"get-any", "127.0.0.1", "in"}, "clipboard is empty"}}) {
        auto result = clipshare(*daemon, c.args);
        EXPECT_EQ(result.exit_status, 6) << c.args[0] << ": " << result.err;
        EXPECT_NE(result.err.find(c.message), std::string::npos) << result.err;
        EXPECT_TRUE(result.out.empty()) << result.out;
    }
    // Nothing partial: no image file, no temporary file, no batch directory.
    EXPECT_TRUE(fs::is_empty(daemon->dir() / "in"));
}

TEST(Client, DisabledMethodExits8) {
    auto daemon = Daemon::start("[methods]\nget_text = false\nsend_files = false\n");
    auto get = clipshare(*daemon, {"get-text", "127.0.0.1"});
    EXPECT_EQ(get.exit_status, 8);
    EXPECT_NE(get.err.find("does not offer Get Text"), std::string::npos) << get.err;
    write_file(daemon->dir() / "a.txt", "a");
    auto send = clipshare(*daemon, {"send-files", "127.0.0.1", "a.txt"});
    EXPECT_EQ(send.exit_status, 8);
}

TEST(Client, MethodOutsideTheOfferedVersionExits7) {
    auto daemon = Daemon::start("[protocol]\nmax_version = 3\n");
    auto any = clipshare(*daemon, {"get-any", "127.0.0.1"});
    EXPECT_EQ(any.exit_status, 7);
    EXPECT_NE(any.err.find("not part of protocol version 3"), std::string::npos) << any.err;
    auto shot = clipshare(*daemon, {"--proto", "2", "screenshot", "127.0.0.1", "x.png"});
    EXPECT_EQ(shot.exit_status, 7);
}

TEST(Client, FilesRoundTripInEveryVersion) {
    for (int version = 1; version <= 4; ++version) {
        // A fresh daemon each time: a second upload of the same names would be numbered.
        auto daemon = Daemon::start();
        auto source = daemon->dir() / "source";
        write_file(source / "a.txt", "alpha");
        write_file(source / "tree/sub/b.bin", std::string(200000, 'b'));
        fs::create_directories(source / "tree/empty");
        std::string proto = std::to_string(version);
        auto out = daemon->dir() / "out";
        fs::create_directory(out);
        std::vector<std::string> send{"--proto", proto, "send-files", "127.0.0.1",
                                      (source / "a.txt").string()};
        if (version >= 2) send.push_back((source / "tree").string());
        auto sent = clipshare(*daemon, send);
        ASSERT_EQ(sent.exit_status, 0) << "v" << version << ": " << sent.err;
        // A fresh daemon has nothing else to give: "no data" means "not stored yet".
        auto got = until(
            [&] {
                return clipshare(*daemon, {"--proto", proto, "get-files", "127.0.0.1", "out"});
            },
            [](const RunResult& r) { return r.exit_status != 6; });
        ASSERT_EQ(got.exit_status, 0) << "v" << version << ": " << got.err;
        EXPECT_EQ(read_file(out / "a.txt"), "alpha");
        if (version >= 2) {
            EXPECT_EQ(read_file(out / "tree/sub/b.bin"), std::string(200000, 'b'));
            EXPECT_EQ(fs::exists(out / "tree/empty"), version >= 3) << "v" << version;
            EXPECT_EQ(got.out, "out/a.txt\nout/tree\n");
        } else {
            EXPECT_EQ(got.out, "out/a.txt\n");
        }
    }
}

TEST(Client, GetFilesNeverReplacesAndUsesNumberedNames) {
    auto daemon = Daemon::start();
    write_file(daemon->dir() / "note.txt", "from the client");
    ASSERT_EQ(clipshare(*daemon, {"send-files", "127.0.0.1", "note.txt"}).exit_status, 0);
    auto out = daemon->dir() / "out";
    write_file(out / "note.txt", "already here");
    auto got = clipshare(*daemon, {"get-files", "127.0.0.1", "out"});
    EXPECT_EQ(got.exit_status, 0) << got.err;
    EXPECT_EQ(got.out, "out/1_note.txt\n");
    EXPECT_EQ(read_file(out / "note.txt"), "already here");
    EXPECT_EQ(read_file(out / "1_note.txt"), "from the client");
}

TEST(Client, SendFilesV1TakesOneFileOnly) {
    auto daemon = Daemon::start();
    write_file(daemon->dir() / "a", "a");
    write_file(daemon->dir() / "b", "b");
    auto result = clipshare(*daemon, {"--proto", "1", "send-files", "127.0.0.1", "a", "b"});
    EXPECT_EQ(result.exit_status, 7);
    EXPECT_NE(result.err.find("single regular file"), std::string::npos) << result.err;
}

TEST(Client, MissingFileIsALocalErrorBeforeConnecting) {
    auto port = std::to_string(pick_free_port());
    auto result = clipshare({"-p", port, "send-files", "127.0.0.1", "/nonexistent/x"});
    EXPECT_EQ(result.exit_status, 1);
    EXPECT_NE(result.err.find("/nonexistent/x"), std::string::npos) << result.err;
}

TEST(Client, ImagesToFilesAndStandardOutput) {
    auto daemon = Daemon::start();
    write_file(daemon->dir() / "shot.png", png);
    ASSERT_EQ(clipshare(*daemon, {"send-files", "127.0.0.1", "shot.png"}).exit_status, 0);
    for (int version = 1; version <= 4; ++version) {
        auto file = daemon->dir() / ("got" + std::to_string(version) + ".png");
        auto got = clipshare(
            *daemon, {"--proto", std::to_string(version), "get-image", "127.0.0.1", file.string()});
        EXPECT_EQ(got.exit_status, 0) << got.err;
        EXPECT_EQ(read_file(file), png);
    }
    auto copied = clipshare(*daemon, {"get-image", "--copied", "127.0.0.1", "-"});
    EXPECT_EQ(copied.exit_status, 0) << copied.err;
    EXPECT_EQ(copied.out, png);
    // The store has no screen: its screenshot is "no data", and no file appears.
    auto shot = clipshare(*daemon, {"screenshot", "127.0.0.1", "screen.png", "--display", "1"});
    EXPECT_EQ(shot.exit_status, 6);
    EXPECT_FALSE(fs::exists(daemon->dir() / "screen.png"));
}

TEST(Client, GetAnyFollowsTheClipboardsType) {
    auto daemon = Daemon::start();
    ASSERT_EQ(clipshare(*daemon, {"send-text", "127.0.0.1", "typed"}).exit_status, 0);
    auto text = clipshare(*daemon, {"get-any", "127.0.0.1"});
    EXPECT_EQ(text.exit_status, 0) << text.err;
    EXPECT_EQ(text.out, "typed");

    write_file(daemon->dir() / "pic.png", png);
    ASSERT_EQ(clipshare(*daemon, {"send-files", "127.0.0.1", "pic.png"}).exit_status, 0);
    fs::create_directory(daemon->dir() / "any");
    auto files = clipshare(*daemon, {"get-any", "127.0.0.1", "any"});
    EXPECT_EQ(files.exit_status, 0) << files.err;
    EXPECT_EQ(files.out, "any/pic.png\n");
    EXPECT_EQ(read_file(daemon->dir() / "any/pic.png"), png);
}

TEST(Client, Ipv6LoopbackWithAndWithoutBrackets) {
    auto daemon = Daemon::start(
        "[server]\nbind = [\"127.0.0.1\", \"::1\"]\n"
        "working_dir = \"work\"\n");
    if (!Client::connect(daemon->port(), "::1").connected()) {
        GTEST_SKIP() << "no IPv6 loopback on this machine";
    }
    for (const char* host : {"::1", "[::1]"}) {
        auto result = clipshare(*daemon, {"info", host});
        EXPECT_EQ(result.exit_status, 0) << host << ": " << result.err;
        EXPECT_EQ(result.out, "protocol_version=4\n");
    }
}

TEST(Client, ConnectionFailuresExit3) {
    auto refused = clipshare({"-p", std::to_string(pick_free_port()), "info", "127.0.0.1"});
    EXPECT_EQ(refused.exit_status, 3);
    EXPECT_NE(refused.err.find("cannot connect to 127.0.0.1:"), std::string::npos) << refused.err;
    auto unresolvable = clipshare({"info", "no-such-host.invalid"});
    EXPECT_EQ(unresolvable.exit_status, 3);
}

TEST(Client, ServerThatNeverAnswersTimesOut) {
    // A listening socket that never accepts: the connection completes in the kernel, and
    // then nothing ever comes back.
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    ASSERT_EQ(listen(fd, 4), 0);
    socklen_t length = sizeof address;
    getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
    auto result = clipshare(
        {"-p", std::to_string(ntohs(address.sin_port)), "-t", "0.2", "info", "127.0.0.1"});
    ::close(fd);
    EXPECT_EQ(result.exit_status, 3);
    EXPECT_NE(result.err.find("timed out"), std::string::npos) << result.err;
}

TEST(Client, TlsInABuildWithoutItIsAClearError) {
    if (CLIPSHARE_HAVE_TLS) GTEST_SKIP() << "TLS is built in: test_client_tls.cpp tests it";
    auto result = clipshare({"--tls", "info", "127.0.0.1"});
    EXPECT_EQ(result.exit_status, 4);
    EXPECT_NE(result.err.find("TLS is not available in this build"), std::string::npos)
        << result.err;
}

TEST(Client, UsageErrorsExit2AndHelpExits0) {
    auto bad = clipshare({"get-text"});
    EXPECT_EQ(bad.exit_status, 2);
    EXPECT_NE(bad.err.find("usage: clipshare get-text HOST"), std::string::npos) << bad.err;
    auto help = clipshare({"--help"});
    EXPECT_EQ(help.exit_status, 0);
    EXPECT_NE(help.out.find("send-files HOST PATH..."), std::string::npos);
    auto version = clipshare({"-v"});
    EXPECT_EQ(version.exit_status, 0);
    EXPECT_EQ(version.out.rfind("clipshare ", 0), 0u);
}

// ---- scan: only ever to loopback addresses, never the LAN ----

TEST(ClientScan, FindsTheDaemonOnIpv4Loopback) {
    auto daemon = Daemon::start("[discovery]\nport = @DISCOVERY_PORT@\nbind = \"127.0.0.1\"\n");
    auto result = clipshare({"scan", "--to", "127.0.0.1", "-p",
                             std::to_string(daemon->discovery_port()), "--max", "1", "-t", "20"});
    EXPECT_EQ(result.exit_status, 0) << result.err;
    EXPECT_EQ(result.out, "127.0.0.1\n");
}

TEST(ClientScan, FindsTheDaemonOnIpv6Loopback) {
    auto daemon = Daemon::start(
        "[discovery]\nport = @DISCOVERY_PORT@\n"
        "bind = [\"127.0.0.1\", \"::1\"]\n");
    auto result = clipshare({"scan", "--to", "::1", "--to", "127.0.0.1", "-p",
                             std::to_string(daemon->discovery_port()), "--max", "2", "-t", "20"});
    if (result.err.find("cannot ask ::1") != std::string::npos) {
        GTEST_SKIP() << "no IPv6 loopback on this machine";
    }
    EXPECT_EQ(result.exit_status, 0) << result.err;
    // Both answer; the order is whichever came first.
    EXPECT_TRUE(result.out == "::1\n127.0.0.1\n" || result.out == "127.0.0.1\n::1\n") << result.out;
}

TEST(ClientScan, NobodyAnsweringExits6) {
    auto result = clipshare(
        {"scan", "--to", "127.0.0.1", "-p", std::to_string(pick_free_udp_port()), "-t", "0.2"});
    EXPECT_EQ(result.exit_status, 6);
    EXPECT_NE(result.err.find("no ClipShare server answered"), std::string::npos) << result.err;
    EXPECT_TRUE(result.out.empty());
}

TEST(ClientScan, NotAnAddressIsAUsageError) {
    auto result = clipshare({"scan", "--to", "router.lan", "-t", "0.1"});
    EXPECT_EQ(result.exit_status, 2);
}

}  // namespace
}  // namespace clipshare::test
