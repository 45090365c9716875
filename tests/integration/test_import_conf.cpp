// `clipshared --import-conf`: the real binary turns an upstream clipshare.conf into a
// clipshared.toml that `clipshared -t` accepts, and names on stderr, by line, what it could
// not carry over.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "daemon_fixture.hpp"

namespace clipshare::test {
namespace {

namespace fs = std::filesystem;

RunResult clipshared(std::vector<std::string> args) {
    args.insert(args.begin(), daemon_binary().string());
    return run_command(args);
}

fs::path write(const fs::path& file, std::string_view text) {
    std::ofstream{file} << text;
    return file;
}

bool contains(const std::string& haystack, std::string_view needle) {
    return haystack.find(needle) != std::string::npos;
}

// `clipshared -t -c FILE`'s printout as "section.key" -> value.
std::map<std::string, std::string> effective_settings(const std::string& printout) {
    std::map<std::string, std::string> out;
    std::istringstream lines{printout};
    std::string line, section;
    while (std::getline(lines, line)) {
        if (line.empty() || line[0] == '#') continue;
        if (line[0] == '[') {
            section = line.substr(1, line.find(']') - 1);
            continue;
        }
        auto equals = line.find(" = ");
        if (equals != std::string::npos) {
            out[section + "." + line.substr(0, equals)] = line.substr(equals + 3);
        }
    }
    return out;
}

// Loads converted TOML as the daemon would (-t), as root too: the daemon refuses root
// unless told, which is a matter of this machine, not of the conversion.
RunResult check(const fs::path& dir, std::string toml) {
    if (geteuid() == 0) {
        auto at = toml.find("[server]\n");
        toml = at == std::string::npos ? toml + "\n[server]\nallow_root = true\n"
                                       : toml.insert(at + 9, "allow_root = true\n");
    }
    return clipshared({"-t", "-c", write(dir / "clipshared.toml", toml).string()});
}

constexpr std::string_view kUpstreamSample =
    "# a clipshare.conf as upstream documents it\n"  // line 1
    "app_port=4400\n"
    "app_port_secure=4401\n"
    "udp_port=4402\n"
    "web_port=4439\n"  // line 5
    "insecure_mode_enabled=TRUE\n"
    "secure_mode_enabled=0\n"
    "udp_server_enabled=false\n"
    "web_mode_enabled=false\n"
    "server_cert=keys/server.crt\n"  // line 10
    "server_key=keys/server.key\n"
    "ca_cert=keys/ca.crt\n"
    "allowed_clients=allowed.txt\n"
    "working_dir=work\n"
    "bind_address=127.0.0.1\n"  // line 15
    "bind_address_udp=::1\n"
    "restart=true\n"
    "max_text_length=4M\n"
    "max_file_size=2T\n"
    "display=2\n"  // line 20
    "client_selects_display=1\n"
    "cut_sent_files=true\n"
    "min_proto_version=2\n"
    "max_proto_version=3\n"
    "method_get_text_enabled=false\n"  // line 25
    "method_send_text_enabled=0\n"
    "method_get_files_enabled=FALSE\n"
    "method_send_files_enabled=false\n"
    "method_get_image_enabled=0\n"
    "method_get_copied_image_enabled=false\n"  // line 30
    "method_get_screenshot_enabled=false\n"
    "method_info_enabled=false\n"
    "\r\n"
    "  # Windows and macOS only\n"
    "tray_icon=true\n";  // line 35

TEST(ImportConf, MapsEveryDocumentedKeyIntoTomlThatLoads) {
    TempDir dir;
    fs::create_directory(dir.path() / "work");
    auto conf = write(dir.path() / "clipshare.conf", kUpstreamSample);
    auto result = clipshared({"--import-conf", conf.string()});
    EXPECT_EQ(result.exit_status, 0) << result.err;

    auto loaded = check(dir.path(), result.out);
    ASSERT_EQ(loaded.exit_status, 0) << loaded.err << "\n" << result.out;
    auto settings = effective_settings(loaded.out);
    auto in_dir = [&](const char* name) { return "\"" + (dir.path() / name).string() + "\""; };
    const std::map<std::string, std::string> expected{
        {"server.bind", "\"127.0.0.1\""},
        {"server.working_dir", in_dir("work")},
        {"plain.enabled", "true"},
        {"plain.port", "4400"},
        {"tls.enabled", "false"},
        {"tls.port", "4401"},
        {"tls.certificate", in_dir("keys/server.crt")},
        {"tls.private_key", in_dir("keys/server.key")},
        {"tls.ca", in_dir("keys/ca.crt")},
        {"tls.allowed_clients", in_dir("allowed.txt")},
        {"web.enabled", "false"},
        {"web.port", "4439"},
        {"discovery.enabled", "false"},
        {"discovery.port", "4402"},
        {"discovery.bind", "\"::1\""},
        {"protocol.min_version", "2"},
        {"protocol.max_version", "3"},
        {"limits.max_text_length", "4000000"},  // upstream's K, M, G and T are decimal
        {"limits.max_file_size", "2000000000000"},
        {"methods.get_text", "false"},
        {"methods.send_text", "false"},
        {"methods.get_files", "false"},
        {"methods.send_files", "false"},
        {"methods.get_image", "false"},
        {"methods.get_copied_image", "false"},
        {"methods.get_screenshot", "false"},
        {"methods.info", "false"},
        {"clipboard.cut_sent_files", "true"},
        {"clipboard.client_selects_display", "true"},
        {"clipboard.display", "2"},
    };
    for (const auto& [key, value] : expected) {
        EXPECT_EQ(settings[key], value) << key << "\n" << result.out;
    }
    // Upstream had no Get Any; clipshared's default stays.
    EXPECT_EQ(settings["methods.get_any"], "true");

    // The keys without an equivalent, each named once with its line.
    for (const char* line :
         {"clipshare.conf:17: \"restart\"", "clipshare.conf:35: \"tray_icon\""}) {
        EXPECT_TRUE(contains(result.err, line)) << line << "\n" << result.err;
    }
    EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 2) << result.err;
}

TEST(ImportConf, BadLinesAndValuesAreNamedByLineAndLeftOut) {
    TempDir dir;
    fs::create_directory(dir.path() / "work");
    auto conf = write(dir.path() / "bad.conf",
                      "working_dir=work\n"
                      "this line has no equals sign\n"
                      "display=x\n"
                      "min_proto_version=7\n"
                      "secure_mode_enabled=maybe\n"
                      "max_text_length=5G\n"
                      "bind_address=localhost\n"
                      "server_cert=keys/server.pfx\n"
                      "app_port=\n"
                      "app_port=70000\n"
                      "udp_port=4500\n");
    auto result = clipshared({"--import-conf", conf.string()});
    EXPECT_EQ(result.exit_status, 1);
    for (const char* line :
         {"bad.conf:2: not a key=value line", "bad.conf:3: \"display\" = \"x\"",
          "bad.conf:4: \"min_proto_version\" = \"7\"", "bad.conf:5: \"secure_mode_enabled\"",
          "bad.conf:6: \"max_text_length\" = \"5G\"", "bad.conf:7: \"bind_address\"",
          "bad.conf:8: \"server_cert\" = \"keys/server.pfx\": a PKCS#12 store",
          "bad.conf:9: a key and a value are both needed", "bad.conf:10: \"app_port\""}) {
        EXPECT_TRUE(contains(result.err, line)) << line << "\n" << result.err;
    }
    EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 9) << result.err;

    // What could be taken still loads; what could not is absent, not guessed.
    auto loaded = check(dir.path(), result.out);
    ASSERT_EQ(loaded.exit_status, 0) << loaded.err << "\n" << result.out;
    auto settings = effective_settings(loaded.out);
    EXPECT_EQ(settings["discovery.port"], "4500");
    EXPECT_EQ(settings["plain.port"], "4337");
    EXPECT_EQ(settings["clipboard.display"], "1");
    EXPECT_EQ(settings["server.bind"], "\"0.0.0.0\"");
    EXPECT_FALSE(contains(result.out, "certificate")) << result.out;
}

TEST(ImportConf, UnknownKeysAreNamedAndMakeTheExitStatusOne) {
    TempDir dir;
    auto conf = write(dir.path() / "c.conf", "udp_port=4500\ncolour=blue\n");
    auto result = clipshared({"--import-conf", conf.string()});
    EXPECT_EQ(result.exit_status, 1);
    EXPECT_TRUE(contains(result.err, "c.conf:2: \"colour\": unknown key")) << result.err;
    EXPECT_TRUE(contains(result.out, "[discovery]\nport = 4500\n")) << result.out;
}

TEST(ImportConf, AKeySetTwiceKeepsItsLastValueAsUpstreamDoes) {
    TempDir dir;
    auto conf = write(dir.path() / "c.conf", "app_port=4400\napp_port=4500\n");
    auto result = clipshared({"--import-conf", conf.string()});
    EXPECT_EQ(result.exit_status, 0) << result.err;
    EXPECT_TRUE(contains(result.out, "[plain]\nport = 4500\n")) << result.out;
    EXPECT_FALSE(contains(result.out, "4400")) << result.out;
    EXPECT_TRUE(contains(result.err, "c.conf:1: \"app_port\": set again on line 2")) << result.err;
}

TEST(ImportConf, MinAboveMaxLeavesMaxOut) {
    TempDir dir;
    auto conf = write(dir.path() / "c.conf", "min_proto_version=3\nmax_proto_version=2\n");
    auto result = clipshared({"--import-conf", conf.string()});
    EXPECT_EQ(result.exit_status, 1);
    EXPECT_TRUE(contains(result.out, "[protocol]\nmin_version = 3\n")) << result.out;
    EXPECT_FALSE(contains(result.out, "max_version")) << result.out;
    EXPECT_TRUE(contains(result.err, "c.conf:2: \"max_proto_version\"")) << result.err;
}

TEST(ImportConf, AMissingFileIsOneErrorLine) {
    TempDir dir;
    auto missing = (dir.path() / "nowhere.conf").string();
    auto result = clipshared({"--import-conf", missing});
    EXPECT_EQ(result.exit_status, 1);
    EXPECT_EQ(result.out, "");
    EXPECT_EQ(result.err, "clipshared: error: " + missing + ": No such file or directory\n");
}

TEST(ImportConf, UsageErrors) {
    TempDir dir;
    auto conf = write(dir.path() / "c.conf", "app_port=4400\n").string();
    auto no_file = clipshared({"--import-conf"});
    EXPECT_EQ(no_file.exit_status, 1);
    EXPECT_TRUE(contains(no_file.err, "--import-conf needs an argument")) << no_file.err;
    for (const char* other : {"-t", "-D", "-s"}) {
        auto result = clipshared({"--import-conf", conf, other});
        EXPECT_EQ(result.exit_status, 1) << other;
        EXPECT_EQ(result.out, "") << other;
        EXPECT_TRUE(contains(result.err, "--import-conf takes no other option")) << result.err;
    }
    // -h answers whatever else the command line holds, and tells of the flag.
    auto help = clipshared({"--import-conf", conf, "-h"});
    EXPECT_EQ(help.exit_status, 0);
    EXPECT_TRUE(contains(help.out, "--import-conf FILE")) << help.out;
}

}  // namespace
}  // namespace clipshare::test
