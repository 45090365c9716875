// clipshared as a system service: -t and -r judge the config as the service user will meet
// it, the pidfile never outlives a clean stop, and the log level and destination do what
// clipshared.toml(5) says. Tests that switch users need root (CI runs as root) and create a
// system user of their own.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "build_config.hpp"
#include "daemon_fixture.hpp"
#include "support/files.hpp"
#include "system_user.hpp"

namespace clipshare::test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

RunResult clipshared(std::vector<std::string> args) {
    args.insert(args.begin(), daemon_binary().string());
    return run_command(args);
}

// Exited: no such process, or a zombie nobody reaped yet (a detached daemon is not ours).
bool process_gone(pid_t pid) {
    std::ifstream stat{"/proc/" + std::to_string(pid) + "/stat"};
    std::string text;
    if (!std::getline(stat, text)) return true;
    auto close_paren = text.rfind(')');
    return close_paren != std::string::npos && close_paren + 2 < text.size() &&
           text[close_paren + 2] == 'Z';
}

pid_t pid_in(const fs::path& pidfile) {
    pid_t pid = 0;
    std::ifstream{pidfile} >> pid;
    return pid;
}

Bytes info(std::uint16_t port) {
    auto client = Client::connect(port);
    if (!client.connected()) return {};
    client.send(Bytes{4, 125, 1});
    return client.recv_all();
}

// A config for a daemon on a free loopback port, serving `work` as `user` (or as root with
// allow_root when `user` is empty).
std::string service_config(std::uint16_t port, const fs::path& work, const std::string& user,
                           const std::string& extra = {}) {
    std::string server =
        "[server]\nbind = \"127.0.0.1\"\nworking_dir = \"" + work.string() + "\"\n";
    server += user.empty() ? "allow_root = true\n" : "user = \"" + user + "\"\n";
    return server + extra + "[plain]\nport = " + std::to_string(port) +
           "\n[discovery]\nenabled = false\n";
}

#define NEEDS_ROOT_AND_USER(user)                                     \
    if (geteuid() != 0) GTEST_SKIP() << "needs root to switch users"; \
    SystemUser user;                                                  \
    if (!user.available()) GTEST_SKIP() << user.why()

// ---- clipshared -t ----

TEST(ServiceCheck, AUserThatDoesNotExistFailsTheCheck) {
    TempDir dir;
    write_file(dir.path() / "c.toml", service_config(4337, dir.path(), "no-such-user-here"));
    auto result = clipshared({"-t", "-c", (dir.path() / "c.toml").string()});
    EXPECT_EQ(result.exit_status, 1);
    EXPECT_NE(result.err.find("user 'no-such-user-here' does not exist"), std::string::npos)
        << result.err;
    write_file(dir.path() / "c.toml",
               service_config(4337, dir.path(), "root", "group = \"no-such-group-here\"\n"));
    result = clipshared({"-t", "-c", (dir.path() / "c.toml").string()});
    EXPECT_EQ(result.exit_status, 1);
    EXPECT_NE(result.err.find("group 'no-such-group-here' does not exist"), std::string::npos)
        << result.err;
}

TEST(ServiceCheck, IdsThatWouldWrapToRootAreRefused) {
    TempDir dir;
    for (std::string key : {"group = \"4294967296\"\n", "user = \"4294967296\"\n"}) {
        write_file(dir.path() / "c.toml", "[server]\nallow_root = true\n" + key);
        auto result = clipshared({"-t", "-c", (dir.path() / "c.toml").string()});
        EXPECT_EQ(result.exit_status, 1) << key;
        EXPECT_NE(result.err.find("out of range"), std::string::npos) << result.err;
    }
}

TEST(ServiceCheck, WorkingDirIsJudgedAsTheServiceUser) {
    NEEDS_ROOT_AND_USER(user);
    TempDir dir;
    auto work = dir.path() / "work";
    fs::create_directory(work);
    fs::permissions(work, fs::perms::owner_all);  // root's alone: root could, the user cannot
    auto config = dir.path() / "c.toml";
    write_file(config, service_config(4337, work, user.name()));
    auto result = clipshared({"-t", "-c", config.string()});
    EXPECT_EQ(result.exit_status, 1) << result.out;
    EXPECT_NE(result.err.find("as user " + user.name() + ": working_dir " + work.string()),
              std::string::npos)
        << result.err;
    EXPECT_NE(result.err.find("Permission denied"), std::string::npos) << result.err;

    user.give(work);
    result = clipshared({"-t", "-c", config.string()});
    EXPECT_EQ(result.exit_status, 0) << result.err;
    EXPECT_NE(
        result.out.find("# Checked as " + user.name() + " (uid " + std::to_string(user.uid())),
        std::string::npos)
        << result.out;
}

TEST(ServiceCheck, StateDirAndLogFileAreJudgedAsTheServiceUser) {
    NEEDS_ROOT_AND_USER(user);
    TempDir dir;
    auto work = dir.path() / "work";
    fs::create_directory(work);
    user.give(work);
    auto root_only = dir.path() / "root-only";
    fs::create_directory(root_only);
    fs::permissions(root_only, fs::perms::owner_all | fs::perms::group_read |
                                   fs::perms::group_exec | fs::perms::others_read |
                                   fs::perms::others_exec);
    auto config = dir.path() / "c.toml";
    write_file(config, service_config(4337, work, user.name(),
                                      "state_dir = \"" + (root_only / "state").string() + "\"\n"));
    auto result = clipshared({"-t", "-c", config.string()});
    EXPECT_EQ(result.exit_status, 1);
    EXPECT_NE(result.err.find("state_dir"), std::string::npos) << result.err;

    write_file(config, service_config(4337, work, user.name()) + "[log]\nfile = \"" +
                           (root_only / "clipshared.log").string() + "\"\n");
    result = clipshared({"-t", "-c", config.string()});
    EXPECT_EQ(result.exit_status, 1);
    EXPECT_NE(result.err.find("log file"), std::string::npos) << result.err;
}

// ---- make-certs.sh ----

std::string mode_of(const fs::path& path) {
    struct stat info {};
    if (stat(path.c_str(), &info) != 0) return "missing";
    char text[8];
    std::snprintf(text, sizeof text, "%03o", info.st_mode & 0777);
    return text;
}

RunResult make_certs(const std::vector<std::string>& args) {
    const char* script = std::getenv("MAKE_CERTS");
    std::vector<std::string> argv{"/bin/sh", script ? script : "make-certs.sh"};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_command(argv, {"CLIPSHARE_PFX_PASSWORD=test"});
}

TEST(MakeCerts, AServerNamedServerWorks) {
    TempDir dir;
    auto result = make_certs({"-d", dir.path().string(), "-s", "server", "phone"});
    ASSERT_EQ(result.exit_status, 0) << result.err;
    auto subject = run_command({"/usr/bin/openssl", "x509", "-in",
                                (dir.path() / "server.crt").string(), "-noout", "-subject"});
    EXPECT_NE(subject.out.find("CN = server"), std::string::npos) << subject.out;
    EXPECT_TRUE(fs::exists(dir.path() / "server.key"));
    // Client names that would overwrite the CA's or the server's files are refused.
    result = make_certs({"-d", dir.path().string(), "ca"});
    EXPECT_EQ(result.exit_status, 2);
    EXPECT_NE(result.err.find("cannot be a client name"), std::string::npos) << result.err;
}

TEST(MakeCerts, PublicFilesArePublicKeysArePrivateAndSaidSo) {
    TempDir dir;
    auto result = make_certs({"-d", dir.path().string(), "phone"});
    ASSERT_EQ(result.exit_status, 0) << result.err;
    EXPECT_EQ(mode_of(dir.path() / "ca.crt"), "644");
    EXPECT_EQ(mode_of(dir.path() / "server.crt"), "644");
    EXPECT_EQ(mode_of(dir.path() / "allowed_clients.txt"), "644");
    EXPECT_EQ(mode_of(dir.path() / "ca.key"), "600");
    EXPECT_EQ(mode_of(dir.path() / "phone.key"), "600");
    EXPECT_EQ(mode_of(dir.path() / "phone.pfx"), "600");
    EXPECT_NE(result.out.find("server.crt: 644"), std::string::npos) << result.out;
    EXPECT_NE(result.out.find("ca.key: 600"), std::string::npos) << result.out;
    // Files an older version made 0600 get their modes on the next run.
    fs::permissions(dir.path() / "ca.crt", fs::perms::owner_read | fs::perms::owner_write);
    ASSERT_EQ(make_certs({"-d", dir.path().string()}).exit_status, 0);
    EXPECT_EQ(mode_of(dir.path() / "ca.crt"), "644");
    EXPECT_EQ(make_certs({"-d", dir.path().string(), "-g", "no-such-group-here"}).exit_status, 2);
}

// `openssl x509 -text` of one certificate, or `openssl pkcs12 -info` of one bundle.
std::string certificate_text(const fs::path& file) {
    return run_command({"/usr/bin/env", "openssl", "x509", "-in", file.string(), "-noout", "-text"})
        .out;
}
RunResult pkcs12_info(const fs::path& file) {
    return run_command({"/usr/bin/env", "openssl", "pkcs12", "-in", file.string(), "-info",
                        "-nodes", "-passin", "pass:test"});
}
bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

TEST(MakeCerts, TheServerKeyIsEcdsaP256AndTheOthersRsaByDefault) {
    TempDir dir;
    auto result = make_certs({"-d", dir.path().string(), "phone"});
    ASSERT_EQ(result.exit_status, 0) << result.err;
    auto server = certificate_text(dir.path() / "server.crt");
    EXPECT_TRUE(contains(server, "id-ecPublicKey")) << server;
    EXPECT_TRUE(contains(server, "NIST CURVE: P-256")) << server;
    // An ECDSA key signs and nothing else: no key encipherment in its key usage.
    EXPECT_TRUE(contains(server, "Digital Signature")) << server;
    EXPECT_FALSE(contains(server, "Key Encipherment")) << server;
    EXPECT_TRUE(contains(server, "sha256WithRSAEncryption")) << server;  // signed by the CA
    EXPECT_TRUE(contains(certificate_text(dir.path() / "ca.crt"), "Public-Key: (3072 bit)"));
    auto phone = certificate_text(dir.path() / "phone.crt");
    EXPECT_TRUE(contains(phone, "Public-Key: (2048 bit)")) << phone;
    EXPECT_TRUE(contains(phone, "Key Encipherment")) << phone;
    // Clients added later with -c ec get ECDSA keys, signed by the RSA CA that exists.
    ASSERT_EQ(make_certs({"-d", dir.path().string(), "-c", "ec", "laptop"}).exit_status, 0);
    auto laptop = certificate_text(dir.path() / "laptop.crt");
    EXPECT_TRUE(contains(laptop, "NIST CURVE: P-256")) << laptop;
    EXPECT_TRUE(contains(laptop, "sha256WithRSAEncryption")) << laptop;
    EXPECT_EQ(make_certs({"-d", dir.path().string(), "-c", "dsa", "tablet"}).exit_status, 2);
    EXPECT_EQ(make_certs({"-d", dir.path().string(), "-k", "ed25519"}).exit_status, 2);
}

TEST(MakeCerts, EveryKeyEcdsaOnRequest) {
    TempDir dir;
    auto result = make_certs({"-d", dir.path().string(), "-k", "ec", "-c", "ec", "phone"});
    ASSERT_EQ(result.exit_status, 0) << result.err;
    for (const char* name : {"ca.crt", "server.crt", "phone.crt"}) {
        auto text = certificate_text(dir.path() / name);
        EXPECT_TRUE(contains(text, "NIST CURVE: P-256")) << name << "\n" << text;
        EXPECT_TRUE(contains(text, "ecdsa-with-SHA256")) << name << "\n" << text;
        EXPECT_FALSE(contains(text, "Key Encipherment")) << name << "\n" << text;
    }
}

TEST(MakeCerts, RsaKeysOnRequest) {
    TempDir dir;
    auto result = make_certs({"-d", dir.path().string(), "-k", "rsa", "phone"});
    ASSERT_EQ(result.exit_status, 0) << result.err;
    EXPECT_TRUE(contains(certificate_text(dir.path() / "ca.crt"), "Public-Key: (3072 bit)"));
    for (const char* name : {"server.crt", "phone.crt"}) {
        auto text = certificate_text(dir.path() / name);
        EXPECT_TRUE(contains(text, "rsaEncryption")) << name << "\n" << text;
        EXPECT_TRUE(contains(text, "Public-Key: (2048 bit)")) << name << "\n" << text;
        EXPECT_TRUE(contains(text, "Key Encipherment")) << name << "\n" << text;
    }
}

// The bundles keep the one PKCS#12 flavour every Android version imports (PBE-SHA1-3DES, SHA-1
// MAC) whatever the client's key type, and give back the key and both certificates. Where a JRE is
// installed, Java's PKCS12 KeyStore (what the Android app loads the bundle with) reads it too.
TEST(MakeCerts, Pkcs12BundlesOfBothKeyTypesReadBack) {
    TempDir dir;
    for (const std::string type : {"ec", "rsa"}) {
        auto pki = dir.path() / type;
        ASSERT_EQ(make_certs({"-d", pki.string(), "-c", type, "phone"}).exit_status, 0) << type;
        auto info = pkcs12_info(pki / "phone.pfx");
        ASSERT_EQ(info.exit_status, 0) << type << ": " << info.err;
        EXPECT_TRUE(contains(info.err, "MAC: sha1")) << type << ": " << info.err;
        EXPECT_TRUE(contains(info.err, "Shrouded Keybag: pbeWithSHA1And3-KeyTripleDES-CBC"))
            << type << ": " << info.err;
        EXPECT_TRUE(contains(info.err, "PKCS7 Encrypted data: pbeWithSHA1And3-KeyTripleDES-CBC"))
            << type << ": " << info.err;
        EXPECT_TRUE(contains(info.out, "BEGIN PRIVATE KEY")) << type;
        EXPECT_TRUE(contains(info.out, "subject=CN = phone")) << type << ": " << info.out;
        EXPECT_TRUE(contains(info.out, "subject=CN = clipshare_ca")) << type << ": " << info.out;

        auto keytool = find_program("keytool");
        if (keytool.empty()) continue;
        auto listed =
            run_command({keytool.string(), "-list", "-v", "-storetype", "PKCS12", "-keystore",
                         (pki / "phone.pfx").string(), "-storepass", "test"});
        EXPECT_EQ(listed.exit_status, 0) << type << ": " << listed.out << listed.err;
        EXPECT_TRUE(contains(listed.out, "Entry type: PrivateKeyEntry")) << listed.out;
        EXPECT_TRUE(contains(listed.out, "Certificate chain length: 2")) << listed.out;
        EXPECT_TRUE(
            contains(listed.out, type == "ec" ? "256-bit EC (secp256r1) key" : "2048-bit RSA key"))
            << listed.out;
    }
}

TEST(MakeCerts, TheServiceGroupReadsTheKeyAndTheCheckProvesIt) {
    NEEDS_ROOT_AND_USER(user);
    if (!CLIPSHARE_HAVE_TLS) GTEST_SKIP() << "built without TLS";
    TempDir dir;
    auto certs = dir.path() / "certs";
    auto result = make_certs({"-d", certs.string(), "-g", user.name(), "phone"});
    ASSERT_EQ(result.exit_status, 0) << result.err;
    EXPECT_EQ(mode_of(certs / "server.key"), "640");
    struct stat info {};
    ASSERT_EQ(stat((certs / "server.key").c_str(), &info), 0);
    EXPECT_EQ(info.st_gid, user.gid());
    EXPECT_NE(result.out.find("server.key: 640 (group " + user.name()), std::string::npos)
        << result.out;

    auto work = dir.path() / "work";
    fs::create_directory(work);
    user.give(work);
    auto config = certs / "clipshared.toml";  // the file names resolve next to it
    write_file(config,
               service_config(4337, work, user.name()) + "[tls]\nenabled = true\nport = 4338\n");
    auto checked = clipshared({"-t", "-c", config.string()});
    EXPECT_EQ(checked.exit_status, 0) << checked.err;

    // What the issue saw: a key only root can read passes as root, not as the user.
    fs::permissions(certs / "server.key", fs::perms::owner_read | fs::perms::owner_write);
    checked = clipshared({"-t", "-c", config.string()});
    EXPECT_EQ(checked.exit_status, 1);
    EXPECT_NE(checked.err.find("as user " + user.name()), std::string::npos) << checked.err;
    EXPECT_NE(checked.err.find("server.key"), std::string::npos) << checked.err;
}

// ---- clipshared -r ----

TEST(Restart, AConfigThatWouldNotStartLeavesTheRunningDaemonAlone) {
    TempDir dir;
    auto work = dir.path() / "work";
    fs::create_directory(work);
    auto port = pick_free_port();
    auto config = dir.path() / "c.toml";
    auto pidfile = dir.path() / "run" / "clipshared.pid";
    write_file(config, service_config(port, work, ""));
    auto started = clipshared({"-d", "-c", config.string(), "-p", pidfile.string()});
    ASSERT_EQ(started.exit_status, 0) << started.err;
    pid_t pid = pid_in(pidfile);
    ASSERT_GT(pid, 1);

    write_file(config, service_config(port, dir.path() / "missing", ""));
    auto refused = clipshared({"-r", "-c", config.string(), "-p", pidfile.string()});
    EXPECT_EQ(refused.exit_status, 1);
    EXPECT_NE(refused.err.find("working_dir"), std::string::npos) << refused.err;
    EXPECT_NE(refused.err.find("left alone"), std::string::npos) << refused.err;
    EXPECT_FALSE(process_gone(pid));
    EXPECT_EQ(info(port), Bytes{1} + info_reply("clip_share"));

    write_file(config, service_config(port, work, "", "info_name = \"second\"\n"));
    auto restarted = clipshared({"-r", "-c", config.string(), "-p", pidfile.string()});
    ASSERT_EQ(restarted.exit_status, 0) << restarted.err;
    EXPECT_TRUE(process_gone(pid));
    EXPECT_EQ(info(port), Bytes{1} + info_reply("clip_share\nserver_name=second"));
    EXPECT_EQ(clipshared({"-s", "-p", pidfile.string()}).exit_status, 0);
}

// ---- the pidfile ----

TEST(Pidfile, GoneAfterACleanStopEvenAfterGivingUpRoot) {
    NEEDS_ROOT_AND_USER(user);
    TempDir dir;
    auto work = dir.path() / "work";
    fs::create_directory(work);
    user.give(work);
    auto port = pick_free_port();
    auto config = dir.path() / "c.toml";
    write_file(config, service_config(port, work, user.name()));
    // Like /run/clipshared after a boot: the directory does not exist yet.
    auto pidfile = dir.path() / "run" / "clipshared.pid";
    auto started = clipshared({"-d", "-c", config.string(), "-p", pidfile.string()});
    ASSERT_EQ(started.exit_status, 0) << started.err;
    struct stat info {};
    ASSERT_EQ(stat(pidfile.parent_path().c_str(), &info), 0);
    EXPECT_EQ(info.st_uid, user.uid()) << "the daemon's directory belongs to its user";
    pid_t pid = pid_in(pidfile);
    ASSERT_GT(pid, 1);
    // A plain SIGTERM, as systemd, procd or kill would send: no clipshared -s to clean up.
    ASSERT_EQ(kill(pid, SIGTERM), 0);
    ASSERT_TRUE(wait_until([&] { return process_gone(pid); }));
    EXPECT_FALSE(fs::exists(pidfile));
}

TEST(Pidfile, EmptiedWhereItsDirectoryIsRootsAndRemovedByStop) {
    NEEDS_ROOT_AND_USER(user);
    TempDir dir;
    auto work = dir.path() / "work";
    fs::create_directory(work);
    user.give(work);
    auto port = pick_free_port();
    auto config = dir.path() / "c.toml";
    write_file(config, service_config(port, work, user.name()));
    auto pidfile = dir.path() / "clipshared.pid";  // dir.path() is root's, 0755
    auto started = clipshared({"-d", "-c", config.string(), "-p", pidfile.string()});
    ASSERT_EQ(started.exit_status, 0) << started.err;
    pid_t pid = pid_in(pidfile);
    ASSERT_EQ(kill(pid, SIGTERM), 0);
    ASSERT_TRUE(wait_until([&] { return process_gone(pid); }));
    // It could not unlink the file; it left no pid in it either.
    ASSERT_TRUE(fs::exists(pidfile));
    EXPECT_EQ(fs::file_size(pidfile), 0u);
    auto stopped = clipshared({"-s", "-p", pidfile.string()});
    EXPECT_EQ(stopped.exit_status, 0);
    EXPECT_NE(stopped.err.find("not running"), std::string::npos);
    EXPECT_FALSE(fs::exists(pidfile));
}

// ---- logging ----

// A full exchange: the daemon has accepted (and logged the connection) once Info answers.
void exchange(std::uint16_t port) {
    EXPECT_EQ(info(port), Bytes{1} + info_reply("clip_share"));
}

TEST(Logging, DebugLinesOnlyWhenAskedFor) {
    auto quiet = Daemon::start();
    exchange(quiet->port());
    EXPECT_EQ(quiet->log().find("debug:"), std::string::npos) << quiet->log();

    auto by_flag = Daemon::start({}, {"-l", "debug"});
    exchange(by_flag->port());
    EXPECT_TRUE(by_flag->wait_for_log("debug: 127.0.0.1:")) << by_flag->log();

    auto by_key = Daemon::start("[log]\nlevel = \"debug\"\n");
    exchange(by_key->port());
    EXPECT_TRUE(by_key->wait_for_log("debug: 127.0.0.1:")) << by_key->log();

    // The flag wins over the file, also across a reload. (Info, not lower: the fixture
    // waits for the "ready" line, which is info.)
    auto overridden = Daemon::start("[log]\nlevel = \"debug\"\n", {"-l", "info"});
    overridden->signal(SIGHUP);
    ASSERT_TRUE(overridden->wait_for_log("configuration reloaded"));
    exchange(overridden->port());
    EXPECT_EQ(overridden->log().find("debug:"), std::string::npos) << overridden->log();
}

TEST(Logging, ReloadAppliesANewLevel) {
    auto daemon = Daemon::start();
    auto text = read_file(daemon->config_path());
    write_file(daemon->config_path(), text + "[log]\nlevel = \"debug\"\n");
    daemon->signal(SIGHUP);
    ASSERT_TRUE(daemon->wait_for_log("configuration reloaded"));
    exchange(daemon->port());
    EXPECT_TRUE(daemon->wait_for_log("debug: 127.0.0.1:")) << daemon->log();
}

TEST(Logging, AFileIsReopenedOnSighupForLogrotate) {
    TempDir logs;
    auto file = logs.path() / "clipshared.log";
    auto config = logs.path() / "c.toml";
    write_file(config, service_config(pick_free_port(), logs.path(), "") + "[log]\nfile = \"" +
                           file.string() + "\"\n");
    // Not the Daemon fixture: it waits for "ready" on stderr, and this daemon logs elsewhere.
    ChildProcess daemon{{daemon_binary().string(), "-D", "-c", config.string()}, {}};
    ASSERT_TRUE(wait_until([&] { return read_file(file).find("ready") != std::string::npos; }))
        << daemon.err();
    EXPECT_EQ(daemon.err(), "") << "nothing on stderr";
    fs::rename(file, logs.path() / "clipshared.log.1");
    ::kill(daemon.pid(), SIGHUP);
    ASSERT_TRUE(wait_until([&] {
        return read_file(file).find("configuration reloaded") != std::string::npos;
    })) << read_file(logs.path() / "clipshared.log.1");
    EXPECT_EQ(read_file(logs.path() / "clipshared.log.1").find("configuration reloaded"),
              std::string::npos);
}

TEST(Logging, DetachedWithoutASyslogDaemonSaysSoAtStart) {
    std::error_code ignored;
    if (fs::is_socket("/dev/log", ignored)) {
        GTEST_SKIP() << "a syslog daemon listens on /dev/log here";
    }
    TempDir dir;
    auto port = pick_free_port();
    auto config = dir.path() / "c.toml";
    write_file(config, service_config(port, dir.path(), ""));
    auto pidfile = dir.path() / "clipshared.pid";
    auto started = clipshared({"-d", "-c", config.string(), "-p", pidfile.string()});
    EXPECT_EQ(started.exit_status, 0) << started.err;
    EXPECT_NE(started.err.find("no syslog daemon listens on /dev/log"), std::string::npos)
        << started.err;
    EXPECT_EQ(clipshared({"-s", "-p", pidfile.string()}).exit_status, 0);

    // With a log file there is nothing to warn about.
    write_file(config, service_config(port, dir.path(), "") + "[log]\nfile = \"c.log\"\n");
    started = clipshared({"-d", "-c", config.string(), "-p", pidfile.string()});
    EXPECT_EQ(started.exit_status, 0) << started.err;
    EXPECT_EQ(started.err, "");
    EXPECT_EQ(clipshared({"-s", "-p", pidfile.string()}).exit_status, 0);
    EXPECT_NE(read_file(dir.path() / "c.log").find("ready"), std::string::npos);
}

TEST(Logging, ALevelFlagThatIsNotALevelIsAUsageError) {
    auto result = clipshared({"-l", "loud", "-t"});
    EXPECT_EQ(result.exit_status, 1);
    EXPECT_NE(result.err.find("-l needs debug, info, warning or error, not 'loud'"),
              std::string::npos)
        << result.err;
}

}  // namespace
}  // namespace clipshare::test
