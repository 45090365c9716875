// The ClipShare methods (SPEC.md section 4) in one table. The session's dispatch, the
// [methods] keys of clipshared.toml, the -t output and the client's names all derive from
// it, so a method is added or changed in one place. Standard library only: every layer
// may include it.
#pragma once

#include <array>
#include <bitset>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace clipshare {

enum class Method : std::uint8_t {
    get_text = 1,
    send_text = 2,
    get_files = 3,
    send_files = 4,
    get_image = 5,
    get_copied_image = 6,
    get_screenshot = 7,
    get_any = 124,
    info = 125,
};

struct MethodInfo {
    Method method;
    const char* key;    // the [methods] key, also the method's name in log lines
    int since_version;  // the first protocol version that defines it
    bool enabled_by_default;
    const char* title;  // how the client names it in messages
};

inline constexpr std::array<MethodInfo, 9> method_table{{
    {Method::get_text, "get_text", 1, true, "Get Text"},
    {Method::send_text, "send_text", 1, true, "Send Text"},
    {Method::get_files, "get_files", 1, true, "Get Files"},
    {Method::send_files, "send_files", 1, true, "Send Files"},
    {Method::get_image, "get_image", 1, true, "Get Image"},
    {Method::get_copied_image, "get_copied_image", 3, true, "Get Copied Image"},
    {Method::get_screenshot, "get_screenshot", 3, true, "Get Screenshot"},
    {Method::get_any, "get_any", 4, true, "Get Any"},
    {Method::info, "info", 1, true, "Info"},
}};

constexpr std::size_t method_code(Method method) {
    return static_cast<std::uint8_t>(method);
}

// The table's entry for a code, or null when no version defines that code.
constexpr const MethodInfo* find_method(std::uint8_t code) {
    for (const MethodInfo& info : method_table) {
        if (method_code(info.method) == code) return &info;
    }
    return nullptr;
}

// Every Method is in the table (checked below), so this always finds one.
constexpr const MethodInfo& method_info(Method method) {
    return *find_method(static_cast<std::uint8_t>(method));
}

constexpr const char* method_name(Method method) {
    return method_info(method).key;
}

// The method a byte names in `version`, or nothing when that version does not define it.
constexpr std::optional<Method> method_in_version(std::uint8_t code, int version) {
    const MethodInfo* info = find_method(code);
    if (info == nullptr || version < info->since_version) return std::nullopt;
    return info->method;
}

namespace method_table_checks {

constexpr bool same_text(const char* a, const char* b) {
    return std::string_view{a} == std::string_view{b};
}

// No code and no key twice: a duplicate would make one entry unreachable.
constexpr bool entries_are_distinct() {
    for (std::size_t i = 0; i < method_table.size(); ++i) {
        for (std::size_t j = i + 1; j < method_table.size(); ++j) {
            if (method_table[i].method == method_table[j].method) return false;
            if (same_text(method_table[i].key, method_table[j].key)) return false;
        }
    }
    return true;
}

}  // namespace method_table_checks

static_assert(method_table_checks::entries_are_distinct());

// Which methods a configuration allows: bit c stands for the method whose code is c.
using MethodSet = std::bitset<256>;

inline MethodSet default_methods() {
    MethodSet set;
    for (const MethodInfo& info : method_table) {
        set.set(method_code(info.method), info.enabled_by_default);
    }
    return set;
}

inline bool method_enabled(Method method, const MethodSet& enabled) {
    return enabled.test(method_code(method));
}

}  // namespace clipshare
