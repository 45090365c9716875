// The key tables and the method table: what a reload may apply (restart_needed), which
// methods each version defines, and clipshared.toml(5) naming every key of every table.
#include <gtest/gtest.h>

#include <cctype>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "config/keys.hpp"
#include "config/load.hpp"
#include "proto/methods.hpp"

namespace clipshare {
namespace {

Config defaults() {
    return default_config("/srv/clip");
}

struct Change {
    const char* what;
    std::function<void(Config&)> apply;
};

TEST(RestartNeeded, NotForTheSameSettings) {
    EXPECT_FALSE(restart_needed(defaults(), defaults()));
}

TEST(RestartNeeded, ForWhatIsBoundOrOpenedAtStartUp) {
    const std::vector<Change> changes{
        {"server.bind", [](Config& c) { c.server.bind = {"127.0.0.1"}; }},
        {"server.working_dir", [](Config& c) { c.server.working_dir = "/elsewhere"; }},
        {"server.state_dir", [](Config& c) { c.server.state_dir = "/var/lib/clip"; }},
        {"server.user", [](Config& c) { c.server.user = "clipshare"; }},
        {"server.group", [](Config& c) { c.server.group = "clipshare"; }},
        {"plain.enabled", [](Config& c) { c.plain.enabled = false; }},
        {"plain.port", [](Config& c) { c.plain.port = 5000; }},
        {"tls.enabled", [](Config& c) { c.tls.enabled = true; }},
        {"tls.port", [](Config& c) { c.tls.port = 5001; }},
        {"discovery.enabled", [](Config& c) { c.discovery.enabled = false; }},
        {"discovery.port", [](Config& c) { c.discovery.port = 5002; }},
        {"discovery.bind", [](Config& c) { c.discovery.bind = {"::"}; }},
        {"clipboard.backend", [](Config& c) { c.clipboard.backend = "command"; }},
        {"clipboard.preset", [](Config& c) { c.clipboard.preset = "x11"; }},
        {"clipboard.commands.get_text", [](Config& c) { c.clipboard.commands.get_text = "a"; }},
        {"clipboard.commands.screenshot",
         [](Config& c) { c.clipboard.commands.screenshot = "grim -"; }},
        {"log.destination", [](Config& c) { c.log.destination = LogDestination::syslog; }},
        {"log.file", [](Config& c) { c.log.file = "/var/log/clip.log"; }},
    };
    for (const Change& change : changes) {
        Config next = defaults();
        change.apply(next);
        EXPECT_TRUE(restart_needed(defaults(), next)) << change.what;
    }
}

TEST(RestartNeeded, NotForWhatAReloadApplies) {
    const std::vector<Change> changes{
        {"server.info_name", [](Config& c) { c.server.info_name = "kitchen"; }},
        {"server.max_connections", [](Config& c) { c.server.max_connections = 8; }},
        {"server.idle_timeout", [](Config& c) { c.server.idle_timeout = 99; }},
        {"server.allow_root", [](Config& c) { c.server.allow_root = true; }},
        {"tls.certificate", [](Config& c) { c.tls.certificate = "/other.crt"; }},
        {"tls.allowed_clients", [](Config& c) { c.tls.allowed_clients_inline = {{"phone"}}; }},
        {"tls.ciphers", [](Config& c) { c.tls.ciphers = {"AES-128-GCM"}; }},
        {"protocol.max_version", [](Config& c) { c.protocol.max_version = 3; }},
        {"limits.max_text_length", [](Config& c) { c.limits.max_text_length = 10; }},
        {"limits.max_path_depth", [](Config& c) { c.limits.max_path_depth = 4; }},
        {"storage.max_bytes", [](Config& c) { c.storage.max_bytes = 1000; }},
        {"storage.max_age", [](Config& c) { c.storage.max_age = 60; }},
        {"storage.make_room", [](Config& c) { c.storage.make_room = true; }},
        {"methods.info", [](Config& c) { c.methods.reset(method_code(Method::info)); }},
        {"clipboard.cut_sent_files", [](Config& c) { c.clipboard.cut_sent_files = true; }},
        {"clipboard.display", [](Config& c) { c.clipboard.display = 2; }},
        {"log.level", [](Config& c) { c.log.level = LogLevel::debug; }},
    };
    for (const Change& change : changes) {
        Config next = defaults();
        change.apply(next);
        EXPECT_FALSE(restart_needed(defaults(), next)) << change.what;
    }
}

TEST(RestartNeeded, StateDirCountsAsTheDirectoryInUse) {
    Config next = defaults();
    next.server.state_dir = defaults().effective_state_dir();
    EXPECT_FALSE(restart_needed(defaults(), next));
}

// --- the method table -------------------------------------------------------------------

TEST(MethodTable, VersionsDefineTheMethodsOfSpecSection4) {
    for (int version = lowest_version; version <= highest_version; ++version) {
        std::vector<int> codes;
        for (int code = 0; code < 256; ++code) {
            if (method_in_version(static_cast<std::uint8_t>(code), version)) {
                codes.push_back(code);
            }
        }
        const std::vector<int> expected = version <= 2 ? std::vector<int>{1, 2, 3, 4, 5, 125}
                                          : version == 3
                                              ? std::vector<int>{1, 2, 3, 4, 5, 6, 7, 125}
                                              : std::vector<int>{1, 2, 3, 4, 5, 6, 7, 124, 125};
        EXPECT_EQ(codes, expected) << "version " << version;
    }
}

TEST(MethodTable, NamesTitlesAndDefaults) {
    EXPECT_STREQ(method_name(Method::get_copied_image), "get_copied_image");
    EXPECT_STREQ(method_info(Method::get_any).title, "Get Any");
    const MethodSet enabled = default_methods();
    EXPECT_EQ(enabled.count(), method_table.size());
    for (const MethodInfo& info : method_table) EXPECT_TRUE(method_enabled(info.method, enabled));
    EXPECT_FALSE(enabled.test(0));
}

// --- clipshared.toml(5) -----------------------------------------------------------------

std::string man_page() {
    const char* file = std::getenv("CLIPSHARE_MAN_PAGE");
    if (file == nullptr) return {};
    std::ifstream in(file);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// The text from a heading line up to the next heading of either level.
std::string man_section(const std::string& page, std::string_view heading) {
    const auto begin = page.find("\n" + std::string(heading) + "\n");
    if (begin == std::string::npos) return {};
    const auto body = begin + heading.size() + 2;
    auto end = page.find("\n.S", body);
    return page.substr(body, end == std::string::npos ? std::string::npos : end - body);
}

// Each key is a tagged paragraph: ".TP" then ".B name".
std::vector<std::string> tagged_keys(const std::string& section) {
    std::vector<std::string> keys;
    std::istringstream lines(section);
    std::string line;
    bool after_tp = false;
    while (std::getline(lines, line)) {
        if (after_tp && line.rfind(".B ", 0) == 0) keys.push_back(line.substr(3));
        after_tp = line == ".TP";
    }
    return keys;
}

TEST(ManPage, ListsTheMethodsKeysInTableOrderWithTheirCodes) {
    const std::string page = man_page();
    ASSERT_FALSE(page.empty()) << "CLIPSHARE_MAN_PAGE names no readable file";
    const std::string section = man_section(page, ".SH METHODS SECTION");
    std::vector<std::string> expected;
    for (const MethodInfo& info : method_table) {
        expected.emplace_back(info.key);
        const std::string line = std::string(".B ") + info.key + "\nMethod " +
                                 std::to_string(method_code(info.method)) + ", ";
        EXPECT_NE(section.find(line), std::string::npos) << line;
    }
    EXPECT_EQ(tagged_keys(section), expected);
}

// Every key of every table is described in its section of the man page (the page may name
// two keys in one paragraph, so only the mention is checked).
TEST(ManPage, DescribesEveryKeyInItsSection) {
    const std::string page = man_page();
    ASSERT_FALSE(page.empty()) << "CLIPSHARE_MAN_PAGE names no readable file";
    std::vector<const config_keys::Section*> pending;
    for (const auto& section : config_keys::sections()) pending.push_back(&section);
    while (!pending.empty()) {
        const config_keys::Section& section = *pending.back();
        pending.pop_back();
        std::string heading;
        if (section.name.find('.') != std::string_view::npos) {
            heading = ".SS \"[" + std::string(section.name) + "]\"";
        } else {
            heading = ".SH ";
            for (char ch : section.name) heading += static_cast<char>(std::toupper(ch));
            heading += " SECTION";
        }
        const std::string text = man_section(page, heading);
        ASSERT_FALSE(text.empty()) << heading;
        for (const config_keys::Key& key : section.keys) {
            // A sub-table has its own heading, checked when its turn comes.
            if (const auto* table = std::get_if<const config_keys::Section*>(&key.field)) {
                pending.push_back(*table);
                continue;
            }
            const std::string name(key.name);
            const bool mentioned = text.find(".B " + name + "\n") != std::string::npos ||
                                   text.find(".BR " + name + " ") != std::string::npos ||
                                   text.find(".BR " + name + "\n") != std::string::npos;
            EXPECT_TRUE(mentioned) << section.name << "." << name;
        }
    }
}

}  // namespace
}  // namespace clipshare
