// Method codes and which protocol versions define them (SPEC.md section 4).
#pragma once

#include <cstdint>
#include <optional>

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

inline constexpr int lowest_version = 1;
inline constexpr int highest_version = 4;

// The method a byte names in `version`, or nothing when that version does not define it.
constexpr std::optional<Method> method_in_version(std::uint8_t code, int version) {
    switch (code) {
        case 1: case 2: case 3: case 4: case 5: case 125:
            return static_cast<Method>(code);
        case 6: case 7:
            if (version >= 3) return static_cast<Method>(code);
            return std::nullopt;
        case 124:
            if (version >= 4) return static_cast<Method>(code);
            return std::nullopt;
        default:
            return std::nullopt;
    }
}

constexpr const char* method_name(Method method) {
    switch (method) {
        case Method::get_text: return "get_text";
        case Method::send_text: return "send_text";
        case Method::get_files: return "get_files";
        case Method::send_files: return "send_files";
        case Method::get_image: return "get_image";
        case Method::get_copied_image: return "get_copied_image";
        case Method::get_screenshot: return "get_screenshot";
        case Method::get_any: return "get_any";
        case Method::info: return "info";
    }
    return "?";
}

}  // namespace clipshare
