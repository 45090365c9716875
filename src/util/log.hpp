// Logging: stderr in the foreground, syslog when detached, or a file of its own that is
// reopened on SIGHUP (for logrotate). printf-style because it keeps the binary small and the
// compiler checks the arguments.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace clipshare {

enum class LogLevel { error = 0, warning = 1, info = 2, debug = 3 };

// Where log lines go. `automatic`: stderr in the foreground (-D), syslog when detached.
enum class LogDestination { automatic, syslog, stderr_stream, file };

// "debug", "info", "warning", "error" (the names of [log] level and -l).
std::optional<LogLevel> parse_log_level(std::string_view name);
const char* log_level_name(LogLevel level);
// "auto", "syslog", "stderr", "file".
const char* log_destination_name(LogDestination destination);

void log_use_syslog(bool enabled);
void log_set_level(LogLevel level);
LogLevel log_level();

// Sends every later line to `file` (appending, created 0640 when missing). "" or one error
// line; on an error the destination stays what it was.
std::string log_use_file(const std::filesystem::path& file);
// Reopens the log file under the same name, so that logrotate's new file is used after
// SIGHUP. Does nothing for stderr and syslog. "" or one error line (the old file stays in use).
std::string log_reopen();

// Whether a syslog daemon listens on the local socket (/dev/log). Without one, syslog(3)
// drops every message silently.
bool syslog_socket_available();

[[gnu::format(printf, 2, 3)]] void log_message(LogLevel level, const char* format, ...);

// The level test comes first so that a debug line's arguments cost nothing when it is off.
#define CLIPSHARE_LOG(level, ...)                         \
    do {                                                  \
        if ((level) <= ::clipshare::log_level()) {        \
            ::clipshare::log_message(level, __VA_ARGS__); \
        }                                                 \
    } while (false)
#define LOG_ERROR(...) CLIPSHARE_LOG(::clipshare::LogLevel::error, __VA_ARGS__)
#define LOG_WARN(...) CLIPSHARE_LOG(::clipshare::LogLevel::warning, __VA_ARGS__)
#define LOG_INFO(...) CLIPSHARE_LOG(::clipshare::LogLevel::info, __VA_ARGS__)
#define LOG_DEBUG(...) CLIPSHARE_LOG(::clipshare::LogLevel::debug, __VA_ARGS__)

}  // namespace clipshare
