// `meson install --destdir` lays out the whole product, and the installed SysV init script
// really starts, reports, reloads and stops the installed daemon.
#include <gtest/gtest.h>

#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <sstream>

#include "daemon_fixture.hpp"
#include "protocol_helpers.hpp"
#include "support/files.hpp"
#include "system_user.hpp"

namespace clipshare::test {
namespace {

namespace fs = std::filesystem;

std::string env(const char* name) {
    const char* value = std::getenv(name);
    return value ? value : "";
}

// An installed path: DESTDIR + an absolute install path.
fs::path under(const fs::path& destdir, const std::string& absolute) {
    return destdir / fs::path(absolute).relative_path();
}

bool executable(const fs::path& path) {
    return access(path.c_str(), X_OK) == 0;
}

class Installed : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        destdir_ = std::make_unique<TempDir>();
        auto result = run_command({"/bin/sh", "-c",
                                   "meson install -C \"$BUILD_ROOT\" --no-rebuild --quiet "
                                   "--destdir \"$DESTDIR_UNDER_TEST\""},
                                  {"DESTDIR_UNDER_TEST=" + destdir_->path().string()});
        install_status_ = result.exit_status;
        install_log_ = result.out + result.err;
    }
    static void TearDownTestSuite() { destdir_.reset(); }

    void SetUp() override {
        if (env("BUILD_ROOT").empty()) GTEST_SKIP() << "BUILD_ROOT is not set";
        ASSERT_EQ(install_status_, 0) << install_log_;
    }
    fs::path path(const char* variable, const std::string& rest = {}) {
        auto base = under(destdir_->path(), env(variable));
        return rest.empty() ? base : base / rest;
    }

    static inline std::unique_ptr<TempDir> destdir_;
    static inline int install_status_ = -1;
    static inline std::string install_log_;
};

TEST_F(Installed, TreeHoldsEveryPiece) {
    EXPECT_TRUE(executable(path("INSTALL_SBINDIR", "clipshared")));
    EXPECT_TRUE(fs::exists(path("INSTALL_MANDIR", "man8/clipshared.8")));
    EXPECT_TRUE(fs::exists(path("INSTALL_MANDIR", "man5/clipshared.toml.5")));
    EXPECT_TRUE(fs::exists(path("INSTALL_SYSCONFDIR", "clipshare/clipshared.toml")));
    EXPECT_TRUE(executable(path("INSTALL_SYSCONFDIR", "init.d/clipshared")));
    auto unit = path("INSTALL_PREFIX", "lib/systemd/system/clipshared.service");
    ASSERT_TRUE(fs::exists(unit));
    // The unit and the script point at the installed binary, not at the build tree.
    EXPECT_NE(read_file(unit).find(env("INSTALL_SBINDIR") + "/clipshared -D"), std::string::npos);
    EXPECT_NE(read_file(path("INSTALL_SYSCONFDIR", "init.d/clipshared"))
                  .find("DAEMON=" + env("INSTALL_SBINDIR") + "/clipshared"),
              std::string::npos);
}

// The pages' .TH line takes the project's version from meson, never a hand-typed one.
TEST_F(Installed, ManPagesCarryTheProjectVersion) {
    std::vector<fs::path> pages{path("INSTALL_MANDIR", "man8/clipshared.8"),
                                path("INSTALL_MANDIR", "man5/clipshared.toml.5")};
    if (env("CLIENT_BUILT") == "1") pages.push_back(path("INSTALL_MANDIR", "man1/clipshare.1"));
    for (const auto& page : pages) {
        auto text = read_file(page);
        auto th = text.substr(text.find("\n.TH "));
        th = th.substr(0, th.find('\n', 1));
        EXPECT_NE(th.find("\"clipshare " + env("PROJECT_VERSION") + "\""), std::string::npos)
            << page << ": " << th;
        EXPECT_EQ(text.find('@'), std::string::npos) << page << " kept a placeholder";
    }
}

// Full RELRO: a read-only GOT resolved at start (-z relro -z now) on everything installed.
TEST_F(Installed, BinariesHaveFullRelro) {
    auto readelf = find_program("readelf");
    if (readelf.empty()) GTEST_SKIP() << "no readelf";
    std::vector<fs::path> binaries{path("INSTALL_SBINDIR", "clipshared")};
    if (env("CLIENT_BUILT") == "1") binaries.push_back(path("INSTALL_BINDIR", "clipshare"));
    for (const auto& binary : binaries) {
        auto result = run_command({readelf.string(), "-d", "-l", "-W", binary.string()});
        ASSERT_EQ(result.exit_status, 0) << result.err;
        EXPECT_NE(result.out.find("GNU_RELRO"), std::string::npos) << binary;
        EXPECT_NE(result.out.find("BIND_NOW"), std::string::npos) << binary;
    }
}

// The unit gives the default max_connections the descriptors it needs (2 per connection
// plus 64, as the daemon asks for), and runs as a static user whose files keep one owner.
TEST_F(Installed, SystemdUnitFitsTheDefaults) {
    auto unit = read_file(path("INSTALL_PREFIX", "lib/systemd/system/clipshared.service"));
    auto at = unit.find("\nLimitNOFILE=");
    ASSERT_NE(at, std::string::npos);
    long limit = std::stol(unit.substr(at + 13));
    EXPECT_GE(limit, 256 * 2 + 64);
    EXPECT_EQ(unit.find("DynamicUser=yes"), std::string::npos);
    EXPECT_NE(unit.find("\nUser=clipshare\n"), std::string::npos);
    EXPECT_NE(unit.find("ReadWritePaths="), std::string::npos) << "the drop-in is documented";
    EXPECT_NE(unit.find("\nProtectSystem=strict\n"), std::string::npos);
}

TEST_F(Installed, AReinstallKeepsAnEditedConfig) {
    auto config = path("INSTALL_SYSCONFDIR", "clipshare/clipshared.toml");
    auto sample = path("INSTALL_DATADIR", "clipshare/clipshared.toml");
    ASSERT_TRUE(fs::exists(sample));
    EXPECT_EQ(read_file(config), read_file(sample)) << "a first install puts the sample in place";
    std::ofstream{config, std::ios::app} << "# edited by the administrator\n";
    auto again = run_command({"/bin/sh", "-c",
                              "meson install -C \"$BUILD_ROOT\" --no-rebuild --quiet "
                              "--destdir \"$DESTDIR_UNDER_TEST\""},
                             {"DESTDIR_UNDER_TEST=" + destdir_->path().string()});
    ASSERT_EQ(again.exit_status, 0) << again.out << again.err;
    EXPECT_NE(read_file(config).find("# edited by the administrator"), std::string::npos);
    EXPECT_EQ(read_file(sample).find("# edited"), std::string::npos);
}

TEST_F(Installed, ClientItsManPageAndItsCompletionWhenBuilt) {
    if (env("CLIENT_BUILT") != "1") GTEST_SKIP() << "built with -Dclient=disabled";
    EXPECT_TRUE(executable(path("INSTALL_BINDIR", "clipshare")));
    EXPECT_TRUE(fs::exists(path("INSTALL_MANDIR", "man1/clipshare.1")));
    // Where bash-completion loads it on demand: the file is named after the command.
    ASSERT_FALSE(env("INSTALL_BASH_COMPLETIONSDIR").empty());
    auto completion = path("INSTALL_BASH_COMPLETIONSDIR", "clipshare");
    ASSERT_TRUE(fs::exists(completion));
    EXPECT_NE(read_file(completion).find("complete -F _clipshare clipshare"), std::string::npos);
}

TEST_F(Installed, SampleConfigIsValid) {
    // The sample names /var/lib/clipshare and the user clipshare, which this machine may not
    // have: point both elsewhere and let --check judge the rest (as that user, when root).
    TempDir work;
    auto sample = read_file(path("INSTALL_SYSCONFDIR", "clipshare/clipshared.toml"));
    auto at = sample.find("working_dir = \"/var/lib/clipshare\"");
    ASSERT_NE(at, std::string::npos);
    sample.replace(at, 34, "working_dir = \"" + work.path().string() + "\"");
    std::optional<SystemUser> user;
    std::string user_name = "clipshare";
    if (getpwnam("clipshare") == nullptr) {
        if (geteuid() == 0) {
            user.emplace();
            ASSERT_TRUE(user->available()) << user->why();
            user_name = user->name();
            user->give(work.path());
        } else {
            user_name = getpwuid(geteuid())->pw_name;
        }
        at = sample.find("user = \"clipshare\"");
        ASSERT_NE(at, std::string::npos);
        sample.replace(at, 18, "user = \"" + user_name + "\"");
    } else if (geteuid() == 0) {
        const passwd* entry = getpwnam("clipshare");
        ASSERT_EQ(::chown(work.path().c_str(), entry->pw_uid, entry->pw_gid), 0);
    }
    TempDir config_dir;
    auto copy = config_dir.path() / "sample.toml";
    std::ofstream{copy} << sample;
    auto result =
        run_command({path("INSTALL_SBINDIR", "clipshared").string(), "-t", "-c", copy.string()});
    EXPECT_EQ(result.exit_status, 0) << result.err;
    EXPECT_NE(result.out.find("user = \"" + user_name + "\""), std::string::npos);
}

TEST_F(Installed, SysvScriptStartsReloadsAndStops) {
    TempDir dir;
    fs::create_directory(dir.path() / "work");
    auto port = pick_free_port();
    auto config = dir.path() / "clipshared.toml";
    auto write_config = [&](const std::string& name) {
        std::ofstream{config} << "[server]\nbind = \"127.0.0.1\"\nworking_dir = \"work\"\n"
                              << "allow_root = true\ninfo_name = \"" << name << "\"\n"
                              << "[plain]\nport = " << port << "\n[discovery]\nenabled = false\n";
    };
    write_config("first");
    auto defaults = dir.path() / "defaults";
    std::ofstream{defaults} << "DAEMON=" << path("INSTALL_SBINDIR", "clipshared").string() << "\n"
                            << "CONFIG=" << config.string() << "\n"
                            << "PIDFILE=" << (dir.path() / "clipshared.pid").string() << "\n";
    auto script = path("INSTALL_SYSCONFDIR", "init.d/clipshared").string();
    // Never handed to systemctl (Debian's init-functions do that on a systemd host).
    std::vector<std::string> script_env{"CLIPSHARED_DEFAULTS=" + defaults.string(),
                                        "_SYSTEMCTL_SKIP_REDIRECT=1"};
    auto run = [&](const char* action) {
        return run_command({"/bin/sh", script, action}, script_env);
    };
    auto info = [&] {
        auto client = Client::connect(port);
        client.send(Bytes{4, 125, 1});
        return client.recv_all();
    };

    EXPECT_EQ(run("status").exit_status, 3);
    auto started = run("start");
    ASSERT_EQ(started.exit_status, 0) << started.out << started.err;
    EXPECT_EQ(run("status").exit_status, 0);
    EXPECT_EQ(info(), Bytes{1} + info_reply("clip_share\nserver_name=first"));

    write_config("second");
    ASSERT_EQ(run("reload").exit_status, 0);
    // The daemon applies SIGHUP asynchronously: poll until the new name shows.
    EXPECT_TRUE(wait_until(
        [&] { return info() == Bytes{1} + info_reply("clip_share\nserver_name=second"); }));

    auto stopped = run("stop");
    EXPECT_EQ(stopped.exit_status, 0) << stopped.err;
    EXPECT_EQ(run("status").exit_status, 3);
    EXPECT_FALSE(Client::connect(port).connected());
}

// The SysV script driven as an administrator would, with the daemon giving up root for a
// system user: every LSB status code, a reload, restarts (one refused for a broken config),
// and a crash.
TEST_F(Installed, SysvScriptUnderAServiceUserFollowsLsb) {
    if (geteuid() != 0) GTEST_SKIP() << "needs root to switch users";
    SystemUser user;
    ASSERT_TRUE(user.available()) << user.why();
    TempDir dir;
    auto work = dir.path() / "work";
    fs::create_directory(work);
    user.give(work);
    auto port = pick_free_port();
    auto config = dir.path() / "clipshared.toml";
    auto write_config = [&](const std::string& name, const fs::path& working_dir) {
        std::ofstream{config} << "[server]\nbind = \"127.0.0.1\"\nworking_dir = \""
                              << working_dir.string() << "\"\nuser = \"" << user.name()
                              << "\"\ninfo_name = \"" << name << "\"\n[plain]\nport = " << port
                              << "\n[discovery]\nenabled = false\n";
    };
    write_config("first", work);
    // Like /run/clipshared on a fresh boot: the directory does not exist yet.
    auto pidfile = dir.path() / "run" / "clipshared" / "clipshared.pid";
    fs::create_directory(dir.path() / "run");
    auto defaults = dir.path() / "defaults";
    std::ofstream{defaults} << "DAEMON=" << path("INSTALL_SBINDIR", "clipshared").string() << "\n"
                            << "CONFIG=" << config.string() << "\n"
                            << "PIDFILE=" << pidfile.string() << "\n";
    auto script = path("INSTALL_SYSCONFDIR", "init.d/clipshared").string();
    auto run = [&](const char* action) {
        return run_command({"/bin/sh", script, action}, {"CLIPSHARED_DEFAULTS=" + defaults.string(),
                                                         "_SYSTEMCTL_SKIP_REDIRECT=1"});
    };
    auto name_served = [&] {
        auto client = Client::connect(port);
        client.send(Bytes{4, 125, 1});
        return client.recv_all();
    };
    auto serves = [&](const std::string& name) {
        return name_served() == Bytes{1} + info_reply("clip_share\nserver_name=" + name);
    };
    auto pid = [&] {
        pid_t value = 0;
        std::ifstream{pidfile} >> value;
        return value;
    };
    auto gone = [](pid_t process) {
        std::ifstream stat{"/proc/" + std::to_string(process) + "/stat"};
        std::string text;
        if (!std::getline(stat, text)) return true;
        auto paren = text.rfind(')');
        return paren != std::string::npos && paren + 2 < text.size() && text[paren + 2] == 'Z';
    };

    EXPECT_EQ(run("status").exit_status, 3);
    auto started = run("start");
    ASSERT_EQ(started.exit_status, 0) << started.out << started.err;
    auto status = run("status");
    EXPECT_EQ(status.exit_status, 0) << status.out;
    EXPECT_TRUE(serves("first"));
    pid_t first = pid();
    EXPECT_EQ(run("configtest").out, "configuration ok\n");

    write_config("second", work);
    ASSERT_EQ(run("reload").exit_status, 0);
    EXPECT_TRUE(wait_until([&] { return serves("second"); }));
    EXPECT_EQ(pid(), first) << "a reload keeps the process";

    auto restarted = run("restart");
    ASSERT_EQ(restarted.exit_status, 0) << restarted.out << restarted.err;
    EXPECT_TRUE(gone(first));
    pid_t second = pid();
    EXPECT_NE(second, first);
    EXPECT_TRUE(serves("second"));

    // A working_dir the service user cannot write: refused before anything is stopped.
    auto root_only = dir.path() / "root-only";
    fs::create_directory(root_only);
    write_config("third", root_only);
    auto refused = run("restart");
    EXPECT_EQ(refused.exit_status, 6) << refused.out << refused.err;
    EXPECT_NE(refused.err.find("as user " + user.name()), std::string::npos) << refused.err;
    EXPECT_EQ(run("reload").exit_status, 6);
    EXPECT_FALSE(gone(second));
    EXPECT_TRUE(serves("second"));
    write_config("second", work);

    auto stopped = run("stop");
    EXPECT_EQ(stopped.exit_status, 0) << stopped.err;
    EXPECT_TRUE(gone(second));
    EXPECT_EQ(run("status").exit_status, 3);
    EXPECT_FALSE(fs::exists(pidfile)) << "no stale pidfile after a clean stop";
    EXPECT_FALSE(Client::connect(port).connected());

    ASSERT_EQ(run("start").exit_status, 0);
    pid_t third = pid();
    ASSERT_EQ(kill(third, SIGKILL), 0);
    ASSERT_TRUE(wait_until([&] { return gone(third); }));
    status = run("status");
    EXPECT_EQ(status.exit_status, 1) << status.out;
    EXPECT_NE(status.out.find("pidfile"), std::string::npos) << status.out;
    EXPECT_EQ(run("stop").exit_status, 0);
    EXPECT_EQ(run("status").exit_status, 3);
    EXPECT_FALSE(fs::exists(pidfile));
}

}  // namespace
}  // namespace clipshare::test
