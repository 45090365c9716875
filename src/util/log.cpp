#include "util/log.hpp"

#include <syslog.h>

#include <cstdarg>
#include <cstdio>

namespace clipshare {
namespace {

bool use_syslog = false;
LogLevel max_level = LogLevel::info;

constexpr const char* level_name(LogLevel level) {
    switch (level) {
        case LogLevel::error: return "error";
        case LogLevel::warning: return "warning";
        case LogLevel::info: return "info";
        case LogLevel::debug: return "debug";
    }
    return "?";
}

constexpr int syslog_priority(LogLevel level) {
    switch (level) {
        case LogLevel::error: return LOG_ERR;
        case LogLevel::warning: return LOG_WARNING;
        case LogLevel::info: return LOG_INFO;
        case LogLevel::debug: return LOG_DEBUG;
    }
    return LOG_INFO;
}

}  // namespace

void log_use_syslog(bool enabled) {
    if (enabled && !use_syslog) openlog("clipshared", LOG_PID | LOG_NDELAY, LOG_DAEMON);
    if (!enabled && use_syslog) closelog();
    use_syslog = enabled;
}

void log_set_level(LogLevel level) { max_level = level; }

void log_message(LogLevel level, const char* format, ...) {
    if (level > max_level) return;
    char text[1024];
    va_list args;
    va_start(args, format);
    std::vsnprintf(text, sizeof text, format, args);
    va_end(args);
    if (use_syslog) {
        syslog(syslog_priority(level), "%s", text);
    } else {
        // One fprintf per line so that lines from a dying process are never interleaved.
        std::fprintf(stderr, "clipshared: %s: %s\n", level_name(level), text);
    }
}

}  // namespace clipshare
