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
    EXPECT_EQ(settings.enabled_methods, core.enabled_methods);
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
    struct Case {
        bool MethodsSection::*key;
        Method method;
    };
    const Case cases[] = {
        {&MethodsSection::get_text, Method::get_text},
        {&MethodsSection::send_text, Method::send_text},
        {&MethodsSection::get_files, Method::get_files},
        {&MethodsSection::send_files, Method::send_files},
        {&MethodsSection::get_image, Method::get_image},
        {&MethodsSection::get_copied_image, Method::get_copied_image},
        {&MethodsSection::get_screenshot, Method::get_screenshot},
        {&MethodsSection::get_any, Method::get_any},
        {&MethodsSection::info, Method::info},
    };
    for (const auto& c : cases) {
        Config config;
        config.methods.*c.key = false;
        auto settings = session_settings_from(config);
        EXPECT_FALSE(settings.enabled(c.method)) << method_name(c.method);
        EXPECT_EQ(settings.enabled_methods.count(), 255u) << method_name(c.method);
    }
}

}  // namespace
}  // namespace clipshare
