// Tests for reading clipshared.toml: every error class must produce one line naming the file,
// the line and the key; every accepted form must land in the right Config field; and what
// describe_config prints must read back to the same settings.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "build_config.hpp"
#include "config/load.hpp"

namespace clipshare {
namespace {

namespace fs = std::filesystem;

// Most parse tests never touch the disk: parse_config only uses the name for messages and
// as the base of relative paths.
const fs::path kFile = "/srv/clip/clipshared.toml";

// A fresh directory under the system temp dir, removed with everything in it.
class TempDir {
public:
    TempDir() {
        static std::atomic<int> counter{0};
        std::random_device random;
        const std::string name = "clipshare-test-config-" + std::to_string(::getpid()) + "-" +
                                 std::to_string(counter++) + "-" + std::to_string(random());
        path_ = fs::temp_directory_path() / name;
        fs::create_directories(path_);
    }
    ~TempDir() {
        std::error_code ec;
        fs::permissions(path_, fs::perms::owner_all, fs::perm_options::add, ec);
        fs::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    const fs::path& path() const { return path_; }

private:
    fs::path path_;
};

void write_file(const fs::path& file, const std::string& text) {
    fs::create_directories(file.parent_path());
    std::ofstream out(file, std::ios::binary);
    out << text;
    ASSERT_TRUE(out.good()) << file;
}

// Sets or unsets an environment variable for one test and puts the old value back.
class EnvGuard {
public:
    explicit EnvGuard(const char* name) : name_(name) {
        if (const char* old = std::getenv(name)) old_ = old;
    }
    ~EnvGuard() {
        if (old_) {
            ::setenv(name_, old_->c_str(), 1);
        } else {
            ::unsetenv(name_);
        }
    }
    EnvGuard(const EnvGuard&) = delete;
    EnvGuard& operator=(const EnvGuard&) = delete;

    void set(const std::string& value) const { ::setenv(name_, value.c_str(), 1); }
    void unset() const { ::unsetenv(name_); }

private:
    const char* name_;
    std::optional<std::string> old_;
};

::testing::AssertionResult contains(const std::string& text, const std::string& part) {
    if (text.find(part) != std::string::npos) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure()
           << "\"" << text << "\" does not contain \"" << part << "\"";
}

Config parse_ok(const std::string& text, const fs::path& file = kFile) {
    const ConfigResult result = parse_config(text, file);
    EXPECT_TRUE(result.config.has_value()) << result.error;
    return result.config.value_or(Config{});
}

// Parses `text`, expects a failure, and checks the message names the file, the line and
// `key`, on a single line. Returns the message for further checks.
std::string expect_error(const std::string& text, int line, const std::string& key,
                         const fs::path& file = kFile) {
    const ConfigResult result = parse_config(text, file);
    EXPECT_FALSE(result.config.has_value()) << "accepted:\n" << text;
    const std::string& error = result.error;
    EXPECT_TRUE(contains(error, file.string() + ":" + std::to_string(line) + ":"));
    EXPECT_EQ(error.rfind(file.string(), 0), 0U) << error;
    EXPECT_TRUE(contains(error, "'" + key + "'"));
    EXPECT_EQ(error.find('\n'), std::string::npos) << error;
    return error;
}

// --- error classes ----------------------------------------------------------------------

TEST(ConfigErrors, SyntaxErrorNamesLineAndColumn) {
    const ConfigResult result = parse_config("[server]\nmax_connections = 10\nbind = \n", kFile);
    ASSERT_FALSE(result.config);
    EXPECT_EQ(result.error.rfind(kFile.string() + ":3:", 0), 0U) << result.error;
    EXPECT_TRUE(contains(result.error, ": TOML syntax error: "));
    EXPECT_EQ(result.error.find('\n'), std::string::npos);
}

TEST(ConfigErrors, DuplicateKeyIsASyntaxError) {
    const ConfigResult result = parse_config("[plain]\nport = 1\nport = 2\n", kFile);
    ASSERT_FALSE(result.config);
    EXPECT_TRUE(contains(result.error, kFile.string() + ":3:"));
    EXPECT_TRUE(contains(result.error, "TOML syntax error"));
}

TEST(ConfigErrors, UnknownKey) {
    const std::string error = expect_error("[server]\nbnd = \"0.0.0.0\"\n", 2, "server.bnd");
    EXPECT_EQ(error, kFile.string() + ":2: unknown key 'server.bnd'");
}

TEST(ConfigErrors, UnknownTopLevelKey) {
    const std::string error = expect_error("\nverbose = true\n", 2, "verbose");
    EXPECT_EQ(error, kFile.string() + ":2: unknown key 'verbose'");
}

TEST(ConfigErrors, UnknownSection) {
    const std::string error = expect_error("[plain]\nport = 1\n\n[foo]\nx = 1\n", 4, "foo");
    EXPECT_EQ(error, kFile.string() + ":4: unknown section 'foo'");
}

TEST(ConfigErrors, QuotedKeyWithLineBreaksStaysOneLine) {
    // Found by the config fuzzer: a quoted key may hold any character, newlines included.
    const std::string error = expect_error("[\"a\\nb\"]\nx = 1\n", 1, "a\\nb");
    EXPECT_EQ(error, kFile.string() + ":1: unknown section 'a\\nb'");
    const std::string key_error = expect_error("[server]\n\"c\\td\" = 1\n", 2, "server.c\\td");
    EXPECT_EQ(key_error, kFile.string() + ":2: unknown key 'server.c\\td'");
}

TEST(ConfigErrors, UnknownSubSection) {
    const std::string error = expect_error("[server.extra]\nx = 1\n", 1, "server.extra");
    EXPECT_TRUE(contains(error, "unknown section"));
}

TEST(ConfigErrors, UnknownClipboardCommand) {
    expect_error("[clipboard.commands]\nget_text = \"a\"\npaste = \"b\"\n", 3,
                 "clipboard.commands.paste");
}

TEST(ConfigErrors, WrongTypeInteger) {
    const std::string error =
        expect_error("[server]\nmax_connections = \"many\"\n", 2, "server.max_connections");
    EXPECT_EQ(error, kFile.string() +
                         ":2: key 'server.max_connections': expected an integer, got a string");
}

TEST(ConfigErrors, FloatIsNotAnInteger) {
    const std::string error = expect_error("[plain]\nport = 4337.0\n", 2, "plain.port");
    EXPECT_TRUE(contains(error, "expected an integer, got a float"));
}

TEST(ConfigErrors, WrongTypeBoolean) {
    const std::string error = expect_error("[plain]\nenabled = \"yes\"\n", 2, "plain.enabled");
    EXPECT_TRUE(contains(error, "expected a boolean, got a string"));
    expect_error("[methods]\nget_text = 1\n", 2, "methods.get_text");
    expect_error("[clipboard]\ncut_sent_files = 0\n", 2, "clipboard.cut_sent_files");
}

TEST(ConfigErrors, WrongTypeString) {
    const std::string error = expect_error("[clipboard]\nbackend = 1\n", 2, "clipboard.backend");
    EXPECT_TRUE(contains(error, "expected a string, got an integer"));
    expect_error("[server]\nworking_dir = false\n", 2, "server.working_dir");
    expect_error("[clipboard.commands]\nget_text = [\"xclip\"]\n", 2,
                 "clipboard.commands.get_text");
}

TEST(ConfigErrors, WrongTypeArray) {
    std::string error = expect_error("[server]\nbind = 5\n", 2, "server.bind");
    EXPECT_TRUE(contains(error, "expected a string or an array of strings, got an integer"));
    error = expect_error("[tls]\nallowed_clients = 5\n", 2, "tls.allowed_clients");
    EXPECT_TRUE(contains(error, "got an integer"));
}

TEST(ConfigErrors, WrongTypeArrayElementPointsAtElementLine) {
    const std::string error = expect_error("[tls]\nallowed_clients = [\n  \"phone\",\n  42,\n]\n",
                                           4, "tls.allowed_clients");
    EXPECT_TRUE(contains(error, "got an integer"));
    expect_error("[tls]\nallowed_clients = [\"phone\", \"\"]\n", 2, "tls.allowed_clients");
}

TEST(ConfigErrors, SectionThatIsNotATable) {
    const std::string error = expect_error("server = 1\n", 1, "server");
    EXPECT_TRUE(contains(error, "expected a table, got an integer"));
    expect_error("[[plain]]\nport = 1\n", 1, "plain");
    expect_error("[clipboard]\ncommands = \"xclip\"\n", 2, "clipboard.commands");
}

TEST(ConfigErrors, PortsOutOfRange) {
    for (const std::string section : {"plain", "tls", "discovery"}) {
        for (const std::string value : {"0", "65536", "-1"}) {
            SCOPED_TRACE(section + ".port = " + value);
            const std::string error =
                expect_error("[" + section + "]\nport = " + value + "\n", 2, section + ".port");
            EXPECT_TRUE(contains(error, "must be an integer from 1 to 65535, got " + value));
        }
    }
    const std::string error = expect_error("\n\n[plain]\nport = 70000\n", 4, "plain.port");
    EXPECT_EQ(error, kFile.string() +
                         ":4: key 'plain.port': must be an integer from 1 to 65535, got 70000");
}

TEST(ConfigErrors, OtherIntegersOutOfRange) {
    expect_error("[server]\nmax_connections = 0\n", 2, "server.max_connections");
    expect_error("[server]\nmax_connections = 1000001\n", 2, "server.max_connections");
    expect_error("[server]\nidle_timeout = 0\n", 2, "server.idle_timeout");
    expect_error("[server]\nidle_timeout = 86401\n", 2, "server.idle_timeout");
    expect_error("[tls]\nhandshake_timeout = 0\n", 2, "tls.handshake_timeout");
    expect_error("[tls]\nhandshake_timeout = 3601\n", 2, "tls.handshake_timeout");
    expect_error("[tls]\nmax_handshakes = 0\n", 2, "tls.max_handshakes");
    expect_error("[tls]\nmax_handshakes = 1025\n", 2, "tls.max_handshakes");
    expect_error("[clipboard]\ndisplay = 0\n", 2, "clipboard.display");
    expect_error("[clipboard]\ndisplay = 65537\n", 2, "clipboard.display");
}

TEST(ConfigErrors, VersionsOutOfRange) {
    std::string error = expect_error("[protocol]\nmin_version = 0\n", 2, "protocol.min_version");
    EXPECT_TRUE(contains(error, "must be an integer from 1 to 4, got 0"));
    error = expect_error("[protocol]\nmax_version = 5\n", 2, "protocol.max_version");
    EXPECT_TRUE(contains(error, "must be an integer from 1 to 4, got 5"));
}

TEST(ConfigErrors, MinVersionGreaterThanMax) {
    const std::string error =
        expect_error("[protocol]\nmax_version = 2\nmin_version = 3\n", 3, "protocol.min_version");
    EXPECT_EQ(error, kFile.string() +
                         ":3: key 'protocol.min_version': 3 is greater than "
                         "protocol.max_version (2)");
}

TEST(ConfigErrors, BadSizes) {
    for (const std::string value : {"\"4XB\"", "\"-1\"", "\"1.5MiB\"", "\"\"", "\"MiB\"",
                                    "\"9223372036854775808\"", "\"8388608TiB\""}) {
        SCOPED_TRACE(value);
        const std::string error =
            expect_error("[limits]\nmax_file_size = " + value + "\n", 2, "limits.max_file_size");
        EXPECT_TRUE(contains(error, "is not a size"));
        EXPECT_TRUE(contains(error, "0 to 9223372036854775807"));
    }
}

TEST(ConfigErrors, SizesOutOfRange) {
    std::string error =
        expect_error("[limits]\nmax_text_length = 0\n", 2, "limits.max_text_length");
    EXPECT_TRUE(contains(error, "must be from 1 to 1073741824, got 0"));
    error = expect_error("[limits]\nmax_text_length = \"2GiB\"\n", 2, "limits.max_text_length");
    EXPECT_TRUE(contains(error, "2147483648"));
    error = expect_error("[limits]\nmax_file_size = -1\n", 2, "limits.max_file_size");
    EXPECT_TRUE(contains(error, "must be from 0 to 9223372036854775807, got -1"));
    expect_error("[limits]\nmax_file_count = 0\n", 2, "limits.max_file_count");
    expect_error("[limits]\nmax_file_count = 4294967295\n", 2, "limits.max_file_count");
    error = expect_error("[limits]\nmax_file_count = 1.5\n", 2, "limits.max_file_count");
    EXPECT_TRUE(contains(error, "expected an integer or a string with a unit, got a float"));
}

TEST(ConfigErrors, BadBindAddress) {
    std::string error = expect_error("[server]\nbind = \"1.2.3\"\n", 2, "server.bind");
    EXPECT_TRUE(contains(error, "\"1.2.3\" is not an IPv4 or IPv6 address"));
    expect_error("[server]\nbind = \"localhost\"\n", 2, "server.bind");
    expect_error("[server]\nbind = []\n", 2, "server.bind");
    expect_error("[discovery]\nbind = [\"::\",\n  \"::zz\"]\n", 3, "discovery.bind");
}

TEST(ConfigErrors, BadInfoName) {
    const std::string too_long(257, 'a');
    for (const std::string& value :
         {std::string("\"\""), std::string("\"a=b\""), "\"" + too_long + "\"",
          std::string("\"caf\u00e9\""), std::string("\"tab\\there\"")}) {
        SCOPED_TRACE(value);
        const std::string error =
            expect_error("[server]\ninfo_name = " + value + "\n", 2, "server.info_name");
        EXPECT_TRUE(contains(error, "printable ASCII"));
    }
}

TEST(ConfigErrors, BadChoices) {
    std::string error = expect_error("[clipboard]\nbackend = \"xclip\"\n", 2, "clipboard.backend");
    EXPECT_TRUE(contains(error, "must be \"store\" or \"command\", got \"xclip\""));
    error = expect_error("[clipboard]\npreset = \"mac\"\n", 2, "clipboard.preset");
    EXPECT_TRUE(contains(error, "\"x11\" or \"wayland\""));
}

TEST(ConfigErrors, CommandBackendNeedsSomethingToRun) {
    std::string error = expect_error("[clipboard]\ncut_sent_files = true\nbackend = \"command\"\n",
                                     3, "clipboard.backend");
    EXPECT_TRUE(contains(error, "needs clipboard.preset or at least one command"));
    // Either a preset or a single command is enough.
    EXPECT_TRUE(
        parse_config("[clipboard]\nbackend = \"command\"\npreset = \"x11\"\n", kFile).config);
    EXPECT_TRUE(parse_config("[clipboard]\nbackend = \"command\"\n[clipboard.commands]\n"
                             "screenshot = \"scrot -\"\n",
                             kFile)
                    .config);
    // The store needs none, and commands without the command backend are harmless.
    EXPECT_TRUE(parse_config("[clipboard]\nbackend = \"store\"\n", kFile).config);
}

TEST(ConfigErrors, EmptyStrings) {
    expect_error("[server]\nuser = \"\"\n", 2, "server.user");
    expect_error("[server]\ngroup = \"\"\n", 2, "server.group");
    expect_error("[tls]\ncertificate = \"\"\n", 2, "tls.certificate");
    expect_error("[clipboard.commands]\nset_text = \"\"\n", 2, "clipboard.commands.set_text");
}

TEST(ConfigErrors, FirstErrorInDocumentOrderWins) {
    // Alphabetically "idle_timeout" sorts first, but the file order must decide.
    expect_error("[server]\nmax_connections = 0\nidle_timeout = 0\n", 2, "server.max_connections");
    expect_error("[tls]\nport = 0\n[plain]\nport = 0\n", 2, "tls.port");
}

TEST(ConfigErrors, UnreadableFile) {
    TempDir dir;
    const fs::path missing = dir.path() / "missing.toml";
    ConfigResult result = load_config_file(missing);
    ASSERT_FALSE(result.config);
    EXPECT_EQ(result.error, missing.string() + ": cannot read: No such file or directory");

    result = load_config_file(dir.path());
    ASSERT_FALSE(result.config);
    EXPECT_EQ(result.error, dir.path().string() + ": cannot read: Is a directory");

    if (::geteuid() != 0) {  // root reads anything
        const fs::path locked = dir.path() / "locked.toml";
        write_file(locked, "[plain]\nport = 1\n");
        fs::permissions(locked, fs::perms::none);
        result = load_config_file(locked);
        ASSERT_FALSE(result.config);
        EXPECT_EQ(result.error, locked.string() + ": cannot read: Permission denied");
    }

    result = load_config(missing);
    ASSERT_FALSE(result.config);
    EXPECT_TRUE(contains(result.error, missing.string() + ": cannot read"));
}

TEST(ConfigErrors, ErrorInRealFileNamesThatFile) {
    TempDir dir;
    const fs::path file = dir.path() / "clipshared.toml";
    write_file(file, "# comment\n[plain]\nport = 0\n");
    const ConfigResult result = load_config_file(file);
    ASSERT_FALSE(result.config);
    EXPECT_EQ(result.error.rfind(file.string() + ":3: key 'plain.port'", 0), 0U) << result.error;
}

// --- parse_size ---------------------------------------------------------------------------

TEST(ParseSize, AcceptsNumbersAndUnits) {
    EXPECT_EQ(parse_size("4194304"), 4194304);
    EXPECT_EQ(parse_size("0"), 0);
    EXPECT_EQ(parse_size("4MiB"), 4194304);
    EXPECT_EQ(parse_size("10k"), 10000);
    EXPECT_EQ(parse_size("10 kB"), 10000);
    EXPECT_EQ(parse_size("3KIB"), 3072);
    EXPECT_EQ(parse_size("64GiB"), 68719476736);
    EXPECT_EQ(parse_size("2g"), 2000000000);
    EXPECT_EQ(parse_size("5m"), 5000000);
    EXPECT_EQ(parse_size("7b"), 7);
    EXPECT_EQ(parse_size("1t"), 1000000000000);
    EXPECT_EQ(parse_size("1TB"), 1000000000000);
    EXPECT_EQ(parse_size("1tib"), 1099511627776);
    EXPECT_EQ(parse_size("9223372036854775807"), INT64_MAX);
    EXPECT_EQ(parse_size("8388607TiB"), 8388607LL << 40);
}

TEST(ParseSize, RejectsGarbage) {
    for (const char* text :
         {"", " ", "-1", "+1", "1.5MiB", "4XB", "MiB", "1 2", "1MiB ", " 1", "9223372036854775808",
          "8388608TiB", "99999999999999999999", "10000000000g"}) {
        EXPECT_FALSE(parse_size(text).has_value()) << "'" << text << "'";
    }
}

// --- accepted files -----------------------------------------------------------------------

void expect_default_values(const Config& c, const fs::path& base) {
    EXPECT_EQ(c.server.bind, std::vector<std::string>{"0.0.0.0"});
    EXPECT_EQ(c.server.working_dir, base);
    EXPECT_TRUE(c.server.state_dir.empty());
    EXPECT_EQ(c.effective_state_dir(), base / ".clipshare");
    EXPECT_EQ(c.server.info_name, "");
    EXPECT_EQ(c.server.max_connections, 256);
    EXPECT_EQ(c.server.idle_timeout, 30);
    EXPECT_TRUE(c.plain.enabled);
    EXPECT_EQ(c.plain.port, 4337);
    EXPECT_FALSE(c.tls.enabled);
    EXPECT_EQ(c.tls.port, 4338);
    EXPECT_EQ(c.tls.certificate, base / "server.crt");
    EXPECT_EQ(c.tls.private_key, base / "server.key");
    EXPECT_EQ(c.tls.ca, base / "ca.crt");
    EXPECT_EQ(c.tls.allowed_clients_file, base / "allowed_clients.txt");
    EXPECT_FALSE(c.tls.allowed_clients_inline);
    EXPECT_EQ(c.tls.handshake_timeout, 10);
    EXPECT_EQ(c.tls.max_handshakes, 8);
    EXPECT_TRUE(c.discovery.enabled);
    EXPECT_EQ(c.discovery.port, 4337);
    EXPECT_EQ(c.protocol.min_version, 1);
    EXPECT_EQ(c.protocol.max_version, 4);
    EXPECT_EQ(c.limits.max_text_length, 4194304);
    EXPECT_EQ(c.limits.max_file_size, 68719476736);
    EXPECT_EQ(c.limits.max_file_count, 4294967294);
    for (const MethodInfo& info : method_table) {
        EXPECT_TRUE(method_enabled(info.method, c.methods)) << info.key;
    }
    EXPECT_EQ(c.clipboard.backend, "store");
    EXPECT_EQ(c.clipboard.preset, "");
    EXPECT_EQ(c.clipboard.commands.get_text, "");
    EXPECT_FALSE(c.clipboard.cut_sent_files);
    EXPECT_FALSE(c.clipboard.client_selects_display);
    EXPECT_EQ(c.clipboard.display, 1);
}

TEST(ConfigParse, DefaultConfigResolvesAgainstBase) {
    const Config c = default_config("/opt/clip");
    EXPECT_TRUE(c.source.empty());
    expect_default_values(c, "/opt/clip");
}

TEST(ConfigParse, EmptyFileGivesDefaultsRelativeToItsDirectory) {
    const Config c = parse_ok("# nothing set\n");
    EXPECT_EQ(c.source, kFile);
    expect_default_values(c, "/srv/clip");
}

const char* const kFullFile = R"(# every key of SPEC section 9, none at its default
[server]
bind = ["127.0.0.1", "::1"]
working_dir = "inbox"
state_dir = "/var/lib/clipshare"
info_name = "kitchen-router"
max_connections = 16
idle_timeout = 90
user = "clipshare"
group = "nogroup"

[plain]
enabled = false
port = 5000

[tls]
enabled = true
port = 5001
certificate = "tls/server.crt"
private_key = "/etc/ssl/private/clip.key"
ca = "../ca/ca.crt"
allowed_clients = "clients.txt"
handshake_timeout = 20
max_handshakes = 3

[discovery]
enabled = false
port = 5002
bind = "::"

[protocol]
min_version = 2
max_version = 3

[limits]
max_text_length = "1MiB"
max_file_size = "10 GB"
max_file_count = 1000

[storage]
max_bytes = "1GiB"
max_age = 86400
make_room = true

[methods]
get_text = false
send_text = false
get_files = false
send_files = false
get_image = false
get_copied_image = false
get_screenshot = false
get_any = false
info = false

[clipboard]
backend = "command"
preset = "wayland"
cut_sent_files = true
client_selects_display = true
display = 2

[clipboard.commands]
get_text = "wl-paste --no-newline"
set_text = "wl-copy"
targets = "wl-paste --list-types"
get_files = "wl-paste --type text/uri-list"
set_files = "wl-copy --type text/uri-list"
get_image = "wl-paste --type image/png"
screenshot = "grim -"
)";

TEST(ConfigParse, FullFileSetsEveryField) {
    const Config c = parse_ok(kFullFile);
    EXPECT_EQ(c.server.bind, (std::vector<std::string>{"127.0.0.1", "::1"}));
    EXPECT_EQ(c.server.working_dir, fs::path("/srv/clip/inbox"));
    EXPECT_EQ(c.server.state_dir, fs::path("/var/lib/clipshare"));
    EXPECT_EQ(c.effective_state_dir(), fs::path("/var/lib/clipshare"));
    EXPECT_EQ(c.server.info_name, "kitchen-router");
    EXPECT_EQ(c.server.max_connections, 16);
    EXPECT_EQ(c.server.idle_timeout, 90);
    EXPECT_EQ(c.server.user, "clipshare");
    EXPECT_EQ(c.server.group, "nogroup");
    EXPECT_FALSE(c.plain.enabled);
    EXPECT_EQ(c.plain.port, 5000);
    EXPECT_TRUE(c.tls.enabled);
    EXPECT_EQ(c.tls.port, 5001);
    EXPECT_EQ(c.tls.certificate, fs::path("/srv/clip/tls/server.crt"));
    EXPECT_EQ(c.tls.private_key, fs::path("/etc/ssl/private/clip.key"));
    EXPECT_EQ(c.tls.ca, fs::path("/srv/ca/ca.crt"));
    EXPECT_EQ(c.tls.allowed_clients_file, fs::path("/srv/clip/clients.txt"));
    EXPECT_FALSE(c.tls.allowed_clients_inline);
    EXPECT_EQ(c.tls.handshake_timeout, 20);
    EXPECT_EQ(c.tls.max_handshakes, 3);
    EXPECT_FALSE(c.discovery.enabled);
    EXPECT_EQ(c.discovery.port, 5002);
    EXPECT_EQ(c.discovery.bind, std::vector<std::string>{"::"});
    EXPECT_EQ(c.protocol.min_version, 2);
    EXPECT_EQ(c.protocol.max_version, 3);
    EXPECT_EQ(c.limits.max_text_length, 1048576);
    EXPECT_EQ(c.limits.max_file_size, 10000000000);
    EXPECT_EQ(c.limits.max_file_count, 1000);
    for (const MethodInfo& info : method_table) {
        EXPECT_FALSE(method_enabled(info.method, c.methods)) << info.key;
    }
    EXPECT_EQ(c.clipboard.backend, "command");
    EXPECT_EQ(c.clipboard.preset, "wayland");
    EXPECT_TRUE(c.clipboard.cut_sent_files);
    EXPECT_TRUE(c.clipboard.client_selects_display);
    EXPECT_EQ(c.clipboard.display, 2);
    EXPECT_EQ(c.clipboard.commands.get_text, "wl-paste --no-newline");
    EXPECT_EQ(c.clipboard.commands.set_text, "wl-copy");
    EXPECT_EQ(c.clipboard.commands.targets, "wl-paste --list-types");
    EXPECT_EQ(c.clipboard.commands.get_files, "wl-paste --type text/uri-list");
    EXPECT_EQ(c.clipboard.commands.set_files, "wl-copy --type text/uri-list");
    EXPECT_EQ(c.clipboard.commands.get_image, "wl-paste --type image/png");
    EXPECT_EQ(c.clipboard.commands.screenshot, "grim -");
}

TEST(ConfigParse, SizesWithUnits) {
    const Config c = parse_ok(
        "[limits]\nmax_text_length = \"4MiB\"\nmax_file_size = \"64GiB\"\n"
        "max_file_count = \"10k\"\n");
    EXPECT_EQ(c.limits.max_text_length, 4194304);
    EXPECT_EQ(c.limits.max_file_size, 68719476736);
    EXPECT_EQ(c.limits.max_file_count, 10000);
}

TEST(ConfigParse, SizeLimitsAtTheirBounds) {
    const Config c = parse_ok(
        "[limits]\nmax_text_length = \"1GiB\"\nmax_file_size = 0\n"
        "max_file_count = 4294967294\nmemory_budget = \"2GiB\"\n");
    EXPECT_EQ(c.limits.max_text_length, 1073741824);
    EXPECT_EQ(c.limits.max_file_size, 0);
    EXPECT_EQ(c.limits.max_file_count, 4294967294);
}

TEST(ConfigParse, HostileClientLimits) {
    const Config c = parse_ok(
        "[server]\nmax_connections = 100\nmax_connections_per_address = 5\nheader_timeout = 3\n"
        "[tls]\nenabled = true\nreserved_connections = 10\n"
        "[limits]\nmemory_budget = \"8MiB\"\nmax_path_depth = 40\n"
        "max_batch_name_bytes = \"1MiB\"\n");
    EXPECT_EQ(c.server.max_connections_per_address, 5);
    EXPECT_EQ(c.server.header_timeout, 3);
    EXPECT_EQ(c.tls.reserved_connections, 10);
    EXPECT_EQ(c.limits.memory_budget, 8388608);
    EXPECT_EQ(c.limits.max_path_depth, 40);
    EXPECT_EQ(c.limits.max_batch_name_bytes, 1048576);
}

TEST(ConfigParse, StorageLimits) {
    const Config defaults = parse_ok("");
    EXPECT_EQ(defaults.storage.max_bytes, 0);
    EXPECT_EQ(defaults.storage.max_age, 0);
    EXPECT_FALSE(defaults.storage.make_room);
    const Config c =
        parse_ok("[storage]\nmax_bytes = \"2GiB\"\nmax_age = 604800\nmake_room = true\n");
    EXPECT_EQ(c.storage.max_bytes, 2147483648);
    EXPECT_EQ(c.storage.max_age, 604800);
    EXPECT_TRUE(c.storage.make_room);
    expect_error("[storage]\nmax_bytes = -1\n", 2, "storage.max_bytes");
    expect_error("[storage]\nmax_age = -5\n", 2, "storage.max_age");
    expect_error("[storage]\nmake_room = 1\n", 2, "storage.make_room");
    expect_error("[storage]\nmax_files = 3\n", 2, "storage.max_files");
}

TEST(ConfigParse, UnsetTlsReserveIsAQuarterOfSmallConnectionLimits) {
    EXPECT_EQ(parse_ok("[server]\nmax_connections = 8\n").tls.reserved_connections, 2);
    EXPECT_EQ(parse_ok("").tls.reserved_connections, 32);
}

TEST(ConfigErrors, LimitsThatCannotWorkTogether) {
    // A budget that could never hold one text of max_text_length.
    auto error = expect_error("[limits]\nmax_text_length = \"8MiB\"\nmemory_budget = \"8MiB\"\n", 3,
                              "limits.memory_budget");
    EXPECT_TRUE(contains(error, "max_text_length"));
    // Unset budget: the line of the text limit that outgrew the default is named.
    expect_error("[limits]\nmax_text_length = \"64MiB\"\n", 2, "limits.memory_budget");
    // Every slot kept for TLS: the plain port would have none.
    expect_error("[server]\nmax_connections = 4\n[tls]\nenabled = true\nreserved_connections = 4\n",
                 5, "tls.reserved_connections");
    expect_error("[limits]\nmax_path_depth = 0\n", 2, "limits.max_path_depth");
    expect_error("[limits]\nmemory_budget = 1000\n", 2, "limits.memory_budget");
    expect_error("[server]\nheader_timeout = 0\n", 2, "server.header_timeout");
}

TEST(ConfigParse, BindAsStringOrArrayWithIpv6) {
    Config c = parse_ok("[server]\nbind = \"::\"\n[discovery]\nbind = \"192.168.1.1\"\n");
    EXPECT_EQ(c.server.bind, std::vector<std::string>{"::"});
    EXPECT_EQ(c.discovery.bind, std::vector<std::string>{"192.168.1.1"});
    c = parse_ok("[server]\nbind = [\"0.0.0.0\", \"::\", \"fe80::1\"]\n");
    EXPECT_EQ(c.server.bind, (std::vector<std::string>{"0.0.0.0", "::", "fe80::1"}));
}

TEST(ConfigParse, RelativePathsResolveAgainstTheFileDirectory) {
    const Config c = parse_ok(
        "[server]\nworking_dir = \"./data/../files/\"\nstate_dir = \"state\"\n"
        "[tls]\ncertificate = \"/abs/./x.crt\"\nca = \"../ca.crt\"\n");
    EXPECT_EQ(c.server.working_dir, fs::path("/srv/clip/files"));
    EXPECT_EQ(c.server.state_dir, fs::path("/srv/clip/state"));
    EXPECT_EQ(c.tls.certificate, fs::path("/abs/x.crt"));
    EXPECT_EQ(c.tls.ca, fs::path("/srv/ca.crt"));
    EXPECT_EQ(c.tls.private_key, fs::path("/srv/clip/server.key"));  // default, same base
}

TEST(ConfigParse, RelativeConfigFileNameIsMadeAbsolute) {
    const Config c = parse_ok("[server]\nworking_dir = \"in\"\n", "conf/clipshared.toml");
    const fs::path expected = fs::current_path() / "conf" / "in";
    EXPECT_EQ(c.server.working_dir, expected.lexically_normal());
    EXPECT_TRUE(c.source.is_absolute());
}

TEST(ConfigParse, InlineAllowedClients) {
    Config c = parse_ok("[tls]\nallowed_clients = [\"phone\", \"Laptop 2\"]\n");
    ASSERT_TRUE(c.tls.allowed_clients_inline);
    EXPECT_EQ(*c.tls.allowed_clients_inline, (std::vector<std::string>{"phone", "Laptop 2"}));
    c = parse_ok("[tls]\nallowed_clients = []\n");
    ASSERT_TRUE(c.tls.allowed_clients_inline);
    EXPECT_TRUE(c.tls.allowed_clients_inline->empty());
}

TEST(ConfigParse, DottedAndInlineTablesAreAccepted) {
    const Config c =
        parse_ok("plain.port = 6000\nclipboard = { commands = { set_text = \"x\" } }\n");
    EXPECT_EQ(c.plain.port, 6000);
    EXPECT_EQ(c.clipboard.commands.set_text, "x");
}

TEST(ConfigParse, InfoNameBoundaries) {
    const std::string longest(256, '~');
    EXPECT_EQ(parse_ok("[server]\ninfo_name = \"" + longest + "\"\n").server.info_name, longest);
    EXPECT_EQ(parse_ok("[server]\ninfo_name = \" \"\n").server.info_name, " ");
}

TEST(ConfigParse, LoadsARealFile) {
    TempDir dir;
    const fs::path file = dir.path() / "etc" / "clipshared.toml";
    write_file(file, "[server]\nworking_dir = \"../files\"\n");
    const ConfigResult result = load_config(file);
    ASSERT_TRUE(result.config) << result.error;
    EXPECT_EQ(result.config->source, file);
    EXPECT_EQ(result.config->server.working_dir, dir.path() / "files");
}

// --- search order ---------------------------------------------------------------------

class ConfigSearch : public ::testing::Test {
protected:
    // /etc/clipshare/clipshared.toml belongs to the machine; tests that need "nothing found"
    // only make sense without it.
    static bool system_file_present() {
        return fs::exists(fs::path(CLIPSHARE_SYSCONFDIR) / "clipshare/clipshared.toml");
    }

    TempDir xdg_;
    TempDir home_;
    EnvGuard xdg_env_{"XDG_CONFIG_HOME"};
    EnvGuard home_env_{"HOME"};
};

TEST_F(ConfigSearch, XdgConfigHomeComesFirst) {
    const fs::path xdg_file = xdg_.path() / "clipshare" / "clipshared.toml";
    const fs::path home_file = home_.path() / ".config" / "clipshare" / "clipshared.toml";
    write_file(xdg_file, "[plain]\nport = 1001\n");
    write_file(home_file, "[plain]\nport = 1002\n");
    xdg_env_.set(xdg_.path().string());
    home_env_.set(home_.path().string());

    EXPECT_EQ(find_config_file(), xdg_file);
    const ConfigResult result = load_config(std::nullopt);
    ASSERT_TRUE(result.config) << result.error;
    EXPECT_EQ(result.config->plain.port, 1001);
}

TEST_F(ConfigSearch, HomeWhenXdgUnsetEmptyOrMissingTheFile) {
    const fs::path home_file = home_.path() / ".config" / "clipshare" / "clipshared.toml";
    write_file(home_file, "[plain]\nport = 1002\n");
    home_env_.set(home_.path().string());

    xdg_env_.unset();
    EXPECT_EQ(find_config_file(), home_file);
    xdg_env_.set("");
    EXPECT_EQ(find_config_file(), home_file);
    xdg_env_.set(xdg_.path().string());  // exists, but holds no clipshare/clipshared.toml
    EXPECT_EQ(find_config_file(), home_file);

    const ConfigResult result = load_config(std::nullopt);
    ASSERT_TRUE(result.config) << result.error;
    EXPECT_EQ(result.config->plain.port, 1002);
}

TEST_F(ConfigSearch, ExplicitFileOverridesTheSearch) {
    write_file(xdg_.path() / "clipshare" / "clipshared.toml", "[plain]\nport = 1001\n");
    xdg_env_.set(xdg_.path().string());
    const fs::path explicit_file = home_.path() / "mine.toml";
    write_file(explicit_file, "[plain]\nport = 1003\n");
    const ConfigResult result = load_config(explicit_file);
    ASSERT_TRUE(result.config) << result.error;
    EXPECT_EQ(result.config->plain.port, 1003);
}

TEST_F(ConfigSearch, NothingFoundMeansDefaultsInTheCurrentDirectory) {
    if (system_file_present()) GTEST_SKIP() << "/etc/clipshare/clipshared.toml exists";
    xdg_env_.set(xdg_.path().string());
    home_env_.set(home_.path().string());
    EXPECT_EQ(find_config_file(), std::nullopt);
    xdg_env_.unset();
    home_env_.unset();
    EXPECT_EQ(find_config_file(), std::nullopt);

    const ConfigResult result = load_config(std::nullopt);
    ASSERT_TRUE(result.config) << result.error;
    EXPECT_TRUE(result.config->source.empty());
    expect_default_values(*result.config, fs::current_path());
}

// --- describe_config ------------------------------------------------------------------

void expect_same_settings(const Config& a, const Config& b) {
    EXPECT_EQ(a.server.bind, b.server.bind);
    EXPECT_EQ(a.server.working_dir, b.server.working_dir);
    EXPECT_EQ(a.effective_state_dir(), b.effective_state_dir());
    EXPECT_EQ(a.server.info_name, b.server.info_name);
    EXPECT_EQ(a.server.max_connections, b.server.max_connections);
    EXPECT_EQ(a.server.idle_timeout, b.server.idle_timeout);
    EXPECT_EQ(a.server.user, b.server.user);
    EXPECT_EQ(a.server.group, b.server.group);
    EXPECT_EQ(a.plain.enabled, b.plain.enabled);
    EXPECT_EQ(a.plain.port, b.plain.port);
    EXPECT_EQ(a.tls.enabled, b.tls.enabled);
    EXPECT_EQ(a.tls.port, b.tls.port);
    EXPECT_EQ(a.tls.certificate, b.tls.certificate);
    EXPECT_EQ(a.tls.private_key, b.tls.private_key);
    EXPECT_EQ(a.tls.ca, b.tls.ca);
    EXPECT_EQ(a.tls.allowed_clients_inline, b.tls.allowed_clients_inline);
    if (!a.tls.allowed_clients_inline) {
        EXPECT_EQ(a.tls.allowed_clients_file, b.tls.allowed_clients_file);
    }
    EXPECT_EQ(a.tls.handshake_timeout, b.tls.handshake_timeout);
    EXPECT_EQ(a.tls.max_handshakes, b.tls.max_handshakes);
    EXPECT_EQ(a.discovery.enabled, b.discovery.enabled);
    EXPECT_EQ(a.discovery.port, b.discovery.port);
    EXPECT_EQ(a.discovery.bind, b.discovery.bind);
    EXPECT_EQ(a.protocol.min_version, b.protocol.min_version);
    EXPECT_EQ(a.protocol.max_version, b.protocol.max_version);
    EXPECT_EQ(a.limits.max_text_length, b.limits.max_text_length);
    EXPECT_EQ(a.limits.max_file_size, b.limits.max_file_size);
    EXPECT_EQ(a.limits.max_file_count, b.limits.max_file_count);
    EXPECT_EQ(a.limits.memory_budget, b.limits.memory_budget);
    EXPECT_EQ(a.limits.max_path_depth, b.limits.max_path_depth);
    EXPECT_EQ(a.limits.max_batch_name_bytes, b.limits.max_batch_name_bytes);
    EXPECT_EQ(a.storage.max_bytes, b.storage.max_bytes);
    EXPECT_EQ(a.storage.max_age, b.storage.max_age);
    EXPECT_EQ(a.storage.make_room, b.storage.make_room);
    EXPECT_EQ(a.server.max_connections_per_address, b.server.max_connections_per_address);
    EXPECT_EQ(a.server.header_timeout, b.server.header_timeout);
    EXPECT_EQ(a.tls.reserved_connections, b.tls.reserved_connections);
    EXPECT_EQ(a.methods, b.methods);
    EXPECT_EQ(a.clipboard.backend, b.clipboard.backend);
    EXPECT_EQ(a.clipboard.preset, b.clipboard.preset);
    EXPECT_EQ(a.clipboard.commands.get_text, b.clipboard.commands.get_text);
    EXPECT_EQ(a.clipboard.commands.set_text, b.clipboard.commands.set_text);
    EXPECT_EQ(a.clipboard.commands.targets, b.clipboard.commands.targets);
    EXPECT_EQ(a.clipboard.commands.get_files, b.clipboard.commands.get_files);
    EXPECT_EQ(a.clipboard.commands.set_files, b.clipboard.commands.set_files);
    EXPECT_EQ(a.clipboard.commands.get_image, b.clipboard.commands.get_image);
    EXPECT_EQ(a.clipboard.commands.screenshot, b.clipboard.commands.screenshot);
    EXPECT_EQ(a.clipboard.cut_sent_files, b.clipboard.cut_sent_files);
    EXPECT_EQ(a.clipboard.client_selects_display, b.clipboard.client_selects_display);
    EXPECT_EQ(a.clipboard.display, b.clipboard.display);
}

void expect_round_trip(const Config& original) {
    const std::string text = describe_config(original);
    SCOPED_TRACE(text);
    // Read back from another directory: every path printed must already be absolute.
    const ConfigResult again = parse_config(text, "/elsewhere/check.toml");
    ASSERT_TRUE(again.config) << again.error;
    expect_same_settings(original, *again.config);
}

TEST(DescribeConfig, DefaultsRoundTrip) {
    expect_round_trip(default_config("/opt/clip"));
}

TEST(DescribeConfig, FullFileRoundTrips) {
    expect_round_trip(parse_ok(kFullFile));
}

TEST(DescribeConfig, InlineClientsAndAwkwardStringsRoundTrip) {
    const Config c = parse_ok(
        "[server]\ninfo_name = \"say \\\"hi\\\" \\\\ there\"\nbind = [\"::1\", \"10.0.0.1\"]\n"
        "[tls]\nallowed_clients = [\"phone\", \"quote\\\"d\", \"back\\\\slash\"]\n"
        "[clipboard.commands]\nset_text = \"printf '%s\\\\n' \\\"$x\\\"\\tend\"\n");
    ASSERT_TRUE(c.tls.allowed_clients_inline);
    expect_round_trip(c);
}

TEST(DescribeConfig, NamesEveryKey) {
    const std::string text = describe_config(default_config("/opt/clip"));
    for (const char* key : {"[server]",
                            "bind",
                            "working_dir",
                            "state_dir = \"/opt/clip/.clipshare\"",
                            "info_name",
                            "max_connections",
                            "idle_timeout",
                            "user",
                            "group",
                            "[plain]",
                            "[tls]",
                            "certificate",
                            "private_key",
                            "ca = ",
                            "allowed_clients = \"/opt/clip/allowed_clients.txt\"",
                            "handshake_timeout",
                            "[discovery]",
                            "[protocol]",
                            "min_version",
                            "max_version",
                            "[limits]",
                            "max_text_length",
                            "max_file_size",
                            "max_file_count",
                            "memory_budget = 16777216",
                            "max_path_depth = 128",
                            "max_batch_name_bytes",
                            "[storage]",
                            "max_bytes = 0",
                            "max_age = 0",
                            "make_room = false",
                            "max_connections_per_address = 32",
                            "header_timeout = 10",
                            "reserved_connections = 32",
                            "max_handshakes = 8",
                            "[methods]",
                            "get_text",
                            "send_text",
                            "get_files",
                            "send_files",
                            "get_image",
                            "get_copied_image",
                            "get_screenshot",
                            "get_any",
                            "info = true",
                            "[clipboard]",
                            "backend",
                            "preset",
                            "cut_sent_files",
                            "client_selects_display",
                            "display",
                            "[clipboard.commands]",
                            "set_text",
                            "targets",
                            "set_files",
                            "screenshot"}) {
        EXPECT_TRUE(contains(text, key));
    }
}

}  // namespace
}  // namespace clipshare
