// Logging: stderr in the foreground, syslog when detached. printf-style because it keeps
// the binary small and the compiler checks the arguments.
#pragma once

namespace clipshare {

enum class LogLevel { error = 0, warning = 1, info = 2, debug = 3 };

void log_use_syslog(bool enabled);
void log_set_level(LogLevel level);

[[gnu::format(printf, 2, 3)]] void log_message(LogLevel level, const char* format, ...);

#define CLIPSHARE_LOG(level, ...) ::clipshare::log_message(level, __VA_ARGS__)
#define LOG_ERROR(...) CLIPSHARE_LOG(::clipshare::LogLevel::error, __VA_ARGS__)
#define LOG_WARN(...) CLIPSHARE_LOG(::clipshare::LogLevel::warning, __VA_ARGS__)
#define LOG_INFO(...) CLIPSHARE_LOG(::clipshare::LogLevel::info, __VA_ARGS__)
#define LOG_DEBUG(...) CLIPSHARE_LOG(::clipshare::LogLevel::debug, __VA_ARGS__)

}  // namespace clipshare
