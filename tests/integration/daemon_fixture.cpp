#include "daemon_fixture.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <stdexcept>

#include "proto/wire.hpp"
#include "support/files.hpp"

namespace clipshare::test {
namespace fs = std::filesystem;
using namespace std::chrono_literals;

fs::path daemon_binary() {
    const char* path = std::getenv("CLIPSHARED");
    if (path == nullptr) throw std::runtime_error("CLIPSHARED is not set (run through meson test)");
    return path;
}

namespace {

std::uint16_t pick_free(int type) {
    int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
    socklen_t length = sizeof address;
    getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
    ::close(fd);
    return ntohs(address.sin_port);
}

}  // namespace

std::uint16_t pick_free_port() {
    return pick_free(SOCK_STREAM);
}
std::uint16_t pick_free_udp_port() {
    return pick_free(SOCK_DGRAM);
}

std::unique_ptr<Daemon> Daemon::start(std::string_view config_body,
                                      std::vector<std::string> extra_args,
                                      std::vector<std::string> wrapper,
                                      std::vector<std::string> extra_env) {
    for (int attempt = 0; attempt < 5; ++attempt) {
        std::unique_ptr<Daemon> daemon{new Daemon};
        fs::create_directory(daemon->working_dir());
        daemon->port_ = pick_free_port();
        daemon->discovery_port_ = pick_free_udp_port();
        if (config_body.find("@TLS_PORT@") != std::string_view::npos) {
            do {
                daemon->tls_port_ = pick_free_port();
            } while (daemon->tls_port_ == daemon->port_);
        }
        if (config_body.find("@WEB_PORT@") != std::string_view::npos) {
            do {
                daemon->web_port_ = pick_free_port();
            } while (daemon->web_port_ == daemon->port_ || daemon->web_port_ == daemon->tls_port_);
        }
        daemon->config_path_ = daemon->dir() / "clipshared.toml";
        std::string body{config_body};
        std::ostringstream config;
        // The body's own sections come after these keys, so keys must not repeat: the
        // fixture only adds what the body leaves out.
        // Tests run as root in CI; the daemon refuses that unless told it is meant.
        if (body.find("[server]") == std::string::npos) {
            config << "[server]\nbind = \"127.0.0.1\"\nworking_dir = \"work\"\n"
                   << "allow_root = true\n";
        } else if (body.find("allow_root") == std::string::npos) {
            body.replace(body.find("[server]"), 8, "[server]\nallow_root = true");
        }
        if (body.find("[plain]") == std::string::npos) {
            config << "[plain]\nport = " << daemon->port_ << "\n";
        }
        if (body.find("[discovery]") == std::string::npos) {
            config << "[discovery]\nenabled = false\n";
        }
        std::string text = config.str() + body;
        // Bodies that do declare [plain] or [server] use these placeholders.
        for (auto [key, value] :
             {std::pair<std::string, std::string>{"@PORT@", std::to_string(daemon->port_)},
              std::pair<std::string, std::string>{"@DISCOVERY_PORT@",
                                                  std::to_string(daemon->discovery_port_)},
              std::pair<std::string, std::string>{"@TLS_PORT@", std::to_string(daemon->tls_port_)},
              std::pair<std::string, std::string>{"@WEB_PORT@",
                                                  std::to_string(daemon->web_port_)}}) {
            for (auto at = text.find(key); at != std::string::npos; at = text.find(key)) {
                text.replace(at, key.size(), value);
            }
        }
        write_file(daemon->config_path_, text);
        std::vector<std::string> argv{daemon_binary().string(), "-D", "-c",
                                      daemon->config_path_.string()};
        argv.insert(argv.end(), extra_args.begin(), extra_args.end());
        if (!wrapper.empty()) {
            // execv needs a path: resolve the wrapper through the usual places.
            for (const char* dir : {"/usr/bin/", "/bin/", "/usr/sbin/", "/sbin/"}) {
                if (access((dir + wrapper[0]).c_str(), X_OK) == 0) {
                    wrapper[0] = dir + wrapper[0];
                    break;
                }
            }
            argv.insert(argv.begin(), wrapper.begin(), wrapper.end());
        }
        daemon->pid_ = spawn(argv, extra_env, daemon->dir(), daemon->dir() / "stdout.log",
                             daemon->dir() / "stderr.log");
        // The daemon says "ready" once every listener accepts. Asking it, rather than probing
        // the ports, leaves no connection behind that would still hold a slot when the test
        // begins.
        bool ready = false;
        wait_until([&] {
            ready = daemon->log().find(" ready (") != std::string::npos;
            return ready || !daemon->running();
        });
        if (ready) return daemon;
        // Lost the port to someone else, or the daemon refused its config: say why on the
        // last attempt.
        if (attempt == 4) {
            throw std::runtime_error("clipshared did not start: " + daemon->log());
        }
    }
    return nullptr;
}

Daemon::~Daemon() {
    if (!reaped_ && pid_ > 0) {
        ::kill(pid_, SIGKILL);
        waitpid(pid_, nullptr, 0);
    }
}

std::string Daemon::log() const {
    return read_file(dir() / "stderr.log");
}

bool Daemon::wait_for_log(std::string_view text, std::size_t occurrences) const {
    return wait_until([&] {
        std::string current = log();
        std::size_t found = 0;
        for (auto at = current.find(text); at != std::string::npos;
             at = current.find(text, at + 1)) {
            ++found;
        }
        return found >= occurrences;
    });
}

void Daemon::signal(int number) const {
    ::kill(pid_, number);
}

std::size_t Daemon::open_fd_count() const {
    std::error_code error;
    std::size_t count = 0;
    for (fs::directory_iterator it{"/proc/" + std::to_string(pid_) + "/fd", error}, end;
         !error && it != end; it.increment(error)) {
        ++count;
    }
    return count;
}

bool Daemon::running() {
    if (reaped_) return false;
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
        reaped_ = true;
        return false;
    }
    return true;
}

int Daemon::stop(int signal_number) {
    if (reaped_) return -1;
    return signal_and_reap(pid_, signal_number, 20s, reaped_);
}

Client Client::connect(std::uint16_t port, const char* host, const char* source) {
    bool ipv6 = std::strchr(host, ':') != nullptr;
    int fd = socket(ipv6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    timeval timeout{20, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    if (source != nullptr && !ipv6) {
        // Another loopback address (127.0.0.0/8 is all local): a second "device".
        sockaddr_in local{};
        local.sin_family = AF_INET;
        inet_pton(AF_INET, source, &local.sin_addr);
        if (bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0) {
            ::close(fd);
            return Client{-1};
        }
    }
    int rc;
    if (ipv6) {
        sockaddr_in6 address{};
        address.sin6_family = AF_INET6;
        address.sin6_port = htons(port);
        inet_pton(AF_INET6, host, &address.sin6_addr);
        rc = ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
    } else {
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_port = htons(port);
        inet_pton(AF_INET, host, &address.sin_addr);
        rc = ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
    }
    if (rc != 0) {
        ::close(fd);
        return Client{-1};
    }
    return Client{fd};
}

Client::~Client() {
    close();
}

void Client::reset() {
    if (fd_ < 0) return;
    linger abrupt{1, 0};
    setsockopt(fd_, SOL_SOCKET, SO_LINGER, &abrupt, sizeof abrupt);
    close();
}

void Client::close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
}

void Client::shutdown_write() {
    if (fd_ >= 0) ::shutdown(fd_, SHUT_WR);
}

void Client::send(const Bytes& bytes) {
    std::size_t done = 0;
    while (done < bytes.size()) {
        ssize_t n = ::send(fd_, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
        if (n <= 0) return;
        done += static_cast<std::size_t>(n);
    }
}

void Client::send(std::string_view bytes) {
    send(Bytes(bytes.begin(), bytes.end()));
}

bool Client::try_send(const Bytes& bytes) {
    std::size_t done = 0;
    while (done < bytes.size()) {
        ssize_t n = ::send(fd_, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
        if (n <= 0) return false;
        done += static_cast<std::size_t>(n);
    }
    return true;
}

Bytes Client::recv(std::size_t n) {
    Bytes out(n);
    std::size_t done = 0;
    while (done < n) {
        ssize_t got = ::recv(fd_, out.data() + done, n - done, 0);
        if (got <= 0) break;
        done += static_cast<std::size_t>(got);
    }
    out.resize(done);
    return out;
}

Bytes Client::recv_all() {
    Bytes out;
    std::uint8_t buffer[4096];
    for (;;) {
        ssize_t got = ::recv(fd_, buffer, sizeof buffer, 0);
        if (got <= 0) break;
        out.insert(out.end(), buffer, buffer + got);
    }
    return out;
}

bool Client::closed_by_peer() {
    std::uint8_t byte;
    ssize_t got = ::recv(fd_, &byte, 1, 0);
    if (got == 0) return true;
    return got < 0 && (errno == ECONNRESET || errno == EPIPE);
}

Bytes info_reply(std::string_view payload) {
    return wire::MessageBuilder{}.byte(wire::ok).string(payload).take();
}

Bytes operator+(Bytes a, const Bytes& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

}  // namespace clipshare::test
