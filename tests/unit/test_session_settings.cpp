// The server's translation of Config into the protocol core's own settings.
#include <gtest/gtest.h>

#include "server/session_settings.hpp"

namespace clipshare {
namespace {

TEST(SessionSettingsFrom, DefaultsAgreeWithTheConfigsDefaults) {
    // The core keeps its own copy of the limits' defaults: they must not drift apart.
    auto settings = session_settings_from(Config{});
    SessionSettings core;
    EXPECT_EQ(settings.limits.max_text_length, core.limits.max_text_length);
    EXPECT_EQ(settings.limits.max_file_size, core.limits.max_file_size);
    EXPECT_EQ(settings.limits.max_file_count, core.limits.max_file_count);
    EXPECT_EQ(settings.limits.max_path_depth, core.limits.max_path_depth);
    EXPECT_EQ(settings.limits.max_batch_name_bytes, core.limits.max_batch_name_bytes);
    EXPECT_EQ(settings.min_version, core.min_version);
    EXPECT_EQ(settings.max_version, core.max_version);
    EXPECT_EQ(settings.methods, core.methods);
}

TEST(SessionSettingsFrom, CopiesEveryField) {
    Config config;
    config.protocol.min_version = 2;
    config.protocol.max_version = 3;
    config.limits.max_text_length = 11;
    config.limits.max_file_size = 12;
    config.limits.max_file_count = 13;
    config.limits.max_path_depth = 14;
    config.limits.max_batch_name_bytes = 15;
    config.server.info_name = "kitchen";
    config.clipboard.client_selects_display = true;
    config.clipboard.display = 7;
    auto settings = session_settings_from(config);
    EXPECT_EQ(settings.min_version, 2);
    EXPECT_EQ(settings.max_version, 3);
    EXPECT_EQ(settings.limits.max_text_length, 11);
    EXPECT_EQ(settings.limits.max_file_size, 12);
    EXPECT_EQ(settings.limits.max_file_count, 13);
    EXPECT_EQ(settings.limits.max_path_depth, 14);
    EXPECT_EQ(settings.limits.max_batch_name_bytes, 15);
    EXPECT_EQ(settings.info_name, "kitchen");
    EXPECT_TRUE(settings.client_selects_display);
    EXPECT_EQ(settings.display, 7);
}

TEST(SessionSettingsFrom, EachDisabledMethodClearsItsOwnCodeOnly) {
    for (const MethodInfo& info : method_table) {
        Config config;
        config.methods.reset(method_code(info.method));
        auto settings = session_settings_from(config);
        EXPECT_FALSE(method_enabled(info.method, settings.methods)) << info.key;
        EXPECT_EQ(settings.methods.count(), method_table.size() - 1) << info.key;
    }
}

}  // namespace
}  // namespace clipshare
