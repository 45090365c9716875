#include "server/session_settings.hpp"

namespace clipshare {
namespace {

bool enabled_in(const MethodsSection& methods, Method method) {
    switch (method) {
        case Method::get_text: return methods.get_text;
        case Method::send_text: return methods.send_text;
        case Method::get_files: return methods.get_files;
        case Method::send_files: return methods.send_files;
        case Method::get_image: return methods.get_image;
        case Method::get_copied_image: return methods.get_copied_image;
        case Method::get_screenshot: return methods.get_screenshot;
        case Method::get_any: return methods.get_any;
        case Method::info: return methods.info;
    }
    return false;
}

}  // namespace

SessionSettings session_settings_from(const Config& config) {
    SessionSettings settings;
    settings.min_version = config.protocol.min_version;
    settings.max_version = config.protocol.max_version;
    for (int code = 0; code < 256; ++code) {
        // Every code a version defines, with the highest version defining them all.
        auto method = method_in_version(static_cast<std::uint8_t>(code), highest_version);
        if (method && !enabled_in(config.methods, *method)) settings.disable(*method);
    }
    const auto& limits = config.limits;
    settings.limits = SessionLimits{.max_text_length = limits.max_text_length,
                                    .max_file_size = limits.max_file_size,
                                    .max_file_count = limits.max_file_count,
                                    .max_path_depth = limits.max_path_depth,
                                    .max_batch_name_bytes = limits.max_batch_name_bytes};
    settings.info_name = config.server.info_name;
    settings.client_selects_display = config.clipboard.client_selects_display;
    settings.display = config.clipboard.display;
    return settings;
}

}  // namespace clipshare
