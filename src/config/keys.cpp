// The tables of clipshared.toml's keys, each section in the order of the -t printout.
#include "config/keys.hpp"

#include <array>
#include <cstddef>
#include <limits>
#include <type_traits>
#include <utility>

#include "config/load.hpp"

namespace clipshare::config_keys {
namespace {

namespace fs = std::filesystem;

constexpr std::int64_t kInt64Max = std::numeric_limits<std::int64_t>::max();

// The Config member that holds a section of type S.
template <class S>
constexpr S& section_in(Config& config) {
    if constexpr (std::is_same_v<S, ServerSection>) {
        return config.server;
    } else if constexpr (std::is_same_v<S, PlainSection>) {
        return config.plain;
    } else if constexpr (std::is_same_v<S, TlsSection>) {
        return config.tls;
    } else if constexpr (std::is_same_v<S, WebSection>) {
        return config.web;
    } else if constexpr (std::is_same_v<S, DiscoverySection>) {
        return config.discovery;
    } else if constexpr (std::is_same_v<S, ProtocolSection>) {
        return config.protocol;
    } else if constexpr (std::is_same_v<S, LimitsSection>) {
        return config.limits;
    } else if constexpr (std::is_same_v<S, StorageSection>) {
        return config.storage;
    } else if constexpr (std::is_same_v<S, ClipboardSection>) {
        return config.clipboard;
    } else if constexpr (std::is_same_v<S, ClipboardCommands>) {
        return config.clipboard.commands;
    } else if constexpr (std::is_same_v<S, LogSection>) {
        return config.log;
    } else {
        static_assert(sizeof(S) == 0, "a section of Config the tables do not know");
    }
}

template <class Member>
struct section_of_member;
template <class T, class S>
struct section_of_member<T S::*> {
    using type = S;
};

// `&at<&ServerSection::bind>` is the Access to config.server.bind.
template <auto member>
constexpr auto& at(Config& config) {
    using Section = typename section_of_member<decltype(member)>::type;
    return section_in<Section>(config).*member;
}

constexpr bool restart = true;

// One entry per key, so that a table reads as a list; a formatter would put every field on
// a line of its own.
// clang-format off
constexpr Key kServerKeys[] = {
    {.name = "bind", .kind = Kind::addresses, .field = &at<&ServerSection::bind>,
     .needs_restart = restart},
    {.name = "working_dir", .kind = Kind::path, .field = &at<&ServerSection::working_dir>,
     .needs_restart = restart},
    {.name = "state_dir", .kind = Kind::state_dir, .field = &at<&ServerSection::state_dir>,
     .needs_restart = restart},
    {.name = "info_name", .kind = Kind::announced_name, .field = &at<&ServerSection::info_name>,
     .when_unset = "no server name is announced"},
    {.name = "max_connections", .kind = Kind::integer,
     .field = &at<&ServerSection::max_connections>, .low = 1, .high = 1000000},
    {.name = "max_connections_per_address", .kind = Kind::integer,
     .field = &at<&ServerSection::max_connections_per_address>, .low = 1, .high = 1000000},
    {.name = "idle_timeout", .kind = Kind::integer, .field = &at<&ServerSection::idle_timeout>,
     .low = 1, .high = 86400},
    {.name = "header_timeout", .kind = Kind::integer,
     .field = &at<&ServerSection::header_timeout>, .low = 1, .high = 3600},
    {.name = "user", .kind = Kind::account, .field = &at<&ServerSection::user>,
     .when_unset = "privileges are not dropped", .needs_restart = restart},
    {.name = "group", .kind = Kind::account, .field = &at<&ServerSection::group>,
     .when_unset = "the user's primary group", .needs_restart = restart},
    {.name = "allow_root", .kind = Kind::boolean, .field = &at<&ServerSection::allow_root>},
};

constexpr Key kPlainKeys[] = {
    {.name = "enabled", .kind = Kind::boolean, .field = &at<&PlainSection::enabled>,
     .needs_restart = restart},
    {.name = "port", .kind = Kind::integer, .field = &at<&PlainSection::port>, .low = 1,
     .high = 65535, .needs_restart = restart},
};

constexpr std::string_view kTlsVersions[] = {"1.2", "1.3"};

constexpr Key kTlsKeys[] = {
    {.name = "enabled", .kind = Kind::boolean, .field = &at<&TlsSection::enabled>,
     .needs_restart = restart},
    {.name = "port", .kind = Kind::integer, .field = &at<&TlsSection::port>, .low = 1,
     .high = 65535, .needs_restart = restart},
    {.name = "certificate", .kind = Kind::path, .field = &at<&TlsSection::certificate>},
    {.name = "private_key", .kind = Kind::path, .field = &at<&TlsSection::private_key>},
    {.name = "ca", .kind = Kind::path, .field = &at<&TlsSection::ca>},
    {.name = "allowed_clients", .kind = Kind::allowed_clients, .field = std::monostate{}},
    {.name = "handshake_timeout", .kind = Kind::integer,
     .field = &at<&TlsSection::handshake_timeout>, .low = 1, .high = 3600},
    {.name = "reserved_connections", .kind = Kind::integer,
     .field = &at<&TlsSection::reserved_connections>, .low = 0, .high = 1000000},
    {.name = "max_handshakes", .kind = Kind::integer, .field = &at<&TlsSection::max_handshakes>,
     .low = 1, .high = 1024},
    {.name = "min_version", .kind = Kind::choice, .field = &at<&TlsSection::min_version>,
     .choices = kTlsVersions},
    {.name = "max_version", .kind = Kind::choice, .field = &at<&TlsSection::max_version>,
     .choices = kTlsVersions},
    {.name = "ciphers", .kind = Kind::ciphers, .field = &at<&TlsSection::ciphers>},
    {.name = "session_tickets", .kind = Kind::boolean,
     .field = &at<&TlsSection::session_tickets>},
    {.name = "session_cache_size", .kind = Kind::integer,
     .field = &at<&TlsSection::session_cache_size>, .low = 0, .high = 4096},
    {.name = "session_lifetime", .kind = Kind::integer,
     .field = &at<&TlsSection::session_lifetime>, .low = 60, .high = 86400},
    {.name = "resume_with_ecdhe", .kind = Kind::boolean,
     .field = &at<&TlsSection::resume_with_ecdhe>},
};

constexpr Key kWebKeys[] = {
    {.name = "enabled", .kind = Kind::boolean, .field = &at<&WebSection::enabled>,
     .needs_restart = restart},
    {.name = "port", .kind = Kind::integer, .field = &at<&WebSection::port>, .low = 1,
     .high = 65535, .needs_restart = restart},
    {.name = "bind", .kind = Kind::addresses, .field = &at<&WebSection::bind>,
     .when_unset = "the addresses of server.bind", .needs_restart = restart},
    {.name = "tls", .kind = Kind::boolean, .field = &at<&WebSection::tls>,
     .needs_restart = restart},
    {.name = "max_header_bytes", .kind = Kind::size,
     .field = &at<&WebSection::max_header_bytes>, .low = 1024, .high = 65536},
    {.name = "max_headers", .kind = Kind::integer, .field = &at<&WebSection::max_headers>,
     .low = 8, .high = 1024},
    {.name = "request_timeout", .kind = Kind::integer,
     .field = &at<&WebSection::request_timeout>, .low = 1, .high = 3600},
    {.name = "allowed_hosts", .kind = Kind::host_names,
     .field = &at<&WebSection::allowed_hosts>},
};

constexpr Key kDiscoveryKeys[] = {
    {.name = "enabled", .kind = Kind::boolean, .field = &at<&DiscoverySection::enabled>,
     .needs_restart = restart},
    {.name = "port", .kind = Kind::integer, .field = &at<&DiscoverySection::port>, .low = 1,
     .high = 65535, .needs_restart = restart},
    {.name = "bind", .kind = Kind::addresses, .field = &at<&DiscoverySection::bind>,
     .needs_restart = restart},
};

constexpr Key kProtocolKeys[] = {
    {.name = "min_version", .kind = Kind::integer, .field = &at<&ProtocolSection::min_version>,
     .low = 1, .high = 4},
    {.name = "max_version", .kind = Kind::integer, .field = &at<&ProtocolSection::max_version>,
     .low = 1, .high = 4},
};

constexpr Key kLimitsKeys[] = {
    {.name = "max_text_length", .kind = Kind::size,
     .field = &at<&LimitsSection::max_text_length>, .low = 1, .high = 1073741824},
    {.name = "max_file_size", .kind = Kind::size, .field = &at<&LimitsSection::max_file_size>,
     .low = 0, .high = kInt64Max},
    {.name = "max_file_count", .kind = Kind::size, .field = &at<&LimitsSection::max_file_count>,
     .low = 1, .high = 4294967294},
    // At most what a 32-bit address space can count.
    {.name = "memory_budget", .kind = Kind::size, .field = &at<&LimitsSection::memory_budget>,
     .low = 1048576, .high = 4294967295},
    {.name = "max_path_depth", .kind = Kind::integer,
     .field = &at<&LimitsSection::max_path_depth>, .low = 1, .high = 1024},
    {.name = "max_batch_name_bytes", .kind = Kind::size,
     .field = &at<&LimitsSection::max_batch_name_bytes>, .low = 2048, .high = kInt64Max},
};

constexpr Key kStorageKeys[] = {
    {.name = "max_bytes", .kind = Kind::size, .field = &at<&StorageSection::max_bytes>,
     .low = 0, .high = kInt64Max},
    // Up to 100 years, in seconds.
    {.name = "max_age", .kind = Kind::integer, .field = &at<&StorageSection::max_age>,
     .low = 0, .high = 3153600000},
    {.name = "make_room", .kind = Kind::boolean, .field = &at<&StorageSection::make_room>},
};

template <std::size_t... I>
constexpr std::array<Key, sizeof...(I)> method_keys(std::index_sequence<I...>) {
    return {{Key{.name = method_table[I].key, .kind = Kind::method,
                 .field = method_table[I].method}...}};
}

constexpr auto kMethodKeys = method_keys(std::make_index_sequence<method_table.size()>());

constexpr std::string_view kFromPreset = "the preset's command, if any";

constexpr Key kCommandKeys[] = {
    {.name = "get_text", .kind = Kind::command, .field = &at<&ClipboardCommands::get_text>,
     .when_unset = kFromPreset, .needs_restart = restart},
    {.name = "set_text", .kind = Kind::command, .field = &at<&ClipboardCommands::set_text>,
     .when_unset = kFromPreset, .needs_restart = restart},
    {.name = "targets", .kind = Kind::command, .field = &at<&ClipboardCommands::targets>,
     .when_unset = kFromPreset, .needs_restart = restart},
    {.name = "get_files", .kind = Kind::command, .field = &at<&ClipboardCommands::get_files>,
     .when_unset = kFromPreset, .needs_restart = restart},
    {.name = "set_files", .kind = Kind::command, .field = &at<&ClipboardCommands::set_files>,
     .when_unset = kFromPreset, .needs_restart = restart},
    {.name = "get_image", .kind = Kind::command, .field = &at<&ClipboardCommands::get_image>,
     .when_unset = kFromPreset, .needs_restart = restart},
    {.name = "screenshot", .kind = Kind::command, .field = &at<&ClipboardCommands::screenshot>,
     .when_unset = kFromPreset, .needs_restart = restart},
};

constexpr Section kCommandsSection{"clipboard.commands", kCommandKeys};

constexpr std::string_view kBackends[] = {"store", "command"};
constexpr std::string_view kPresets[] = {"x11", "wayland"};

constexpr Key kClipboardKeys[] = {
    {.name = "backend", .kind = Kind::choice, .field = &at<&ClipboardSection::backend>,
     .choices = kBackends, .needs_restart = restart},
    {.name = "preset", .kind = Kind::choice, .field = &at<&ClipboardSection::preset>,
     .choices = kPresets, .when_unset = "no preset commands", .needs_restart = restart},
    {.name = "commands", .kind = Kind::table, .field = &kCommandsSection},
    {.name = "cut_sent_files", .kind = Kind::boolean,
     .field = &at<&ClipboardSection::cut_sent_files>},
    {.name = "client_selects_display", .kind = Kind::boolean,
     .field = &at<&ClipboardSection::client_selects_display>},
    {.name = "display", .kind = Kind::integer, .field = &at<&ClipboardSection::display>,
     .low = 1, .high = 65536},
};

// The names log_level_name and log_destination_name give.
constexpr std::string_view kLogLevels[] = {"debug", "info", "warning", "error"};
constexpr std::string_view kLogDestinations[] = {"auto", "syslog", "stderr", "file"};

constexpr Key kLogKeys[] = {
    {.name = "level", .kind = Kind::choice, .field = &at<&LogSection::level>,
     .choices = kLogLevels},
    {.name = "destination", .kind = Kind::choice, .field = &at<&LogSection::destination>,
     .choices = kLogDestinations, .needs_restart = restart},
    {.name = "file", .kind = Kind::path, .field = &at<&LogSection::file>,
     .when_unset = "no log file", .needs_restart = restart},
};

constexpr Section kSections[] = {
    {"server", kServerKeys},       {"plain", kPlainKeys},         {"tls", kTlsKeys},
    {"web", kWebKeys},             {"discovery", kDiscoveryKeys}, {"protocol", kProtocolKeys},
    {"limits", kLimitsKeys},       {"storage", kStorageKeys},     {"methods", kMethodKeys},
    {"clipboard", kClipboardKeys}, {"log", kLogKeys},
};
// clang-format on

// --- the tables checked at compile time --------------------------------------------------

template <class T>
constexpr bool holds(const Key& key) {
    return std::holds_alternative<T>(key.field);
}

// An integer's bounds must fit the field it is stored in.
template <class T>
constexpr bool bounds_fit(const Key& key) {
    return holds<Access<T>>(key) && key.low <= key.high &&
           key.low >= std::numeric_limits<T>::min() && key.high <= std::numeric_limits<T>::max();
}

constexpr bool holds_text(const Key& key) {
    return holds<Access<std::string>>(key) || holds<Access<fs::path>>(key);
}

// The kind decides how the parser stores a value, so it must match the field's type.
constexpr bool well_formed(const Key& key) {
    if (!key.when_unset.empty() && !holds_text(key) && key.kind != Kind::addresses) return false;
    switch (key.kind) {
        case Kind::boolean:
            return holds<Access<bool>>(key);
        case Kind::integer:
            return bounds_fit<std::int64_t>(key) || bounds_fit<int>(key) ||
                   bounds_fit<std::uint16_t>(key);
        case Kind::size:
            return bounds_fit<std::int64_t>(key);
        case Kind::path:
        case Kind::state_dir:
            return holds<Access<fs::path>>(key);
        case Kind::announced_name:
        case Kind::account:
        case Kind::command:
            return holds<Access<std::string>>(key);
        case Kind::choice:
            return !key.choices.empty() &&
                   (holds<Access<std::string>>(key) || holds<Access<LogLevel>>(key) ||
                    holds<Access<LogDestination>>(key));
        case Kind::addresses:
        case Kind::ciphers:
        case Kind::host_names:
            return holds<Access<std::vector<std::string>>>(key);
        case Kind::allowed_clients:
            return holds<std::monostate>(key);
        case Kind::method:
            return holds<Method>(key);
        case Kind::table:
            return holds<const Section*>(key) && std::get<const Section*>(key.field) != nullptr;
    }
    return false;
}

// Also: no name twice in a section, or the second would never be reached.
constexpr bool well_formed(std::span<const Key> keys) {
    for (std::size_t i = 0; i < keys.size(); ++i) {
        if (!well_formed(keys[i])) return false;
        for (std::size_t j = i + 1; j < keys.size(); ++j) {
            if (keys[i].name == keys[j].name) return false;
        }
    }
    return true;
}

static_assert(well_formed(kServerKeys));
static_assert(well_formed(kPlainKeys));
static_assert(well_formed(kTlsKeys));
static_assert(well_formed(kWebKeys));
static_assert(well_formed(kDiscoveryKeys));
static_assert(well_formed(kProtocolKeys));
static_assert(well_formed(kLimitsKeys));
static_assert(well_formed(kStorageKeys));
static_assert(well_formed(kMethodKeys));
static_assert(well_formed(kCommandKeys));
static_assert(well_formed(kClipboardKeys));
static_assert(well_formed(kLogKeys));

bool same_value(const Key& key, const Config& old, const Config& next) {
    // An unset state_dir follows working_dir; what matters is the directory in use.
    if (key.kind == Kind::state_dir) return old.effective_state_dir() == next.effective_state_dir();
    return std::visit(
        [&](const auto& field) {
            using F = std::decay_t<decltype(field)>;
            if constexpr (std::is_same_v<F, std::monostate>) {
                return true;
            } else if constexpr (std::is_same_v<F, Method>) {
                return method_enabled(field, old.methods) == method_enabled(field, next.methods);
            } else if constexpr (std::is_same_v<F, const Section*>) {
                return true;  // its keys are compared one by one
            } else {
                return value_in(old, field) == value_in(next, field);
            }
        },
        key.field);
}

bool needs_restart(std::span<const Key> keys, const Config& old, const Config& next) {
    for (const Key& key : keys) {
        if (const auto* table = std::get_if<const Section*>(&key.field)) {
            if (needs_restart((*table)->keys, old, next)) return true;
        } else if (key.needs_restart && !same_value(key, old, next)) {
            return true;
        }
    }
    return false;
}

}  // namespace

std::span<const Section> sections() {
    return kSections;
}

const Key* find_key(const Section& section, std::string_view name) {
    for (const Key& key : section.keys) {
        if (key.name == name) return &key;
    }
    return nullptr;
}

}  // namespace clipshare::config_keys

namespace clipshare {

bool restart_needed(const Config& old, const Config& next) {
    for (const config_keys::Section& section : config_keys::sections()) {
        if (config_keys::needs_restart(section.keys, old, next)) return true;
    }
    return false;
}

}  // namespace clipshare
