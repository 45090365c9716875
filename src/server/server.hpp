// The daemon's core: one libuv loop that owns the listeners, the discovery responder, the
// connections and the signal handlers, and applies a reloaded configuration.
#pragma once

#include <uv.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "clipboard/command.hpp"
#include "clipboard/deferred_clipboard.hpp"
#include "clipboard/presets.hpp"
#include "clipboard/store.hpp"
#include "config/config.hpp"
#include "config/load.hpp"
#include "files/disk_files.hpp"
#include "net/handshake_slots.hpp"
#include "net/listener.hpp"
#include "net/tls.hpp"
#include "proto/batch_committer.hpp"
#include "server/connection.hpp"
#include "server/discovery.hpp"
#include "server/uv_next_turn.hpp"
#include "server/web_port.hpp"
#include "util/memory_budget.hpp"
#include "util/uv_handle.hpp"

namespace clipshare {

// Checks what the configuration names on disk, with the caller's permissions: working_dir
// is a directory it can read, enter and write; state_dir (store backend) and the log file can
// be used or created; with TLS enabled, the certificates, key, CA and allowed clients load.
// Returns "" or one error line.
std::string check_paths(const Config& config);

class Server final : public ListenerHandler, public ConnectionOwner {
public:
    using Reloader = std::function<ConfigResult()>;

    Server(Config config, Reloader reloader);
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    // Binds every listener and installs the signal handlers. "" or one error line.
    std::string start();
    // Runs until SIGTERM/SIGINT (or stop()); returns the exit status.
    int run();
    void stop();
    void reload();

    std::size_t connection_count() const { return connections_.size(); }

private:
    // What the server knows of each connection for its limits.
    struct Slot {
        std::unique_ptr<Connection> connection;
        bool tls = false;
        std::string address;
        bool evicted = false;  // closing to make room: no longer counted
    };

    void on_incoming(Listener& listener) override;
    void accept_one(Listener& listener);
    // Frees a slot for a new connection (plain or TLS) if the limits are reached, by closing
    // the connection that made the least progress, if that was long enough ago. A TLS
    // handshake that has begun (in line for a handshake slot or holding one) is never closed
    // for this: a newcomer would only wait behind it. False when every slot is busy with a
    // client that is making progress or a handshake.
    bool make_room(bool tls);
    void on_connection_closed(Connection& connection) override;
    // The one admission step of every port, before any TLS state exists: the per-address
    // cap, max_connections (making room by eviction when `may_evict`), the memory budget
    // (`memory` plus a TLS session), then the TLS wrap. Logs each refusal with the peer.
    struct Admission {
        bool tls = false;
        bool may_evict = true;
        std::size_t memory = 0;
        const char* label = "";  // put before "refused" in the log
    };
    struct Admitted {
        std::unique_ptr<Stream> stream;
        MemoryCharge baseline;
        std::string address;
    };
    std::optional<Admitted> admit(std::unique_ptr<TcpStream> tcp, const Admission& how);
    // The counts admission checks, as a connection comes and goes (`counted`: not evicted).
    void count_in(const std::string& address, bool tls);
    void count_out(const std::string& address, bool tls, bool counted);
    // The web port (meson -Dweb): admitted by the same per-address cap, connection count and
    // memory budget; not evicted to make room (each request has a short deadline).
    void accept_web(std::unique_ptr<TcpStream> tcp, bool tls);
    bool web_over_tls() const;
    // Puts batches that start-up recovery finished on the clipboard (when newer than it).
    void restore_recovered_batches();
    std::string open_listeners(const std::string& name, bool enabled, std::uint16_t port,
                               const std::vector<std::string>* bind = nullptr);
    void watch_signal(UvHandle<uv_signal_t>& handle, int signal_number);
    std::string open_clipboard();

    uv_loop_t loop_{};
    std::shared_ptr<const Config> config_;
    // Set while the TLS listener serves; replaced on reload, shared with the sessions.
    std::shared_ptr<const TlsContext> tls_context_;
    Reloader reloader_;
    // With TLS: the bound on handshakes in progress. Declared before connections_, whose TLS
    // streams point at it, so that it outlives them.
    std::unique_ptr<HandshakeSlots> handshakes_;
    std::vector<std::unique_ptr<Listener>> listeners_;
    Discovery discovery_;
    std::unordered_map<Connection*, Slot> connections_;
    // The web port's connections (a stand-in in a build without web access).
    WebPort web_;
    std::unordered_map<std::string, std::size_t> per_address_;
    std::size_t plain_count_ = 0;  // counted slots (not evicted) per port
    std::size_t tls_count_ = 0;
    MemoryBudget budget_;
    // What the TLS context holds whatever the number of sessions (its resumption state and
    // its mbedTLS configurations: tls_context_memory), for as long as it serves new
    // connections.
    MemoryCharge tls_context_charge_{&budget_, MemoryBudget::Share::connections};
    UvHandle<uv_signal_t> sigterm_;
    UvHandle<uv_signal_t> sigint_;
    UvHandle<uv_signal_t> sighup_;
    bool stopping_ = false;
    std::unique_ptr<DiskFiles> files_;
    std::unique_ptr<Clipboard> clipboard_;
    CommandClipboard* command_clipboard_ = nullptr;  // clipboard_, when it is the desktop's
    StoreClipboard* store_clipboard_ = nullptr;      // clipboard_, when it is the store
    std::unique_ptr<BatchCommitter> committer_;
    // What sessions see of clipboard_: its answers always on a later turn (clipboard.hpp).
    std::unique_ptr<UvNextTurn> next_turn_;
    std::unique_ptr<DeferredClipboard> session_clipboard_;
};

}  // namespace clipshare
