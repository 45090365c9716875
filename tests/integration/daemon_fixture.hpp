// Test support: start the real clipshared binary on a free loopback port, talk to it over
// real sockets, and look at its log. Nothing here sleeps to wait: readiness is polled.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "support/process.hpp"
#include "support/temp_dir.hpp"
#include "support/wait.hpp"

namespace clipshare::test {

// AddressSanitizer keeps freed memory in quarantine: memory figures mean nothing under it.
#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool built_with_asan = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
inline constexpr bool built_with_asan = true;
#else
inline constexpr bool built_with_asan = false;
#endif
#else
inline constexpr bool built_with_asan = false;
#endif

using Bytes = std::vector<std::uint8_t>;

std::filesystem::path daemon_binary();

// A port that was free a moment ago on 127.0.0.1.
std::uint16_t pick_free_port();
// The same for UDP (the discovery port).
std::uint16_t pick_free_udp_port();

class Daemon {
public:
    // Writes `config_body` plus a [plain] port, [server] bind/working_dir and disabled
    // discovery (unless the body sets them) into a fresh directory and starts
    // `clipshared -D -c FILE`. Returns once the port accepts connections. In the body,
    // @PORT@ stands for the TCP port and @DISCOVERY_PORT@ for a free UDP port. A body that
    // mentions @TLS_PORT@ gets a second free port there, and start waits for it too; the
    // same for @WEB_PORT@.
    // `wrapper` goes before the binary on the command line (e.g. prlimit with its options).
    // `extra_env` (NAME=value) is added to the daemon's environment (DISPLAY for a desktop).
    static std::unique_ptr<Daemon> start(std::string_view config_body = {},
                                         std::vector<std::string> extra_args = {},
                                         std::vector<std::string> wrapper = {},
                                         std::vector<std::string> extra_env = {});
    ~Daemon();

    std::uint16_t port() const { return port_; }
    std::uint16_t discovery_port() const { return discovery_port_; }
    std::uint16_t tls_port() const { return tls_port_; }
    std::uint16_t web_port() const { return web_port_; }
    pid_t pid() const { return pid_; }
    const std::filesystem::path& dir() const { return dir_.path(); }
    const std::filesystem::path& config_path() const { return config_path_; }
    std::filesystem::path working_dir() const { return dir() / "work"; }

    // Everything the daemon wrote on stderr so far.
    std::string log() const;
    // Polls the log until it contains `text` (false if the process died or 20 s passed).
    bool wait_for_log(std::string_view text, std::size_t occurrences = 1) const;
    void signal(int number) const;
    // Open file descriptors of the daemon (entries of /proc/PID/fd).
    std::size_t open_fd_count() const;
    // Sends `signal_number` and returns the exit status (-1 if it had to be killed).
    int stop(int signal_number = 15);
    bool running();

private:
    Daemon() = default;
    TempDir dir_;
    std::filesystem::path config_path_;
    std::uint16_t port_ = 0;
    std::uint16_t discovery_port_ = 0;
    std::uint16_t tls_port_ = 0;
    std::uint16_t web_port_ = 0;
    pid_t pid_ = -1;
    bool reaped_ = false;
};

// A blocking client socket with a receive timeout as a safety net against hangs.
class Client {
public:
    // `source`: the local IPv4 address to connect from (127.0.0.2 is another device).
    static Client connect(std::uint16_t port, const char* host = "127.0.0.1",
                          const char* source = nullptr);
    Client(Client&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
    Client(const Client&) = delete;
    ~Client();

    bool connected() const { return fd_ >= 0; }
    void send(const Bytes& bytes);
    void send(std::string_view bytes);
    // The same, saying whether it all went (false once the peer has closed).
    bool try_send(const Bytes& bytes);
    // Exactly n bytes; fewer when the peer closes or the safety timeout hits.
    Bytes recv(std::size_t n);
    // Reads until the peer closes; the bytes received meanwhile.
    Bytes recv_all();
    // True when the peer closed (orderly or by reset) without sending more bytes.
    bool closed_by_peer();
    void close();
    // Closes with a reset (RST), as a client that crashes or loses its network does.
    void reset();
    // Tells the peer we will send nothing more (the end of an upload, or of a truncated one).
    void shutdown_write();

private:
    explicit Client(int fd) : fd_(fd) {}
    int fd_ = -1;
};

Bytes info_reply(std::string_view payload);
Bytes operator+(Bytes a, const Bytes& b);

}  // namespace clipshare::test
