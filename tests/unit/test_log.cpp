// The log as an administrator meets it: levels that filter, a file that gets one stamped line
// per message, and a reopen after logrotate moved the file away.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "util/log.hpp"

namespace clipshare {
namespace {

namespace fs = std::filesystem;

std::string slurp(const fs::path& path) {
    std::ifstream in{path};
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

class LogFile : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() / ("clipshare-test-log-" + std::to_string(getpid()));
        fs::create_directories(dir_);
        file_ = dir_ / "clipshared.log";
    }
    void TearDown() override {
        log_use_syslog(false);  // back to stderr, closing the file
        log_set_level(LogLevel::info);
        fs::remove_all(dir_);
    }
    fs::path dir_;
    fs::path file_;
};

TEST_F(LogFile, LinesCarryTimePidAndLevelAndRespectTheLevel) {
    ASSERT_EQ(log_use_file(file_), "");
    log_set_level(LogLevel::info);
    LOG_DEBUG("hidden %d", 1);
    LOG_INFO("shown %d", 2);
    log_set_level(LogLevel::debug);
    LOG_DEBUG("now shown %s", "too");
    auto text = slurp(file_);
    EXPECT_EQ(text.find("hidden"), std::string::npos) << text;
    const std::string pid = "clipshared[" + std::to_string(getpid()) + "]: ";
    EXPECT_NE(text.find(pid + "info: shown 2\n"), std::string::npos) << text;
    EXPECT_NE(text.find(pid + "debug: now shown too\n"), std::string::npos) << text;
    // An ISO 8601 stamp first: "2024-05-01T12:00:00+0200 ".
    ASSERT_GE(text.size(), 20u);
    EXPECT_EQ(text[4], '-');
    EXPECT_EQ(text[10], 'T');
    EXPECT_EQ(fs::status(file_).permissions() & fs::perms::others_all, fs::perms::none);
}

TEST_F(LogFile, ReopenFollowsLogrotate) {
    ASSERT_EQ(log_use_file(file_), "");
    LOG_WARN("before rotation");
    fs::rename(file_, dir_ / "clipshared.log.1");
    LOG_WARN("still into the moved file");
    ASSERT_EQ(log_reopen(), "");
    LOG_WARN("after reopen");
    auto rotated = slurp(dir_ / "clipshared.log.1");
    auto fresh = slurp(file_);
    EXPECT_NE(rotated.find("before rotation"), std::string::npos);
    EXPECT_NE(rotated.find("still into the moved file"), std::string::npos);
    EXPECT_EQ(rotated.find("after reopen"), std::string::npos);
    EXPECT_NE(fresh.find("after reopen"), std::string::npos) << fresh;
}

TEST_F(LogFile, AFileThatCannotBeOpenedLeavesTheDestinationAlone) {
    ASSERT_EQ(log_use_file(file_), "");
    auto error = log_use_file(dir_ / "missing-dir" / "x.log");
    EXPECT_NE(error.find("missing-dir"), std::string::npos) << error;
    LOG_ERROR("kept");
    EXPECT_NE(slurp(file_).find("kept"), std::string::npos);
    // A reopen that fails keeps the old file too.
    fs::remove_all(dir_);
    EXPECT_NE(log_reopen(), "");
    fs::create_directories(dir_);
}

TEST(LogLevel, DebugArgumentsAreNotEvaluatedWhenOff) {
    log_set_level(LogLevel::info);
    int evaluated = 0;
    auto count = [&] { return ++evaluated; };
    LOG_DEBUG("%d", count());
    EXPECT_EQ(evaluated, 0);
    LOG_INFO("%d", count());
    EXPECT_EQ(evaluated, 1);
}

TEST(Syslog, SocketCheckMatchesTheFilesystem) {
    // Without a socket file at /dev/log nobody can be listening.
    std::error_code ignored;
    if (!fs::is_socket("/dev/log", ignored)) {
        EXPECT_FALSE(syslog_socket_available());
    }
}

}  // namespace
}  // namespace clipshare
