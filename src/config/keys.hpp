// Every key of clipshared.toml declared once (SPEC.md section 9): its section, name, kind
// (how it is read, checked and printed), bounds or choices, and whether a reload can apply
// it. The parser, the -t printout and restart_needed all walk these tables. Defaults stay
// the Config struct's member initialisers, which the tables reach through their accessors.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "config/config.hpp"

namespace clipshare::config_keys {

enum class Kind : std::uint8_t {
    boolean,          // true or false
    integer,          // a whole number from low to high
    size,             // bytes from low to high: a number, or a string with a unit
    path,             // non-empty, relative to the file's directory
    state_dir,        // a path; unset means "<working_dir>/.clipshare"
    announced_name,   // 1 to 256 printable ASCII characters without '='
    account,          // a user or group: a name, or an id that fits 32 bits
    command,          // a non-empty shell command
    choice,           // one of `choices`
    addresses,        // an IP literal, or an array of them
    ciphers,          // an array of tls_cipher_names
    host_names,       // an array (maybe empty) of DNS names: letters, digits, '-', '.'
    allowed_clients,  // a file of names, or an inline array of names (two fields)
    method,           // one [methods] flag
    table,            // a sub-table with keys of its own
};

// Finds one field of a Config; see `at` below.
template <class T>
using Access = T& (*)(Config&);

struct Section;

// Where a key's value lives: a field, a method's bit in Config::methods, the sub-table it
// opens, or nothing (allowed_clients sets two fields, so the parser handles it by name).
using Field = std::variant<std::monostate, Access<bool>, Access<std::int64_t>, Access<int>,
                           Access<std::uint16_t>, Access<std::string>,
                           Access<std::filesystem::path>, Access<std::vector<std::string>>,
                           Access<LogLevel>, Access<LogDestination>, Method, const Section*>;

struct Key {
    std::string_view name;
    Kind kind{};
    Field field;
    std::int64_t low = 0;  // integer and size
    std::int64_t high = 0;
    std::span<const std::string_view> choices{};
    // Set for strings that may stay empty: -t then prints "# name is not set (when_unset)",
    // because "" would not pass validation when read back.
    std::string_view when_unset{};
    // Bound or opened once at start-up, so a reload cannot apply a change.
    bool needs_restart = false;
};

struct Section {
    std::string_view name;  // "server", "clipboard.commands"
    std::span<const Key> keys;
};

// The top-level sections in the order -t prints them; sub-tables hang off Kind::table keys.
std::span<const Section> sections();

const Key* find_key(const Section& section, std::string_view name);

// Accessors only locate a field, so reading through one from a const Config never writes.
template <class T>
const T& value_in(const Config& config, Access<T> access) {
    return access(const_cast<Config&>(config));
}

}  // namespace clipshare::config_keys
