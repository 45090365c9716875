// Shared by the benchmark and soak programs: start the real clipshared on a free loopback
// port in a scratch directory, read its memory and CPU from /proc, and talk to it with plain
// blocking sockets. Header-only: these are programs, not a library.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "../tests/support/inherited_descriptors.hpp"

namespace bench {

namespace fs = std::filesystem;
using Bytes = std::vector<std::uint8_t>;

inline Bytes i64(std::int64_t value) {
    Bytes out(8);
    for (int i = 7; i >= 0; --i) {
        out[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(value & 0xff);
        value >>= 8;
    }
    return out;
}

inline std::int64_t decode_i64(const std::uint8_t* p) {
    std::uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v = (v << 8) | p[i];
    return static_cast<std::int64_t>(v);
}

inline Bytes operator+(Bytes a, const Bytes& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

inline Bytes bytes_of(std::string_view s) {
    return Bytes(s.begin(), s.end());
}

inline std::uint16_t free_port() {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    close(fd);
    return ntohs(a.sin_port);
}

// `source`: another loopback address to connect from (127.0.0.2 is another device); the
// destination is always 127.0.0.1.
inline int connect_to(std::uint16_t port, const char* source = nullptr) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (source != nullptr) {
        sockaddr_in local{};
        local.sin_family = AF_INET;
        inet_pton(AF_INET, source, &local.sin_addr);
        if (bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0) {
            close(fd);
            return -1;
        }
    }
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

inline bool send_all(int fd, const std::uint8_t* data, std::size_t size) {
    while (size > 0) {
        ssize_t n = ::send(fd, data, size, MSG_NOSIGNAL);
        if (n <= 0) return false;
        data += n;
        size -= static_cast<std::size_t>(n);
    }
    return true;
}
inline bool send_all(int fd, const Bytes& b) {
    return send_all(fd, b.data(), b.size());
}

inline bool recv_exact(int fd, std::uint8_t* out, std::size_t size) {
    while (size > 0) {
        ssize_t n = ::recv(fd, out, size, 0);
        if (n <= 0) return false;
        out += n;
        size -= static_cast<std::size_t>(n);
    }
    return true;
}

inline Bytes recv_all(int fd) {
    Bytes out;
    std::uint8_t buf[65536];
    for (;;) {
        ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0) return out;
        out.insert(out.end(), buf, buf + n);
    }
}

inline long proc_status_kib(pid_t pid, const char* key) {
    std::ifstream in{"/proc/" + std::to_string(pid) + "/status"};
    std::string line;
    std::string prefix = std::string{key} + ":";
    while (std::getline(in, line)) {
        if (line.rfind(prefix, 0) == 0) return std::stol(line.substr(prefix.size()));
    }
    return -1;
}
inline long rss_kib(pid_t pid) {
    return proc_status_kib(pid, "VmRSS");
}
// The heap and other private data mapped, touched or not: what a connection's buffers
// claim even where calloc left their pages untouched (and so out of the RSS).
inline long data_kib(pid_t pid) {
    return proc_status_kib(pid, "VmData");
}

// User + system CPU seconds the process has used so far.
inline double cpu_seconds(pid_t pid) {
    std::ifstream in{"/proc/" + std::to_string(pid) + "/stat"};
    std::string text;
    std::getline(in, text);
    std::istringstream fields{text.substr(text.rfind(')') + 2)};
    std::string field;
    long utime = 0, stime = 0;
    for (int i = 3; fields >> field; ++i) {
        if (i == 14) utime = std::stol(field);
        if (i == 15) {
            stime = std::stol(field);
            break;
        }
    }
    return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

class Daemon {
public:
    // Starts `binary -D -c FILE` with `extra` TOML appended to a loopback-only config; an
    // @TLS_PORT@ in `extra` becomes a second free port.
    // `server` replaces the [server] keys after bind and working_dir (the default measures the
    // machine: room for 20,000 connections from one address).
    // `base`: where its scratch directory (and so its working_dir) goes.
    static constexpr const char* machine_server =
        "max_connections = 20000\nmax_connections_per_address = 20000\n"
        "idle_timeout = 120\n[limits]\nmemory_budget = \"1GiB\"\n";
    Daemon(const std::string& binary, std::string extra, std::string server = machine_server,
           const fs::path& base = fs::temp_directory_path()) {
        std::random_device random;
        dir_ = base / ("clipshare-bench-" + std::to_string(random()));
        fs::create_directories(dir_ / "work");
        port_ = free_port();
        tls_port_ = free_port();
        for (auto at = extra.find("@TLS_PORT@"); at != std::string::npos;
             at = extra.find("@TLS_PORT@")) {
            extra.replace(at, 10, std::to_string(tls_port_));
        }
        std::ofstream{dir_ / "c.toml"} << "[server]\nbind = \"127.0.0.1\"\nworking_dir = \"work\"\n"
                                       << "allow_root = true\n"
                                       << server << "[plain]\nport = " << port_
                                       << "\n[discovery]\nenabled = false\n"
                                       << extra;
        pid_ = fork();
        if (pid_ == 0) {
            int log = open((dir_ / "log").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
            dup2(log, 2);
            // Nothing of the bench's (its sockets, a lock it holds) may outlive it in a
            // daemon left behind.
            clipshare::test::close_inherited_descriptors();
            execl(binary.c_str(), "clipshared", "-D", "-c", (dir_ / "c.toml").c_str(),
                  static_cast<char*>(nullptr));
            _exit(127);
        }
        // Ready when it says so (a probe connection would hold a slot for a moment).
        for (int i = 0; i < 2000; ++i) {
            std::ifstream log{dir_ / "log"};
            std::string text((std::istreambuf_iterator<char>(log)),
                             std::istreambuf_iterator<char>());
            if (text.find(" ready (") != std::string::npos) return;
            if (waitpid(pid_, nullptr, WNOHANG) == pid_) break;
            std::this_thread::sleep_for(std::chrono::milliseconds(5));  // polling the log
        }
        throw std::runtime_error("clipshared did not start; see " + (dir_ / "log").string());
    }
    ~Daemon() {
        kill(pid_, SIGTERM);
        waitpid(pid_, nullptr, 0);
        std::error_code ignored;
        fs::remove_all(dir_, ignored);
    }
    std::uint16_t port() const { return port_; }
    std::uint16_t tls_port() const { return tls_port_; }
    pid_t pid() const { return pid_; }
    fs::path work() const { return dir_ / "work"; }
    fs::path dir() const { return dir_; }

private:
    fs::path dir_;
    std::uint16_t port_ = 0;
    std::uint16_t tls_port_ = 0;
    pid_t pid_ = -1;
};

}  // namespace bench
