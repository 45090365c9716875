// Reading clipshared.toml. The parser walks the document in source order and stops at the
// first problem, so the single line it reports is always the one a user meets first when
// reading the file top to bottom.
#include "config/load.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <span>
#include <system_error>
#include <utility>
#include <variant>

#include <toml++/toml.h>

#include "build_config.hpp"
#include "config/keys.hpp"
#include "config/toml_text.hpp"
#include "util/read_file.hpp"

namespace clipshare {
namespace {

namespace fs = std::filesystem;
using config_keys::Access;
using config_keys::Key;
using config_keys::Kind;
using config_keys::Section;

constexpr std::int64_t kInt64Max = std::numeric_limits<std::int64_t>::max();
constexpr std::size_t kMaxInfoNameBytes = 256;
// (uid_t)-1 means "unchanged" to setuid(2) and chown(2), so it is not a usable id either.
constexpr std::int64_t kMaxAccountId = 4294967294;

// Carries the finished one-line message from deep inside a validator up to parse_config;
// the first problem ends the parse, so unwinding is the simplest way to stop.
struct ConfigError {
    std::string message;
};

// Messages are one line on stderr or in syslog: no line breaks or other control bytes.
std::string one_line(std::string text) {
    for (auto& ch : text) {
        if (static_cast<unsigned char>(ch) < 0x20) ch = ' ';
    }
    return text;
}

// A key as a message shows it: TOML allows any character in a quoted key, so control
// characters are shown escaped, as in a TOML string.
std::string shown_key(std::string_view name) {
    bool plain = std::all_of(name.begin(), name.end(), [](char ch) {
        auto byte = static_cast<unsigned char>(ch);
        return byte >= 0x20 && byte != 0x7f;
    });
    if (plain) return std::string{name};
    auto quoted = toml_quoted(name);
    return quoted.substr(1, quoted.size() - 2);
}

std::string type_name(const toml::node& node) {
    switch (node.type()) {
        case toml::node_type::table:
            return "a table";
        case toml::node_type::array:
            return "an array";
        case toml::node_type::string:
            return "a string";
        case toml::node_type::integer:
            return "an integer";
        case toml::node_type::floating_point:
            return "a float";
        case toml::node_type::boolean:
            return "a boolean";
        case toml::node_type::date:
            return "a date";
        case toml::node_type::time:
            return "a time";
        case toml::node_type::date_time:
            return "a date-time";
        case toml::node_type::none:
            break;
    }
    return "nothing";
}

// Normalizes without touching the disk (the directories may not exist yet at check time)
// and drops the trailing separator lexically_normal leaves on "dir/.", so "." prints as
// "/base" rather than "/base/".
fs::path normalized(const fs::path& path) {
    fs::path out = path.lexically_normal();
    if (!out.has_filename() && out.has_relative_path()) out = out.parent_path();
    return out;
}

fs::path resolve(const fs::path& base_dir, const fs::path& path) {
    return normalized(path.is_absolute() ? path : base_dir / path);
}

fs::path absolute_or_same(const fs::path& path) {
    std::error_code ec;
    fs::path out = fs::absolute(path, ec);
    return ec ? path : out;
}

bool is_ip_literal(const std::string& text) {
    in6_addr buffer{};  // large enough for either family
    return inet_pton(AF_INET, text.c_str(), &buffer) == 1 ||
           inet_pton(AF_INET6, text.c_str(), &buffer) == 1;
}

bool is_valid_info_name(std::string_view name) {
    if (name.empty() || name.size() > kMaxInfoNameBytes) return false;
    return std::all_of(name.begin(), name.end(),
                       [](char ch) { return ch >= 0x20 && ch <= 0x7e && ch != '='; });
}

std::optional<std::int64_t> unit_multiplier(std::string_view unit) {
    std::string lower(unit);
    std::transform(lower.begin(), lower.end(), lower.begin(), [](char ch) {
        return (ch >= 'A' && ch <= 'Z') ? static_cast<char>(ch - 'A' + 'a') : ch;
    });
    static constexpr std::int64_t kKilo = 1000;
    static constexpr std::int64_t kKibi = 1024;
    static const std::array<std::pair<std::string_view, std::int64_t>, 14> kUnits{{
        {"", 1},
        {"b", 1},
        {"k", kKilo},
        {"kb", kKilo},
        {"kib", kKibi},
        {"m", kKilo * kKilo},
        {"mb", kKilo * kKilo},
        {"mib", kKibi * kKibi},
        {"g", kKilo * kKilo * kKilo},
        {"gb", kKilo * kKilo * kKilo},
        {"gib", kKibi * kKibi * kKibi},
        {"t", kKilo * kKilo * kKilo * kKilo},
        {"tb", kKilo * kKilo * kKilo * kKilo},
        {"tib", kKibi * kKibi * kKibi * kKibi},
    }};
    for (const auto& [name, factor] : kUnits) {
        if (lower == name) return factor;
    }
    return std::nullopt;
}

// One key of a table with its dotted name and the line it was written on.
struct Entry {
    std::string name;  // "server.bind"
    const toml::node* node;
    std::uint32_t line;
    std::uint32_t column;
};

// toml::table is an ordered map (alphabetical), so restore the order of the file: that is
// what makes "the first error" the first one a reader would find.
std::vector<Entry> entries_in_order(const toml::table& table, const std::string& prefix) {
    std::vector<Entry> out;
    for (auto&& [key, node] : table) {
        const auto& begin = key.source().begin;
        const std::string name =
            prefix.empty() ? std::string(key.str()) : prefix + "." + std::string(key.str());
        out.push_back(Entry{name, &node, begin.line, begin.column});
    }
    std::stable_sort(out.begin(), out.end(), [](const Entry& a, const Entry& b) {
        return std::pair(a.line, a.column) < std::pair(b.line, b.column);
    });
    return out;
}

class Parser {
public:
    Parser(std::string file_label, fs::path base_dir, Config& config)
        : file_(std::move(file_label)), base_dir_(std::move(base_dir)), config_(config) {}

    void run(const toml::table& root) {
        for (const Entry& section : entries_in_order(root, "")) apply_section(section);
        check_versions();
        check_tls_versions();
        check_clipboard();
        check_log();
        check_budgets();
    }

private:
    // Every message is one line, whatever a quoted key in the file holds.
    [[noreturn]] void fail_at(std::uint32_t line, const std::string& what) const {
        throw ConfigError{file_ + ":" + std::to_string(line) + ": " + one_line(what)};
    }

    [[noreturn]] void fail(const Entry& entry, const std::string& what) const {
        fail_at(entry.line, "key '" + shown_key(entry.name) + "': " + what);
    }

    // Array elements may sit on their own lines; point at the element, not the key.
    [[noreturn]] void fail_element(const Entry& entry, const toml::node& element,
                                   const std::string& what) const {
        const std::uint32_t line = element.source().begin.line;
        fail_at(line != 0 ? line : entry.line, "key '" + shown_key(entry.name) + "': " + what);
    }

    [[noreturn]] void wrong_type(const Entry& entry, const std::string& expected) const {
        fail(entry, "expected " + expected + ", got " + type_name(*entry.node));
    }

    [[noreturn]] void unknown(const Entry& entry) const {
        const char* kind = entry.node->is_table() ? "section" : "key";
        fail_at(entry.line, std::string("unknown ") + kind + " '" + shown_key(entry.name) + "'");
    }

    void apply_section(const Entry& section) {
        for (const Section& known : config_keys::sections()) {
            if (section.name != known.name) continue;
            walk_table(section, known);
            return;
        }
        unknown(section);
    }

    // Applies every key of a table in file order.
    void walk_table(const Entry& table_entry, const Section& section) {
        const toml::table* table = table_entry.node->as_table();
        if (table == nullptr) wrong_type(table_entry, "a table");
        for (const Entry& entry : entries_in_order(*table, table_entry.name)) {
            const Key* key = config_keys::find_key(section, leaf(entry));
            if (key == nullptr) unknown(entry);
            apply(*key, entry);
            lines_.emplace_back(std::string(section.name) + "." + std::string(key->name),
                                entry.line);
        }
    }

    static std::string_view leaf(const Entry& entry) {
        const auto dot = entry.name.rfind('.');
        return std::string_view(entry.name).substr(dot == std::string::npos ? 0 : dot + 1);
    }

    // The line a key was set on, or 0 when the file leaves it at its default.
    std::uint32_t line_of(std::string_view dotted_name) const {
        for (const auto& [name, line] : lines_) {
            if (name == dotted_name) return line;
        }
        return 0;
    }

    // A check of two keys points at the first one the file sets.
    std::uint32_t line_of(std::string_view first, std::string_view second) const {
        const std::uint32_t line = line_of(first);
        return line != 0 ? line : line_of(second);
    }

    void apply(const Key& key, const Entry& entry) {
        switch (key.kind) {
            case Kind::boolean:
                store(key, boolean(entry));
                break;
            case Kind::integer:
                store_integer(key, integer(entry, key.low, key.high));
                break;
            case Kind::size:
                store(key, size(entry, key.low, key.high));
                break;
            case Kind::path:
            case Kind::state_dir:
                store(key, path(entry));
                break;
            case Kind::announced_name:
                store(key, announced_name(entry));
                break;
            case Kind::account:
                store(key, account(entry));
                break;
            case Kind::command:
                store(key, non_empty_string(entry));
                break;
            case Kind::choice:
                store_choice(key, one_of(entry, key.choices));
                break;
            case Kind::addresses:
                store(key, addresses(entry));
                break;
            case Kind::ciphers:
                store(key, cipher_names(entry));
                break;
            case Kind::host_names:
                store(key, host_names(entry));
                break;
            case Kind::allowed_clients:
                allowed_clients(entry);
                break;
            case Kind::method:
                config_.methods.set(method_code(std::get<Method>(key.field)), boolean(entry));
                break;
            case Kind::table:
                walk_table(entry, *std::get<const Section*>(key.field));
                break;
        }
    }

    // The tables are checked at compile time to pair each kind with a field of its type.
    template <class V>
    void store(const Key& key, V value) {
        std::get<Access<V>>(key.field)(config_) = std::move(value);
    }

    // Ports and protocol versions live in narrower fields, within bounds that fit them.
    void store_integer(const Key& key, std::int64_t value) {
        if (const auto* narrow = std::get_if<Access<int>>(&key.field)) {
            (*narrow)(config_) = static_cast<int>(value);
        } else if (const auto* port = std::get_if<Access<std::uint16_t>>(&key.field)) {
            (*port)(config_) = static_cast<std::uint16_t>(value);
        } else {
            store(key, value);
        }
    }

    void store_choice(const Key& key, const std::string& choice) {
        if (const auto* level = std::get_if<Access<LogLevel>>(&key.field)) {
            (*level)(config_) = *parse_log_level(choice);
        } else if (const auto* where = std::get_if<Access<LogDestination>>(&key.field)) {
            for (auto candidate : {LogDestination::automatic, LogDestination::syslog,
                                   LogDestination::stderr_stream, LogDestination::file}) {
                if (choice == log_destination_name(candidate)) (*where)(config_) = candidate;
            }
        } else {
            store(key, choice);
        }
    }

    // --- typed readers ------------------------------------------------------------------

    bool boolean(const Entry& entry) const {
        const auto* value = entry.node->as_boolean();
        if (value == nullptr) wrong_type(entry, "a boolean");
        return value->get();
    }

    std::int64_t integer(const Entry& entry, std::int64_t low, std::int64_t high) const {
        const auto* value = entry.node->as_integer();
        if (value == nullptr) wrong_type(entry, "an integer");
        const std::int64_t number = value->get();
        if (number < low || number > high) {
            fail(entry, "must be an integer from " + std::to_string(low) + " to " +
                            std::to_string(high) + ", got " + std::to_string(number));
        }
        return number;
    }

    // Every string is later handed to C APIs (paths, getpwnam, the shell), where an
    // embedded NUL would silently cut it short.
    std::string string(const Entry& entry) const {
        const auto* value = entry.node->as_string();
        if (value == nullptr) wrong_type(entry, "a string");
        if (value->get().find('\0') != std::string::npos) {
            fail(entry, "must not contain a NUL character");
        }
        return value->get();
    }

    std::string non_empty_string(const Entry& entry) const {
        std::string text = string(entry);
        if (text.empty()) fail(entry, "must not be empty");
        return text;
    }

    fs::path path(const Entry& entry) const {
        return resolve(base_dir_, fs::path(non_empty_string(entry)));
    }

    std::string element_string(const Entry& entry, const toml::node& element) const {
        const auto* value = element.as_string();
        if (value == nullptr) {
            fail_element(entry, element,
                         "array elements must be strings, got " + type_name(element));
        }
        if (value->get().empty() || value->get().find('\0') != std::string::npos) {
            fail_element(entry, element, "array elements must be non-empty strings");
        }
        return value->get();
    }

    std::vector<std::string> addresses(const Entry& entry) const {
        std::vector<std::pair<std::string, const toml::node*>> items;
        if (const auto* text = entry.node->as_string()) {
            items.emplace_back(text->get(), entry.node);
        } else if (const auto* array = entry.node->as_array()) {
            if (array->empty()) fail(entry, "must not be an empty array");
            for (const toml::node& element : *array) {
                items.emplace_back(element_string(entry, element), &element);
            }
        } else {
            wrong_type(entry, "a string or an array of strings");
        }
        std::vector<std::string> out;
        for (const auto& [address, node] : items) {
            if (!is_ip_literal(address)) {
                fail_element(entry, *node,
                             toml_quoted(address) + " is not an IPv4 or IPv6 address");
            }
            out.push_back(address);
        }
        return out;
    }

    std::int64_t size(const Entry& entry, std::int64_t low, std::int64_t high) const {
        const std::string range = std::to_string(low) + " to " + std::to_string(high);
        std::int64_t bytes = 0;
        std::string shown;
        if (const auto* number = entry.node->as_integer()) {
            bytes = number->get();
            shown = std::to_string(bytes);
        } else if (const auto* text = entry.node->as_string()) {
            const auto parsed = parse_size(text->get());
            if (!parsed) {
                fail(entry, toml_quoted(text->get()) +
                                " is not a size: expected a byte count from " + range +
                                ", optionally with a unit (b, k, kb, kib, m, mb, mib, " +
                                "g, gb, gib, t, tb, tib)");
            }
            bytes = *parsed;
            shown = toml_quoted(text->get()) + " (" + std::to_string(bytes) + ")";
        } else {
            wrong_type(entry, "an integer or a string with a unit");
        }
        if (bytes < low || bytes > high) fail(entry, "must be from " + range + ", got " + shown);
        return bytes;
    }

    std::string one_of(const Entry& entry, std::span<const std::string_view> choices) const {
        std::string text = string(entry);
        if (std::find(choices.begin(), choices.end(), text) != choices.end()) return text;
        std::string list;
        for (std::string_view choice : choices) {
            if (!list.empty()) list += " or ";
            list += toml_quoted(choice);
        }
        fail(entry, "must be " + list + ", got " + toml_quoted(text));
    }

    // A user or group: a name, or a numeric id that must fit the kernel's 32-bit ids. A
    // larger number would wrap (4294967296 is 0: root) where the id is converted.
    std::string account(const Entry& entry) const {
        std::string text = non_empty_string(entry);
        if (!std::all_of(text.begin(), text.end(),
                         [](char ch) { return ch >= '0' && ch <= '9'; })) {
            return text;
        }
        const auto value = parse_size(text);  // digits only: no unit, overflow checked
        if (!value || *value > kMaxAccountId) {
            fail(entry, "numeric id " + text + " is out of range (0 to " +
                            std::to_string(kMaxAccountId) + ")");
        }
        return text;
    }

    std::string announced_name(const Entry& entry) const {
        std::string name = string(entry);
        if (!is_valid_info_name(name)) {
            fail(entry, "must be 1 to 256 printable ASCII characters without '=', got " +
                            toml_quoted(name));
        }
        return name;
    }

    void allowed_clients(const Entry& entry) {
        auto& tls = config_.tls;
        if (entry.node->is_string()) {
            tls.allowed_clients_file = path(entry);
            tls.allowed_clients_inline.reset();
            return;
        }
        const toml::array* array = entry.node->as_array();
        if (array == nullptr) wrong_type(entry, "a string (a file) or an array of names");
        std::vector<std::string> names;
        for (const toml::node& element : *array) names.push_back(element_string(entry, element));
        tls.allowed_clients_inline = std::move(names);
    }

    // An array of DNS names (maybe empty), each 1..253 letters, digits, '-' and '.'.
    std::vector<std::string> host_names(const Entry& entry) const {
        const toml::array* array = entry.node->as_array();
        if (array == nullptr) wrong_type(entry, "an array of host names");
        std::vector<std::string> names;
        for (const toml::node& element : *array) {
            std::string name = element_string(entry, element);
            bool valid = !name.empty() && name.size() <= 253 &&
                         std::all_of(name.begin(), name.end(), [](unsigned char ch) {
                             return std::isalnum(ch) != 0 || ch == '-' || ch == '.';
                         });
            if (!valid) {
                fail_element(entry, element,
                             toml_quoted(name) + " is not a host name (letters, digits, '-', '.')");
            }
            names.push_back(std::move(name));
        }
        return names;
    }

    // An array of tls_cipher_names, any case, each at most once, at least one.
    std::vector<std::string> cipher_names(const Entry& entry) const {
        const toml::array* array = entry.node->as_array();
        if (array == nullptr) wrong_type(entry, "an array of cipher names");
        if (array->empty()) fail(entry, "must name at least one cipher");
        std::vector<std::string> names;
        for (const toml::node& element : *array) {
            std::string name = element_string(entry, element);
            std::transform(name.begin(), name.end(), name.begin(),
                           [](unsigned char ch) { return static_cast<char>(std::toupper(ch)); });
            const auto* known =
                std::find_if(std::begin(tls_cipher_names), std::end(tls_cipher_names),
                             [&](const char* known) { return name == known; });
            if (known == std::end(tls_cipher_names)) {
                std::string list;
                for (const char* choice : tls_cipher_names) {
                    if (!list.empty()) list += ", ";
                    list += toml_quoted(choice);
                }
                fail_element(entry, element,
                             toml_quoted(element.as_string()->get()) + " is not one of " + list);
            }
            if (std::find(names.begin(), names.end(), name) != names.end()) {
                fail_element(entry, element, toml_quoted(name) + " is named twice");
            }
            names.push_back(std::move(name));
        }
        return names;
    }

    // `file` alone means "log to this file"; with any other destination it would be ignored,
    // and `destination = "file"` without a file has nowhere to write.
    void check_log() {
        auto& log = config_.log;
        if (!log.file.empty() && log.destination == LogDestination::automatic) {
            log.destination = LogDestination::file;
        }
        if (log.destination == LogDestination::file && log.file.empty()) {
            fail_at(line_of("log.destination"), "key 'log.destination': \"file\" needs log.file");
        }
        if (log.destination != LogDestination::file && !log.file.empty()) {
            fail_at(line_of("log.file"),
                    std::string{"key 'log.file': set, but log.destination is \""} +
                        log_destination_name(log.destination) + "\"");
        }
    }

    // A reversed range would make every connection fail negotiation; refuse it rather than
    // guess which bound the user meant.
    void check_versions() const {
        const auto& protocol = config_.protocol;
        if (protocol.min_version <= protocol.max_version) return;
        const std::uint32_t line = line_of("protocol.min_version", "protocol.max_version");
        fail_at(line, "key 'protocol.min_version': " + std::to_string(protocol.min_version) +
                          " is greater than protocol.max_version (" +
                          std::to_string(protocol.max_version) + ")");
    }

    // "1.3" to "1.2" offers nothing; as with the protocol range, refuse rather than guess.
    void check_tls_versions() const {
        const auto& tls = config_.tls;
        if (tls.min_version <= tls.max_version) return;  // "1.2" < "1.3" as strings too
        const std::uint32_t line = line_of("tls.min_version", "tls.max_version");
        fail_at(line, "key 'tls.min_version': \"" + tls.min_version +
                          "\" is greater than tls.max_version (\"" + tls.max_version + "\")");
    }

    // A command backend with nothing to run would answer "no data" to everything; that is
    // a mistake in the file, so say so at start-up instead.
    void check_clipboard() const {
        const auto& clipboard = config_.clipboard;
        const auto& c = clipboard.commands;
        if (clipboard.backend != "command" || !clipboard.preset.empty()) return;
        for (const std::string* command : {&c.get_text, &c.set_text, &c.targets, &c.get_files,
                                           &c.set_files, &c.get_image, &c.screenshot}) {
            if (!command->empty()) return;
        }
        fail_at(line_of("clipboard.backend"),
                "key 'clipboard.backend': \"command\" needs clipboard.preset or "
                "at least one command in [clipboard.commands]");
    }

    // Limits that cannot work together are a mistake in the file: a budget too small for one
    // text of max_text_length would refuse every such text, and a reservation of every slot
    // would leave the plain port none.
    void check_budgets() {
        const auto& limits = config_.limits;
        constexpr std::int64_t working_room = 1048576;
        if (limits.memory_budget < limits.max_text_length + working_room) {
            fail_at(line_of("limits.memory_budget", "limits.max_text_length"),
                    "key 'limits.memory_budget': " + std::to_string(limits.memory_budget) +
                        " is too small: it must hold limits.max_text_length (" +
                        std::to_string(limits.max_text_length) + ") plus 1 MiB");
        }
        auto& tls = config_.tls;
        const std::uint32_t reserved_line = line_of("tls.reserved_connections");
        if (reserved_line == 0) {
            // Unset: a quarter of the slots, at most the documented default.
            tls.reserved_connections =
                std::min(tls.reserved_connections, config_.server.max_connections / 4);
        }
        if (tls.enabled && config_.plain.enabled &&
            tls.reserved_connections >= config_.server.max_connections) {
            fail_at(reserved_line,
                    "key 'tls.reserved_connections': " + std::to_string(tls.reserved_connections) +
                        " leaves the plain port no slot of server.max_connections (" +
                        std::to_string(config_.server.max_connections) + ")");
        }
    }

    std::string file_;
    fs::path base_dir_;
    Config& config_;
    // The declared name ("tls.reserved_connections") and line of every key the file sets,
    // for the checks that relate one key to another.
    std::vector<std::pair<std::string, std::uint32_t>> lines_;
};

ConfigResult failure(std::string message) {
    ConfigResult result;
    result.error = std::move(message);
    return result;
}

bool file_exists(const fs::path& file) {
    std::error_code ec;
    return fs::exists(file, ec);
}

std::string env_or_empty(const char* name) {
    const char* value = std::getenv(name);
    return value == nullptr ? std::string() : std::string(value);
}

}  // namespace

std::optional<std::int64_t> parse_size(std::string_view text) {
    std::size_t pos = 0;
    std::int64_t value = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
        const int digit = text[pos] - '0';
        if (value > (kInt64Max - digit) / 10) return std::nullopt;
        value = value * 10 + digit;
        ++pos;
    }
    if (pos == 0) return std::nullopt;  // empty, a sign, or a leading unit
    while (pos < text.size() && (text[pos] == ' ' || text[pos] == '\t')) ++pos;
    const auto factor = unit_multiplier(text.substr(pos));
    if (!factor || value > kInt64Max / *factor) return std::nullopt;
    return value * *factor;
}

Config default_config(const std::filesystem::path& base_dir) {
    const fs::path base = absolute_or_same(base_dir);
    Config config;
    config.server.working_dir = resolve(base, config.server.working_dir);
    config.tls.certificate = resolve(base, config.tls.certificate);
    config.tls.private_key = resolve(base, config.tls.private_key);
    config.tls.ca = resolve(base, config.tls.ca);
    config.tls.allowed_clients_file = resolve(base, config.tls.allowed_clients_file);
    return config;
}

ConfigResult parse_config(std::string_view toml_text, const std::filesystem::path& file) {
    const std::string label = file.string();
    const fs::path absolute_file = normalized(absolute_or_same(file));
    const fs::path base_dir = absolute_file.parent_path();

    toml::table root;
    try {
        root = toml::parse(toml_text, label);
    } catch (const toml::parse_error& error) {
        const auto& begin = error.source().begin;
        return failure(label + ":" + std::to_string(begin.line) + ":" +
                       std::to_string(begin.column) +
                       ": TOML syntax error: " + one_line(std::string(error.description())));
    }

    Config config = default_config(base_dir);
    config.source = absolute_file;
    try {
        Parser(label, base_dir, config).run(root);
    } catch (const ConfigError& error) {
        return failure(error.message);
    }
    ConfigResult result;
    result.config = std::move(config);
    return result;
}

ConfigResult load_config_file(const std::filesystem::path& file) {
    int error = 0;
    const auto text = read_whole_file(file, error);
    if (!text) return failure(file.string() + ": cannot read: " + std::strerror(error));
    return parse_config(*text, file);
}

std::optional<std::filesystem::path> find_config_file() {
    const fs::path relative = fs::path("clipshare") / "clipshared.toml";
    std::vector<fs::path> candidates;
    if (const std::string xdg = env_or_empty("XDG_CONFIG_HOME"); !xdg.empty()) {
        candidates.push_back(fs::path(xdg) / relative);
    }
    if (const std::string home = env_or_empty("HOME"); !home.empty()) {
        candidates.push_back(fs::path(home) / ".config" / relative);
    }
    // The build's sysconfdir (/etc for --prefix=/usr, /usr/local/etc by default), which is
    // where meson install puts the sample and what clipshared -h names.
    candidates.push_back(fs::path(CLIPSHARE_SYSCONFDIR) / relative);
    for (const fs::path& candidate : candidates) {
        if (file_exists(candidate)) return candidate;
    }
    return std::nullopt;
}

ConfigResult load_config(const std::optional<std::filesystem::path>& explicit_file) {
    if (explicit_file) return load_config_file(*explicit_file);
    if (const auto found = find_config_file()) return load_config_file(*found);
    std::error_code ec;
    const fs::path cwd = fs::current_path(ec);
    if (ec) return failure("cannot determine the current directory: " + ec.message());
    ConfigResult result;
    result.config = default_config(cwd);
    return result;
}

}  // namespace clipshare
