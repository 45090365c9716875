// The config keys a service needs: numeric ids that cannot wrap to root, and [log] (level,
// destination, file), each with its one-line error and its line in describe_config.
#include <gtest/gtest.h>

#include <string>

#include "config/load.hpp"
#include "util/privileges.hpp"

namespace clipshare {
namespace {

const std::filesystem::path kFile = "/srv/clip/clipshared.toml";

ConfigResult parse(const std::string& text) {
    return parse_config(text, kFile);
}

std::string error_of(const std::string& text) {
    auto result = parse(text);
    EXPECT_FALSE(result.config) << "accepted: " << text;
    EXPECT_EQ(result.error.find('\n'), std::string::npos);
    return result.error;
}

TEST(ServiceIds, NumericIdsBeyond32BitsAreErrors) {
    // 4294967296 would become uid/gid 0 once converted.
    auto error = error_of("[server]\nuser = \"nobody\"\ngroup = \"4294967296\"\n");
    EXPECT_NE(error.find(":3: key 'server.group'"), std::string::npos) << error;
    EXPECT_NE(error.find("out of range"), std::string::npos) << error;
    error = error_of("[server]\nuser = \"4294967296\"\nallow_root = true\n");
    EXPECT_NE(error.find(":2: key 'server.user'"), std::string::npos) << error;
    // (uid_t)-1 is "unchanged" to the kernel: not an id either.
    EXPECT_NE(error_of("[server]\nuser = \"4294967295\"\n").find("out of range"),
              std::string::npos);
    EXPECT_NE(error_of("[server]\nuser = \"99999999999999999999999\"\n").find("out of range"),
              std::string::npos);
}

TEST(ServiceIds, NumericIdsInRangeAndNamesAreKept) {
    auto result = parse("[server]\nuser = \"4294967294\"\ngroup = \"0\"\n");
    ASSERT_TRUE(result.config) << result.error;
    EXPECT_EQ(result.config->server.user, "4294967294");
    EXPECT_EQ(result.config->server.group, "0");
    result = parse("[server]\nuser = \"clip-share_1\"\n");
    ASSERT_TRUE(result.config) << result.error;
    EXPECT_EQ(result.config->server.user, "clip-share_1");
}

TEST(ServiceIds, ResolvingRefusesWhatWouldWrap) {
    std::string error;
    EXPECT_FALSE(resolve_account("4294967296", "", error));
    EXPECT_NE(error.find("out of range"), std::string::npos) << error;
    error.clear();
    EXPECT_FALSE(resolve_account("0", "4294967296", error));
    EXPECT_NE(error.find("out of range"), std::string::npos) << error;
    error.clear();
    EXPECT_FALSE(resolve_account("no-such-user-here", "", error));
    EXPECT_NE(error.find("does not exist"), std::string::npos) << error;
    auto root = resolve_account("0", "", error);
    ASSERT_TRUE(root) << error;
    EXPECT_EQ(root->uid, 0u);
    EXPECT_EQ(root->user_name, "root");
}

TEST(LogSection, DefaultsAreInfoAndAutomatic) {
    auto result = parse("");
    ASSERT_TRUE(result.config);
    EXPECT_EQ(result.config->log.level, LogLevel::info);
    EXPECT_EQ(result.config->log.destination, LogDestination::automatic);
    EXPECT_TRUE(result.config->log.file.empty());
}

TEST(LogSection, EveryLevelAndDestination) {
    for (auto [name, level] : {std::pair{"debug", LogLevel::debug},
                               {"info", LogLevel::info},
                               {"warning", LogLevel::warning},
                               {"error", LogLevel::error}}) {
        auto result = parse(std::string{"[log]\nlevel = \""} + name + "\"\n");
        ASSERT_TRUE(result.config) << result.error;
        EXPECT_EQ(result.config->log.level, level);
    }
    for (auto [name, where] : {std::pair{"auto", LogDestination::automatic},
                               {"syslog", LogDestination::syslog},
                               {"stderr", LogDestination::stderr_stream}}) {
        auto result = parse(std::string{"[log]\ndestination = \""} + name + "\"\n");
        ASSERT_TRUE(result.config) << result.error;
        EXPECT_EQ(result.config->log.destination, where);
    }
}

TEST(LogSection, FileIsResolvedAndImpliesTheFileDestination) {
    auto result = parse("[log]\nfile = \"log/clipshared.log\"\n");
    ASSERT_TRUE(result.config) << result.error;
    EXPECT_EQ(result.config->log.destination, LogDestination::file);
    EXPECT_EQ(result.config->log.file, "/srv/clip/log/clipshared.log");
    result = parse("[log]\ndestination = \"file\"\nfile = \"/var/log/c.log\"\n");
    ASSERT_TRUE(result.config) << result.error;
    EXPECT_EQ(result.config->log.file, "/var/log/c.log");
}

TEST(LogSection, ContradictionsAndTyposAreErrors) {
    auto error = error_of("[log]\nlevel = \"verbose\"\n");
    EXPECT_NE(error.find(":2: key 'log.level'"), std::string::npos) << error;
    EXPECT_NE(error.find("\"debug\""), std::string::npos) << error;
    error = error_of("[log]\ndestination = \"file\"\n");
    EXPECT_NE(error.find(":2: key 'log.destination'"), std::string::npos) << error;
    EXPECT_NE(error.find("needs log.file"), std::string::npos) << error;
    error = error_of("[log]\ndestination = \"syslog\"\nfile = \"x.log\"\n");
    EXPECT_NE(error.find(":3: key 'log.file'"), std::string::npos) << error;
    error = error_of("[log]\nlevle = \"debug\"\n");
    EXPECT_NE(error.find("unknown key 'log.levle'"), std::string::npos) << error;
    error = error_of("[log]\nlevel = 3\n");
    EXPECT_NE(error.find("expected a string"), std::string::npos) << error;
}

TEST(LogSection, DescribedAndReadBack) {
    auto result = parse("[log]\nlevel = \"debug\"\nfile = \"/var/log/c.log\"\n");
    ASSERT_TRUE(result.config) << result.error;
    auto text = describe_config(*result.config);
    EXPECT_NE(
        text.find("[log]\nlevel = \"debug\"\ndestination = \"file\"\nfile = \"/var/log/c.log\""),
        std::string::npos)
        << text;
    auto again = parse(text);
    ASSERT_TRUE(again.config) << again.error;
    EXPECT_EQ(again.config->log.level, LogLevel::debug);
    EXPECT_EQ(again.config->log.file, "/var/log/c.log");
}

TEST(LogLevelNames, RoundTrip) {
    for (auto level : {LogLevel::error, LogLevel::warning, LogLevel::info, LogLevel::debug}) {
        EXPECT_EQ(parse_log_level(log_level_name(level)), level);
    }
    EXPECT_FALSE(parse_log_level("warn"));
    EXPECT_FALSE(parse_log_level("DEBUG"));
}

}  // namespace
}  // namespace clipshare
