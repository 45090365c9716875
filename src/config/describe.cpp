// describe_config: the effective settings printed from the key tables, as TOML that reads
// back to the same settings (what `clipshared -t` shows).
#include <ostream>
#include <sstream>
#include <type_traits>
#include <vector>

#include "config/keys.hpp"
#include "config/load.hpp"
#include "config/toml_text.hpp"

namespace clipshare {
namespace {

using config_keys::Access;
using config_keys::Key;
using config_keys::Kind;
using config_keys::Section;
using config_keys::value_in;
using Strings = std::vector<std::string>;

std::string toml_bool(bool value) {
    return value ? "true" : "false";
}

std::string toml_string_array(const std::vector<std::string>& items) {
    std::string out = "[";
    for (std::size_t i = 0; i < items.size(); ++i) {
        if (i != 0) out += ", ";
        out += toml_quoted(items[i]);
    }
    return out + "]";
}

// A single address prints as the plain string most files use; several as an array.
std::string toml_addresses(const std::vector<std::string>& items) {
    return items.size() == 1 ? toml_quoted(items.front()) : toml_string_array(items);
}

// The value as TOML, or empty for an optional string that is not set.
std::string shown_value(const Key& key, const Config& config) {
    switch (key.kind) {
        case Kind::state_dir:
            return toml_quoted(config.effective_state_dir().string());
        case Kind::addresses: {
            const auto& items = value_in(config, std::get<Access<Strings>>(key.field));
            return items.empty() ? std::string{} : toml_addresses(items);  // [web] bind unset
        }
        case Kind::allowed_clients: {
            const auto& tls = config.tls;
            return tls.allowed_clients_inline ? toml_string_array(*tls.allowed_clients_inline)
                                              : toml_quoted(tls.allowed_clients_file.string());
        }
        default:
            break;
    }
    return std::visit(
        [&](const auto& field) -> std::string {
            using F = std::decay_t<decltype(field)>;
            if constexpr (std::is_same_v<F, std::monostate> || std::is_same_v<F, const Section*>) {
                return {};
            } else if constexpr (std::is_same_v<F, Method>) {
                return toml_bool(method_enabled(field, config.methods));
            } else {
                const auto& value = value_in(config, field);
                using T = std::decay_t<decltype(value)>;
                if constexpr (std::is_same_v<T, bool>) {
                    return toml_bool(value);
                } else if constexpr (std::is_integral_v<T>) {
                    return std::to_string(value);
                } else if constexpr (std::is_same_v<T, std::string>) {
                    return value.empty() ? std::string{} : toml_quoted(value);
                } else if constexpr (std::is_same_v<T, std::filesystem::path>) {
                    return value.empty() ? std::string{} : toml_quoted(value.string());
                } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
                    return toml_string_array(value);
                } else if constexpr (std::is_same_v<T, LogLevel>) {
                    return toml_quoted(log_level_name(value));
                } else {
                    static_assert(std::is_same_v<T, LogDestination>);
                    return toml_quoted(log_destination_name(value));
                }
            }
        },
        key.field);
}

// Sub-tables are collected rather than printed: every key after a header belongs to it, so
// they come last.
void describe_section(std::ostream& out, const Section& section, const Config& config,
                      std::vector<const Section*>& sub_tables) {
    out << "\n[" << section.name << "]\n";
    for (const Key& key : section.keys) {
        if (const auto* table = std::get_if<const Section*>(&key.field)) {
            sub_tables.push_back(*table);
            continue;
        }
        const std::string value = shown_value(key, config);
        if (value.empty()) {
            // "" would not pass validation when read back, so an unset key is a comment.
            out << "# " << key.name << " is not set (" << key.when_unset << ")\n";
        } else {
            out << key.name << " = " << value << "\n";
        }
    }
}

}  // namespace

std::string describe_config(const Config& config) {
    std::ostringstream out;
    out << "# Effective clipshared settings, from "
        << (config.source.empty() ? std::string("the built-in defaults") : config.source.string())
        << "\n";
    std::vector<const Section*> sub_tables;
    for (const Section& section : config_keys::sections()) {
        describe_section(out, section, config, sub_tables);
    }
    for (std::size_t i = 0; i < sub_tables.size(); ++i) {
        describe_section(out, *sub_tables[i], config, sub_tables);
    }
    return out.str();
}

}  // namespace clipshare
