// The daemon's whole configuration: one plain struct, filled with the built-in defaults of
// SPEC.md section 9 and overwritten by whatever the TOML file sets. Every layer reads its
// settings from here; nothing else parses the file.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "clipboard/commands.hpp"
#include "net/tls_settings.hpp"
#include "util/log.hpp"
#include "util/method_table.hpp"

namespace clipshare {

struct ServerSection {
    std::vector<std::string> bind{"0.0.0.0"};
    std::filesystem::path working_dir{"."};
    // Empty means "<working_dir>/.clipshare"; use Config::effective_state_dir().
    std::filesystem::path state_dir;
    std::string info_name;  // empty: not announced
    std::int64_t max_connections = 256;
    // One address may hold at most this many connections (a slow or hostile device cannot
    // fill every slot).
    std::int64_t max_connections_per_address = 32;
    std::int64_t idle_timeout = 30;  // seconds
    // The version, method and each request header (sizes, names) must arrive within this.
    std::int64_t header_timeout = 10;  // seconds
    std::string user;
    std::string group;
    // Serving clients as root is refused unless this is set (or no config file exists).
    bool allow_root = false;
};

struct PlainSection {
    bool enabled = true;
    std::uint16_t port = 4337;
};

// The web listener (browser access over HTTP/1.1; meson -Dweb). Off unless asked for: it is
// a second way into the clipboard, and a router's owner should choose to open it.
struct WebSection {
    bool enabled = false;
    std::uint16_t port = 4339;
    // Empty: the addresses of [server] bind.
    std::vector<std::string> bind;
    // Served with [tls]'s credentials and client-certificate rules; false: plain HTTP.
    bool tls = true;
    std::int64_t max_header_bytes = 8 * 1024;  // request line and headers of one request
    std::int64_t max_headers = 64;
    // Each request's head, and the wait for the next request on a kept-alive connection.
    std::int64_t request_timeout = 10;  // seconds
    // Host names a request may name besides IP literals, localhost and the machine's own
    // name (against DNS rebinding; the web layer's host_check.hpp).
    std::vector<std::string> allowed_hosts;
};

struct DiscoverySection {
    bool enabled = true;
    std::uint16_t port = 4337;
    std::vector<std::string> bind{"0.0.0.0"};
};

struct ProtocolSection {
    int min_version = 1;
    int max_version = 4;
};

struct LimitsSection {
    std::int64_t max_text_length = 4194304;
    std::int64_t max_file_size = 68719476736;
    std::int64_t max_file_count = 4294967294;
    // Every buffer of the daemon together (connections, replies, batches, TLS sessions).
    // The default suits a router with 64 MB of RAM.
    std::int64_t memory_budget = 16 * 1024 * 1024;
    std::int64_t max_path_depth = 128;                     // segments of one received or sent path
    std::int64_t max_batch_name_bytes = 64 * 1024 * 1024;  // all names of one batch
};

// [storage]: limits on what working_dir holds (files/storage_quota.hpp).
struct StorageSection {
    std::int64_t max_bytes = 0;  // 0: no limit
    std::int64_t max_age = 0;    // seconds; 0: never
    bool make_room = false;
};

struct ClipboardSection {
    std::string backend{"store"};  // "store" or "command"
    std::string preset;            // "", "x11" or "wayland"
    ClipboardCommands commands;
    bool cut_sent_files = false;
    bool client_selects_display = false;
    std::int64_t display = 1;
};

struct LogSection {
    LogLevel level = LogLevel::info;
    LogDestination destination = LogDestination::automatic;
    std::filesystem::path file;  // set exactly when destination is file
};

struct Config {
    // The file this came from; empty when running on built-in defaults.
    std::filesystem::path source;

    ServerSection server;
    PlainSection plain;
    TlsSection tls;
    WebSection web;
    DiscoverySection discovery;
    ProtocolSection protocol;
    LimitsSection limits;
    StorageSection storage;
    // [methods]: one key per entry of method_table; ask with method_enabled(M, methods).
    MethodSet methods = default_methods();
    ClipboardSection clipboard;
    LogSection log;

    std::filesystem::path effective_state_dir() const {
        return server.state_dir.empty() ? server.working_dir / ".clipshare" : server.state_dir;
    }
};

}  // namespace clipshare
