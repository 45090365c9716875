#include "server/session_settings.hpp"

namespace clipshare {

SessionSettings session_settings_from(const Config& config) {
    SessionSettings settings;
    settings.min_version = config.protocol.min_version;
    settings.max_version = config.protocol.max_version;
    settings.methods = config.methods;
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
