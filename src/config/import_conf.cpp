#include "config/import_conf.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>

#include "config/toml_text.hpp"

namespace clipshare {
namespace {

// How an upstream value is read, checked and written as TOML.
enum class Value : std::uint8_t {
    boolean,      // true / false / 1 / 0, any case
    port,         // 1 to 65535
    version,      // a protocol version we serve, 1 to 4
    display,      // 1 to 65535
    text_length,  // a count with an optional decimal suffix K, M or G
    file_size,    // the same, T too
    address,      // an IPv4 or IPv6 literal
    path,         // copied as written
    certificate,  // a path; upstream's newer PKCS#12 stores we cannot read
};

struct Mapping {
    std::string_view upstream;
    std::string_view section;
    std::string_view key;
    Value value;
};

// Every key the upstream README documents that has a clipshared.toml equivalent, in the order
// the output lists them (the order of `clipshared -t`).
constexpr std::array kMappings{
    Mapping{"bind_address", "server", "bind", Value::address},
    Mapping{"working_dir", "server", "working_dir", Value::path},
    Mapping{"insecure_mode_enabled", "plain", "enabled", Value::boolean},
    Mapping{"app_port", "plain", "port", Value::port},
    Mapping{"secure_mode_enabled", "tls", "enabled", Value::boolean},
    Mapping{"app_port_secure", "tls", "port", Value::port},
    Mapping{"server_cert", "tls", "certificate", Value::certificate},
    Mapping{"server_key", "tls", "private_key", Value::path},
    Mapping{"ca_cert", "tls", "ca", Value::path},
    Mapping{"allowed_clients", "tls", "allowed_clients", Value::path},
    // Upstream's web mode is HTTPS with client certificates: [web] tls = true, the default.
    Mapping{"web_mode_enabled", "web", "enabled", Value::boolean},
    Mapping{"web_port", "web", "port", Value::port},
    Mapping{"udp_server_enabled", "discovery", "enabled", Value::boolean},
    Mapping{"udp_port", "discovery", "port", Value::port},
    Mapping{"bind_address_udp", "discovery", "bind", Value::address},
    Mapping{"min_proto_version", "protocol", "min_version", Value::version},
    Mapping{"max_proto_version", "protocol", "max_version", Value::version},
    Mapping{"max_text_length", "limits", "max_text_length", Value::text_length},
    Mapping{"max_file_size", "limits", "max_file_size", Value::file_size},
    Mapping{"method_get_text_enabled", "methods", "get_text", Value::boolean},
    Mapping{"method_send_text_enabled", "methods", "send_text", Value::boolean},
    Mapping{"method_get_files_enabled", "methods", "get_files", Value::boolean},
    Mapping{"method_send_files_enabled", "methods", "send_files", Value::boolean},
    Mapping{"method_get_image_enabled", "methods", "get_image", Value::boolean},
    Mapping{"method_get_copied_image_enabled", "methods", "get_copied_image", Value::boolean},
    Mapping{"method_get_screenshot_enabled", "methods", "get_screenshot", Value::boolean},
    Mapping{"method_info_enabled", "methods", "info", Value::boolean},
    Mapping{"cut_sent_files", "clipboard", "cut_sent_files", Value::boolean},
    Mapping{"client_selects_display", "clipboard", "client_selects_display", Value::boolean},
    Mapping{"display", "clipboard", "display", Value::display},
};

struct Unmapped {
    std::string_view upstream;
    std::string_view why;
};

// Documented upstream keys with nothing to map to.
constexpr std::array kUnmapped{
    Unmapped{"restart", "no equivalent; use clipshared -r to replace a running instance"},
    Unmapped{"tray_icon", "no equivalent; clipshared shows no tray icon"},
};

constexpr std::string_view kSectionOrder[] = {
    "server", "plain", "tls", "web", "discovery", "protocol", "limits", "methods", "clipboard"};

// The upstream reader's notion of blank: every byte from 0x01 to 0x20.
std::string_view trimmed(std::string_view text) {
    auto blank = [](char ch) { return ch > 0 && ch <= ' '; };
    while (!text.empty() && blank(text.front())) text.remove_prefix(1);
    while (!text.empty() && blank(text.back())) text.remove_suffix(1);
    return text;
}

std::string lower(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(), [](char ch) {
        return (ch >= 'A' && ch <= 'Z') ? static_cast<char>(ch - 'A' + 'a') : ch;
    });
    return out;
}

std::optional<std::int64_t> whole_number(std::string_view text, std::int64_t low,
                                         std::int64_t high) {
    std::int64_t value = 0;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc{} || end != text.data() + text.size()) return std::nullopt;
    if (value < low || value > high) return std::nullopt;
    return value;
}

// Digits and at most one decimal suffix (K = 1000, M, G, and T when `with_tera`), as
// upstream reads sizes.
std::optional<std::int64_t> upstream_size(std::string_view text, bool with_tera) {
    std::int64_t factor = 1;
    if (!text.empty()) {
        switch (text.back()) {
            case 'k':
            case 'K':
                factor = 1000;
                break;
            case 'm':
            case 'M':
                factor = 1000 * 1000;
                break;
            case 'g':
            case 'G':
                factor = 1000 * 1000 * 1000;
                break;
            case 't':
            case 'T':
                if (with_tera) factor = std::int64_t{1000} * 1000 * 1000 * 1000;
                break;
            default:
                break;
        }
    }
    if (factor != 1) text.remove_suffix(1);
    auto number = whole_number(text, 1, std::numeric_limits<std::int64_t>::max() / factor);
    if (!number) return std::nullopt;
    return *number * factor;
}

bool is_ip_literal(std::string_view text) {
    std::string literal(text);
    in6_addr ignored;
    return inet_pton(AF_INET, literal.c_str(), &ignored) == 1 ||
           inet_pton(AF_INET6, literal.c_str(), &ignored) == 1;
}

// The TOML value for `text`, or "" with `why` set when we cannot take it.
std::string convert(Value kind, std::string_view text, std::string& why) {
    switch (kind) {
        case Value::boolean: {
            auto word = lower(text);
            if (word == "true" || word == "1") return "true";
            if (word == "false" || word == "0") return "false";
            why = "not a boolean (true, false, 1 or 0)";
            return {};
        }
        case Value::port:
        case Value::display:
            if (auto number = whole_number(text, 1, 65535)) return std::to_string(*number);
            why = "not a number from 1 to 65535";
            return {};
        case Value::version:
            if (auto number = whole_number(text, 1, 4)) return std::to_string(*number);
            why = "clipshared serves protocol versions 1 to 4";
            return {};
        case Value::text_length: {
            auto size = upstream_size(text, false);
            // clipshared's own ceiling for one text.
            constexpr std::int64_t kMaxText = 1073741824;
            if (size && *size <= kMaxText) return std::to_string(*size);
            why = size ? "more than clipshared's limit of 1073741824 bytes"
                       : "not a size (digits with an optional K, M or G)";
            return {};
        }
        case Value::file_size:
            if (auto size = upstream_size(text, true)) return std::to_string(*size);
            why = "not a size (digits with an optional K, M, G or T)";
            return {};
        case Value::address:
            if (is_ip_literal(text)) return toml_quoted(text);
            why = "not an IPv4 or IPv6 address";
            return {};
        case Value::certificate: {
            auto name = lower(text);
            auto ends_with = [&](std::string_view suffix) {
                return name.size() >= suffix.size() &&
                       name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
            };
            if (ends_with(".pfx") || ends_with(".p12")) {
                why =
                    "a PKCS#12 store; clipshared reads PEM files: split it with `openssl "
                    "pkcs12` into certificate and private_key";
                return {};
            }
            return toml_quoted(text);
        }
        case Value::path:
            return toml_quoted(text);
    }
    return {};
}

struct Setting {
    const Mapping* mapping;
    std::string value;
    std::size_t line;
};

}  // namespace

ImportedConf import_upstream_conf(std::string_view text, std::string_view file_name) {
    ImportedConf out;
    std::vector<Setting> settings;
    auto note = [&](std::size_t line, const std::string& what, bool loss) {
        out.notes.push_back(std::string(file_name) + ":" + std::to_string(line) + ": " + what);
        out.lossy |= loss;
    };

    std::size_t number = 0;
    while (!text.empty()) {
        auto end = text.find('\n');
        std::string_view line = text.substr(0, end);
        text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
        ++number;
        line = trimmed(line);
        if (line.empty() || line.front() == '#') continue;
        auto equals = line.find('=');
        if (equals == std::string_view::npos) {
            note(number, "not a key=value line; skipped", true);
            continue;
        }
        std::string_view key = trimmed(line.substr(0, equals));
        std::string_view value = trimmed(line.substr(equals + 1));
        if (key.empty() || value.empty()) {
            note(number, "a key and a value are both needed; skipped", true);
            continue;
        }
        std::string shown = toml_quoted(key);
        auto unmapped = std::find_if(kUnmapped.begin(), kUnmapped.end(),
                                     [&](const Unmapped& each) { return each.upstream == key; });
        if (unmapped != kUnmapped.end()) {
            note(number, shown + ": " + std::string(unmapped->why), false);
            continue;
        }
        auto mapping = std::find_if(kMappings.begin(), kMappings.end(),
                                    [&](const Mapping& each) { return each.upstream == key; });
        if (mapping == kMappings.end()) {
            note(number, shown + ": unknown key; skipped", true);
            continue;
        }
        std::string why;
        std::string converted = convert(mapping->value, value, why);
        if (converted.empty()) {
            note(number, shown + " = " + toml_quoted(value) + ": " + why + "; skipped", true);
            continue;
        }
        // As upstream: a key set twice keeps its last value.
        auto earlier = std::find_if(settings.begin(), settings.end(),
                                    [&](const Setting& each) { return each.mapping == &*mapping; });
        if (earlier != settings.end()) {
            note(earlier->line,
                 shown + ": set again on line " + std::to_string(number) + ", which wins", false);
            settings.erase(earlier);
        }
        settings.push_back({&*mapping, std::move(converted), number});
    }

    // clipshared refuses min_version > max_version; upstream quietly served up to its own
    // newest instead, which is what leaving max_version out means here.
    auto setting_of = [&](std::string_view key) {
        return std::find_if(settings.begin(), settings.end(),
                            [&](const Setting& each) { return each.mapping->upstream == key; });
    };
    auto min_version = setting_of("min_proto_version");
    auto max_version = setting_of("max_proto_version");
    if (min_version != settings.end() && max_version != settings.end() &&
        std::stoi(min_version->value) > std::stoi(max_version->value)) {
        note(max_version->line,
             "\"max_proto_version\" is below min_proto_version; skipped (clipshared then serves "
             "up to version 4)",
             true);
        settings.erase(max_version);
    }

    out.toml = "# clipshared.toml, converted from " + std::string(file_name) +
               " by clipshared --import-conf.\n"
               "# Relative paths here are relative to this file's directory; clipshare.conf took\n"
               "# them relative to the directory the server was started in.\n"
               "# clipshare.conf served the desktop's clipboard; clipshared keeps its own store\n"
               "# unless [clipboard] backend = \"command\" with preset = \"x11\" or \"wayland\".\n";
    for (std::string_view section : kSectionOrder) {
        bool opened = false;
        for (const Mapping& mapping : kMappings) {
            if (mapping.section != section) continue;
            auto found = std::find_if(settings.begin(), settings.end(), [&](const Setting& each) {
                return each.mapping == &mapping;
            });
            if (found == settings.end()) continue;
            if (!opened) out.toml += "\n[" + std::string(section) + "]\n";
            opened = true;
            out.toml += std::string(mapping.key) + " = " + found->value + "\n";
        }
    }
    return out;
}

}  // namespace clipshare
