#include "util/log.hpp"

#include <fcntl.h>
#include <paths.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <syslog.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <ctime>

namespace clipshare {
namespace {

LogDestination destination = LogDestination::stderr_stream;
LogLevel max_level = LogLevel::info;
// The log file while destination is file; kept open across SIGHUP until the new one opens.
int file_fd = -1;
std::filesystem::path file_path;

constexpr int syslog_priority(LogLevel level) {
    switch (level) {
        case LogLevel::error:
            return LOG_ERR;
        case LogLevel::warning:
            return LOG_WARNING;
        case LogLevel::info:
            return LOG_INFO;
        case LogLevel::debug:
            return LOG_DEBUG;
    }
    return LOG_INFO;
}

int open_log_file(const std::filesystem::path& path) {
    // 0640: transfer lines name peers and files, which is not for every local user.
    return ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0640);
}

void write_all(int fd, const char* data, std::size_t size) {
    while (size > 0) {
        ssize_t n = ::write(fd, data, size);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;
        data += n;
        size -= static_cast<std::size_t>(n);
    }
}

}  // namespace

std::optional<LogLevel> parse_log_level(std::string_view name) {
    for (auto level : {LogLevel::error, LogLevel::warning, LogLevel::info, LogLevel::debug}) {
        if (name == log_level_name(level)) return level;
    }
    return std::nullopt;
}

const char* log_level_name(LogLevel level) {
    switch (level) {
        case LogLevel::error:
            return "error";
        case LogLevel::warning:
            return "warning";
        case LogLevel::info:
            return "info";
        case LogLevel::debug:
            return "debug";
    }
    return "?";
}

const char* log_destination_name(LogDestination where) {
    switch (where) {
        case LogDestination::automatic:
            return "auto";
        case LogDestination::syslog:
            return "syslog";
        case LogDestination::stderr_stream:
            return "stderr";
        case LogDestination::file:
            return "file";
    }
    return "?";
}

void log_use_syslog(bool enabled) {
    const bool using_syslog = destination == LogDestination::syslog;
    if (enabled && !using_syslog) openlog("clipshared", LOG_PID | LOG_NDELAY, LOG_DAEMON);
    if (!enabled && using_syslog) closelog();
    if (enabled) {
        if (file_fd >= 0) ::close(file_fd);
        file_fd = -1;
        destination = LogDestination::syslog;
    } else if (using_syslog) {
        destination = LogDestination::stderr_stream;
    }
}

void log_set_level(LogLevel level) {
    max_level = level;
}

LogLevel log_level() {
    return max_level;
}

std::string log_use_file(const std::filesystem::path& path) {
    int fd = open_log_file(path);
    if (fd < 0) return "log file " + path.string() + ": " + std::strerror(errno);
    if (destination == LogDestination::syslog) closelog();
    if (file_fd >= 0) ::close(file_fd);
    file_fd = fd;
    file_path = path;
    destination = LogDestination::file;
    return {};
}

std::string log_reopen() {
    if (destination != LogDestination::file) return {};
    int fd = open_log_file(file_path);
    if (fd < 0) return "cannot reopen log file " + file_path.string() + ": " + std::strerror(errno);
    // The new file takes the old one's descriptor number in one step: a line written from a
    // thread-pool task meanwhile goes to one file or the other, never to a closed or reused
    // descriptor.
    dup3(fd, file_fd, O_CLOEXEC);
    ::close(fd);
    return {};
}

bool syslog_socket_available() {
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, _PATH_LOG, sizeof address.sun_path - 1);
    // The C library tries a datagram socket first, then a stream socket; so do we.
    for (int type : {SOCK_DGRAM, SOCK_STREAM}) {
        int fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
        if (fd < 0) continue;
        bool connected = connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
        ::close(fd);
        if (connected) return true;
    }
    return false;
}

void log_message(LogLevel level, const char* format, ...) {
    if (level > max_level) return;
    char text[1024];
    va_list args;
    va_start(args, format);
    std::vsnprintf(text, sizeof text, format, args);
    va_end(args);
    switch (destination) {
        case LogDestination::syslog:
            syslog(syslog_priority(level), "%s", text);
            return;
        case LogDestination::file: {
            // A file has nobody to add the time and the pid, unlike syslog and journald.
            char stamp[40] = "";
            std::time_t now = std::time(nullptr);
            std::tm local{};
            if (localtime_r(&now, &local) != nullptr) {
                std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S%z", &local);
            }
            char line[1200];
            int length = std::snprintf(line, sizeof line, "%s clipshared[%ld]: %s: %s\n", stamp,
                                       static_cast<long>(getpid()), log_level_name(level), text);
            if (length > 0) {
                // One write per line: O_APPEND keeps lines whole even if two processes share
                // the file during a restart.
                auto size = std::min(static_cast<std::size_t>(length), sizeof line - 1);
                write_all(file_fd, line, size);
            }
            return;
        }
        default:
            // One fprintf per line so that lines from a dying process are never interleaved.
            std::fprintf(stderr, "clipshared: %s: %s\n", log_level_name(level), text);
            return;
    }
}

}  // namespace clipshare
