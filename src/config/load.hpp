// Reading clipshared.toml: parse, validate, resolve paths. Every error is one line that
// names the file, the line and the key, so a user can fix it without reading the source.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "config/config.hpp"

namespace clipshare {

struct ConfigResult {
    std::optional<Config> config;
    std::string error;  // set when config is empty: "FILE:LINE: key 'a.b': what is wrong"
};

// Parses TOML text as if it were read from `file` (used for messages and as the base of
// relative paths). Paths in the result are absolute.
ConfigResult parse_config(std::string_view toml_text, const std::filesystem::path& file);

// Reads and parses one file.
ConfigResult load_config_file(const std::filesystem::path& file);

// The first existing file of the search order: $XDG_CONFIG_HOME/clipshare/clipshared.toml,
// ~/.config/clipshare/clipshared.toml, SYSCONFDIR/clipshare/clipshared.toml (the build's
// sysconfdir: /etc for --prefix=/usr).
std::optional<std::filesystem::path> find_config_file();

// `explicit_file` when given, else the search order, else the built-in defaults (with
// relative paths resolved against the current directory).
ConfigResult load_config(const std::optional<std::filesystem::path>& explicit_file);

// The built-in defaults with paths resolved against `base_dir`.
Config default_config(const std::filesystem::path& base_dir);

// "4194304", "4MiB", "10k", "64GiB" -> bytes. Units (case-insensitive): k/kb = 1000,
// kib = 1024, m/mb, mib, g/gb, gib, t/tb, tib, and b. Empty optional on anything else or
// on overflow.
std::optional<std::int64_t> parse_size(std::string_view text);

// The effective settings as a valid TOML document (what `clipshared --check` prints).
std::string describe_config(const Config& config);

// Whether `next` changes a setting that is bound or opened once at start-up (listeners,
// directories, the clipboard backend and its commands, user, log destination), which a
// reload therefore cannot apply.
bool restart_needed(const Config& old, const Config& next);

}  // namespace clipshare
