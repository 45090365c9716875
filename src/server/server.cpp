#include "server/server.hpp"

#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <set>
#include <system_error>

#include "net/tls.hpp"
#include "server/session_settings.hpp"
#include "util/log.hpp"
#include "util/privileges.hpp"

namespace clipshare {

namespace {

namespace fs = std::filesystem;

// A directory the daemon lists, reads and writes: read, enter and write.
std::string check_directory(const char* key, const fs::path& dir) {
    std::error_code error;
    if (!fs::is_directory(dir, error)) {
        return std::string{key} + " " + dir.string() + ": " +
               (error ? error.message() : std::string{"not a directory"});
    }
    if (access(dir.c_str(), R_OK | W_OK | X_OK) != 0) {
        return std::string{key} + " " + dir.string() + ": " +
               std::generic_category().message(errno);
    }
    return {};
}

std::string check_working_dir(const Config& config) {
    return check_directory("working_dir", config.server.working_dir);
}

// Something the daemon creates when it is missing (state_dir, the log file): it must be
// usable if it exists, else its nearest existing ancestor must let it be created.
std::string check_creatable(const char* key, const fs::path& path, bool directory) {
    std::error_code error;
    if (fs::exists(path, error)) {
        if (directory) return check_directory(key, path);
        if (access(path.c_str(), W_OK) != 0) {
            return std::string{key} + " " + path.string() + ": " +
                   std::generic_category().message(errno);
        }
        return {};
    }
    fs::path parent = path.parent_path();
    while (!parent.empty() && !fs::exists(parent, error) && parent != parent.parent_path()) {
        parent = parent.parent_path();
    }
    if (access(parent.c_str(), W_OK | X_OK) != 0) {
        return std::string{key} + " " + path.string() + ": cannot be created in " +
               parent.string() + ": " + std::generic_category().message(errno);
    }
    return {};
}

// state_dir, when it is an entry of working_dir: the daemon's own, not received files.
std::set<std::string> daemon_names_in_working_dir(const Config& config) {
    auto state = config.effective_state_dir().lexically_normal();
    if (!state.has_filename()) state = state.parent_path();
    auto working = config.server.working_dir.lexically_normal();
    if (!working.has_filename()) working = working.parent_path();
    if (state.parent_path() != working) return {};
    return {state.filename().string()};
}

StorageSettings storage_settings(const Config& config) {
    return StorageSettings{config.storage.max_bytes, config.storage.max_age,
                           config.storage.make_room};
}

}  // namespace

std::string check_paths(const Config& config) {
    if (auto error = check_working_dir(config); !error.empty()) return error;
    if (config.clipboard.backend == "store") {
        auto error = check_creatable("state_dir", config.effective_state_dir(), true);
        if (!error.empty()) return error;
    }
    if (config.log.destination == LogDestination::file) {
        if (auto error = check_creatable("log file", config.log.file, false); !error.empty()) {
            return error;
        }
    }
    if (auto error = web_unavailable(config); !error.empty()) return error;
    if (config.tls.enabled || (config.web.enabled && config.web.tls)) {
        std::string error;
        if (!make_tls_context(config.tls, error)) return error;
    }
    return {};
}

bool Server::web_over_tls() const {
    return config_->web.enabled && config_->web.tls;
}

Server::Server(Config config, Reloader reloader)
    : config_(std::make_shared<const Config>(std::move(config))),
      reloader_(std::move(reloader)),
      web_(&loop_, [this](const std::string& address, bool tls) { count_out(address, tls, true); }),
      budget_(static_cast<std::size_t>(config_->limits.memory_budget)) {
    uv_loop_init(&loop_);
}

Server::~Server() {
    listeners_.clear();
    discovery_.close();
    session_clipboard_.reset();
    next_turn_.reset();
    committer_.reset();
    clipboard_.reset();
    files_.reset();
    sigterm_.close();
    sigint_.close();
    sighup_.close();
    // Every connection is gone by now (they end before run() returns).
    handshakes_.reset();
    // Let the close callbacks run so every handle's memory is returned before the loop goes.
    uv_run(&loop_, UV_RUN_DEFAULT);
    uv_loop_close(&loop_);
}

std::string Server::open_listeners(const std::string& name, bool enabled, std::uint16_t port,
                                   const std::vector<std::string>* bind) {
    if (!enabled) return {};
    const auto& addresses = bind != nullptr && !bind->empty() ? *bind : config_->server.bind;
    bool has_ipv4 = false;
    for (const auto& address : addresses) has_ipv4 |= address.find(':') == std::string::npos;
    for (const auto& address : addresses) {
        auto listener = std::make_unique<Listener>(name, *this);
        // With an IPv4 address in the list, "::" must leave IPv4 to it; alone it is dual-stack.
        auto error = listener->open(&loop_, address, port, has_ipv4);
        if (!error.empty()) return error;
        listeners_.push_back(std::move(listener));
    }
    return {};
}

std::string Server::start() {
    // First of all: once a port accepts connections, a supervisor may already signal us,
    // and a signal that comes before its handler would kill the daemon instead.
    watch_signal(sigterm_, SIGTERM);
    watch_signal(sigint_, SIGINT);
    watch_signal(sighup_, SIGHUP);
    if (auto error = check_working_dir(*config_); !error.empty()) return error;
    // Before any port is bound (check_paths says it again for -t).
    if (auto error = web_unavailable(*config_); !error.empty()) return error;
    if (config_->tls.enabled || web_over_tls()) {
        std::string error;
        tls_context_ = make_tls_context(config_->tls, error);
        if (!tls_context_) return error;
        handshakes_ = std::make_unique<HandshakeSlots>(
            &loop_, static_cast<std::size_t>(config_->tls.max_handshakes));
        tls_context_charge_.force_resize(tls_context_memory(*tls_context_));
    }
    // Bound with the TCP listeners, before privileges are dropped; it answers only once
    // the daemon is ready, like the listeners.
    if (config_->discovery.enabled) {
        const auto& discovery = config_->discovery;
        if (auto error = discovery_.open(&loop_, discovery.bind, discovery.port); !error.empty()) {
            return error;
        }
    }
    if (auto error = open_listeners("plain", config_->plain.enabled, config_->plain.port);
        !error.empty()) {
        return error;
    }
    if (auto error = open_listeners("tls", config_->tls.enabled, config_->tls.port);
        !error.empty()) {
        return error;
    }
    if (auto error =
            open_listeners("web", config_->web.enabled, config_->web.port, &config_->web.bind);
        !error.empty()) {
        return error;
    }
    if (listeners_.empty()) return "no listener is enabled ([plain], [tls] and [web] are off)";

    // Everything that needs root is bound by now; the rest runs as the configured user.
    if (auto error = drop_privileges(config_->server.user, config_->server.group); !error.empty()) {
        return error;
    }
    if (geteuid() == 0 && !config_->server.allow_root) {
        if (!config_->source.empty()) {
            return "refusing to serve clients as root: set [server] user (or allow_root = true)";
        }
        LOG_WARN("serving clients as root (built-in defaults; set [server] user in a config file)");
    }
    // Checked again as the user who will write there.
    if (auto error = check_paths(*config_); !error.empty()) return error;
    files_ = std::make_unique<DiskFiles>(&loop_, config_->server.working_dir,
                                         static_cast<std::size_t>(config_->limits.max_path_depth),
                                         daemon_names_in_working_dir(*config_), &budget_);
    if (auto error = files_->open(); !error.empty()) return error;
    if (auto error = open_clipboard(); !error.empty()) return error;
    committer_ = std::make_unique<BatchCommitter>(*clipboard_);
    next_turn_ = std::make_unique<UvNextTurn>(&loop_);
    session_clipboard_ = std::make_unique<DeferredClipboard>(*clipboard_, *next_turn_);
    restore_recovered_batches();
    // The clipboard's files are never the storage quota's to remove.
    if (store_clipboard_ != nullptr) files_->quota().set_current(store_clipboard_->file_names());
    // Whatever a crash left is removed in the background: its size never delays the start.
    files_->clean_up_leftovers();
    // Counted in the background too; until then only what arrives is counted.
    files_->quota().configure(storage_settings(*config_));

    // Last: a port that accepts connections means a daemon that is ready for them, with
    // its privileges dropped and its state loaded (supervisors and tests rely on that).
    // Discovery first, so that a TCP port that accepts also implies discovery answers.
    if (auto error = discovery_.start(); !error.empty()) return error;
    for (auto& listener : listeners_) {
        if (auto error = listener->listen(); !error.empty()) return error;
        LOG_INFO("listening on %s (%s)", listener->address().c_str(), listener->name().c_str());
    }
    return {};
}

std::string Server::open_clipboard() {
    const auto& section = config_->clipboard;
    if (section.backend == "command") {
        auto desktop = std::make_unique<CommandClipboard>(
            &loop_, config_->server.working_dir,
            effective_commands(section.preset, section.commands), config_->limits.max_text_length,
            section.cut_sent_files, &budget_);
        command_clipboard_ = desktop.get();
        clipboard_ = std::move(desktop);
        LOG_INFO("clipboard: desktop commands (%s)",
                 section.preset.empty() ? "configured" : ("preset " + section.preset).c_str());
        return {};
    }
    auto store = std::make_unique<StoreClipboard>(&loop_, config_->server.working_dir,
                                                  config_->effective_state_dir(), &budget_);
    if (auto error = store->load(); !error.empty()) return error;
    store_clipboard_ = store.get();
    clipboard_ = std::move(store);
    return {};
}

void Server::restore_recovered_batches() {
    const auto& finished = files_->recovered();
    if (finished.empty()) return;
    const auto& latest = finished.back();
    // A clipboard saved after the batch's commit point already holds something newer.
    if (store_clipboard_ != nullptr && store_clipboard_->saved_at_ns() > latest.sequence) return;
    bool done = false;
    clipboard_->set_files(latest.placed, [&done](std::string error) {
        if (!error.empty())
            LOG_ERROR("cannot put a recovered batch on the clipboard: %s", error.c_str());
        done = true;
    });
    // Before any client is served: the clipboard and the disk agree from the first request.
    while (!done && uv_run(&loop_, UV_RUN_ONCE) != 0) {
    }
}

void Server::watch_signal(UvHandle<uv_signal_t>& handle, int signal_number) {
    if (uv_signal_init(&loop_, handle.get()) != 0) return;
    handle.mark_initialized();
    handle.get()->data = this;
    uv_signal_start(
        handle.get(),
        [](uv_signal_t* signal, int number) {
            auto* self = static_cast<Server*>(signal->data);
            if (self == nullptr) return;
            if (number == SIGHUP) {
                self->reload();
            } else {
                LOG_INFO("signal %d: stopping", number);
                self->stop();
            }
        },
        signal_number);
}

int Server::run() {
    uv_run(&loop_, UV_RUN_DEFAULT);
    return 0;
}

void Server::stop() {
    if (stopping_) return;
    stopping_ = true;
    for (auto& listener : listeners_) listener->close();
    discovery_.close();
    // A desktop command still running has nobody left to answer; it must not hold the exit.
    if (command_clipboard_) command_clipboard_->cancel_all();
    sigterm_.close();
    sigint_.close();
    sighup_.close();
    // Copy first: stopping a connection may remove it from the map from a later callback.
    std::vector<Connection*> open;
    open.reserve(connections_.size());
    for (auto& [raw, slot] : connections_) open.push_back(raw);
    for (auto* connection : open) connection->stop();
    web_.stop_all();
}

void Server::reload() {
    // SIGHUP is also logrotate's "the file was moved": reopen first, whatever the config says.
    if (auto error = log_reopen(); !error.empty()) LOG_ERROR("%s", error.c_str());
    if (!reloader_) return;
    ConfigResult result = reloader_();
    if (!result.config) {
        LOG_ERROR("reload failed, keeping the running configuration: %s", result.error.c_str());
        return;
    }
    const Config& old = *config_;
    const Config& next = *result.config;
    // These are bound or opened once at start-up; say so instead of half-applying them.
    if (restart_needed(old, next)) {
        LOG_WARN(
            "reload: changes to listeners, directories, the clipboard backend or its "
            "commands, user, or log destination need a restart");
    }
    if (next.limits.max_path_depth != old.limits.max_path_depth) {
        LOG_WARN(
            "reload: a new limits.max_path_depth applies to uploads now, to Get Files after "
            "a restart");
    }
    if (command_clipboard_) {
        command_clipboard_->reconfigure(next.limits.max_text_length, next.clipboard.cut_sent_files);
    }
    // New certificates and allowed clients apply to new connections; established ones keep
    // the context they started with. If they do not load, nothing of the reload applies.
    auto tls_context = tls_context_;
    if (tls_context_ && (next.tls.enabled || (next.web.enabled && next.web.tls))) {
        std::string error;
        tls_context = make_tls_context(next.tls, error);
        if (!tls_context) {
            LOG_ERROR("reload failed, keeping the running configuration: %s", error.c_str());
            return;
        }
    }
    tls_context_ = std::move(tls_context);
    if (handshakes_) handshakes_->set_limit(static_cast<std::size_t>(next.tls.max_handshakes));
    // The old context's cache and configurations go once its last session ends; until then
    // they are uncounted, as the sessions that hold them were charged when they came.
    if (tls_context_) tls_context_charge_.force_resize(tls_context_memory(*tls_context_));
    log_set_level(next.log.level);
    budget_.set_limit(static_cast<std::size_t>(next.limits.memory_budget));
    // Counts working_dir again (files changed by hand are seen), then applies the limits:
    // SIGHUP is also how an administrator asks for a sweep now.
    if (files_) files_->quota().configure(storage_settings(next));
    config_ = std::make_shared<const Config>(std::move(*result.config));
    LOG_INFO("configuration reloaded");
}

namespace {

// What one connection costs before it does anything: its objects, its stream, its timers
// (about 850 bytes measured; the rest is slack for what a session holds between reads).
constexpr std::size_t connection_memory = 2 * 1024;
// A connection is closed to make room only if it made no progress for this long.
constexpr std::uint64_t eviction_grace_ms = 1000;

}  // namespace

void Server::on_incoming(Listener& listener) {
    try {
        accept_one(listener);
    } catch (const std::bad_alloc&) {
        LOG_WARN("accept on %s: out of memory, connection dropped", listener.address().c_str());
    }
}

void Server::accept_one(Listener& listener) {
    int error = 0;
    std::unique_ptr<TcpStream> tcp = listener.accept(error);
    if (!tcp) {
        LOG_WARN("accept on %s failed: %s", listener.address().c_str(), uv_strerror(error));
        return;
    }
    // Destroying a stream that was never used closes its handle.
    if (stopping_) return;
    if (listener.name() == "web") {
        accept_web(std::move(tcp), web_over_tls());
        return;
    }
    bool tls = listener.name() == "tls";
    auto admitted = admit(std::move(tcp), {tls, true, connection_memory, ""});
    if (!admitted) return;
    const auto& server = config_->server;
    ConnectionTimeouts timeouts{static_cast<std::uint64_t>(server.idle_timeout) * 1000,
                                static_cast<std::uint64_t>(server.header_timeout) * 1000};
    Services services{session_clipboard_.get(), files_.get(), &budget_, committer_.get()};
    auto connection = std::make_unique<Connection>(*this, &loop_, std::move(admitted->stream),
                                                   session_settings_from(*config_), services,
                                                   timeouts, std::move(admitted->baseline));
    Connection* raw = connection.get();
    connections_.emplace(raw, Slot{std::move(connection), tls, admitted->address, false});
    count_in(admitted->address, tls);
    LOG_DEBUG("%s: connected (%s)", raw->peer().c_str(), listener.name().c_str());
    raw->start();
}

std::optional<Server::Admitted> Server::admit(std::unique_ptr<TcpStream> tcp,
                                              const Admission& how) {
    const auto& server = config_->server;
    std::string address = tcp->address();
    // Admission comes first, before any TLS state exists: a refused client costs nothing.
    auto per_address = per_address_.find(address);
    if (per_address != per_address_.end() &&
        per_address->second >= static_cast<std::size_t>(server.max_connections_per_address)) {
        LOG_WARN(
            "%s: %srefused: %zu connections from this address already "
            "(max_connections_per_address)",
            tcp->peer().c_str(), how.label, per_address->second);
        return std::nullopt;
    }
    bool room = how.may_evict
                    ? make_room(how.tls)
                    : plain_count_ + tls_count_ < static_cast<std::size_t>(server.max_connections);
    if (!room) {
        LOG_WARN("%s: %srefused: max_connections (%lld) reached, every connection making progress",
                 tcp->peer().c_str(), how.label, static_cast<long long>(server.max_connections));
        return std::nullopt;
    }
    MemoryCharge baseline{&budget_, MemoryBudget::Share::connections};
    // A TLS session's memory is charged from the start, before its handshake allocates it.
    if (!baseline.resize(how.memory + (how.tls ? tls_session_memory(*tls_context_) : 0))) {
        LOG_WARN("%s: %srefused: the memory budget is spent (%zu of %zu KiB in use)",
                 tcp->peer().c_str(), how.label, budget_.used() / 1024, budget_.limit() / 1024);
        return std::nullopt;
    }
    std::unique_ptr<Stream> stream = std::move(tcp);
    if (how.tls) {
        std::string peer = stream->peer();
        // A second core opens a bulk upload's records while the loop serves (RecordOffload);
        // with one, the trips to the pool would only cost.
        MemoryBudget* offload = uv_available_parallelism() > 1 ? &budget_ : nullptr;
        stream = wrap_in_tls(std::move(stream), tls_context_, &loop_, handshakes_.get(), offload);
        if (!stream) {
            LOG_WARN("%s: %srefused: cannot set up a TLS session", peer.c_str(), how.label);
            return std::nullopt;
        }
    }
    return Admitted{std::move(stream), std::move(baseline), std::move(address)};
}

void Server::count_in(const std::string& address, bool tls) {
    ++per_address_[address];
    ++(tls ? tls_count_ : plain_count_);
}

void Server::count_out(const std::string& address, bool tls, bool counted) {
    if (counted) --(tls ? tls_count_ : plain_count_);
    auto per_address = per_address_.find(address);
    if (per_address != per_address_.end() && --per_address->second == 0) {
        per_address_.erase(per_address);
    }
}

void Server::accept_web(std::unique_ptr<TcpStream> tcp, bool tls) {
    // The connection, the head of one request as it is kept, and a TLS session. Web
    // arrivals do not evict: each request has a short deadline of its own.
    std::size_t memory =
        connection_memory + static_cast<std::size_t>(config_->web.max_header_bytes);
    auto admitted = admit(std::move(tcp), {tls, false, memory, "web: "});
    if (!admitted) return;
    count_in(admitted->address, tls);
    web_.add(*config_, {session_clipboard_.get(), files_.get(), committer_.get(), &budget_},
             {std::move(admitted->stream), std::move(admitted->baseline),
              std::move(admitted->address), tls});
}

bool Server::make_room(bool tls) {
    const auto& config = *config_;
    auto limit = static_cast<std::size_t>(config.server.max_connections);
    // Plain clients may not take the slots kept for the TLS port.
    std::size_t plain_limit = limit;
    if (config.tls.enabled && config.plain.enabled) {
        plain_limit -= std::min(limit, static_cast<std::size_t>(config.tls.reserved_connections));
    }
    auto full = [&] {
        return plain_count_ + tls_count_ >= limit || (!tls && plain_count_ >= plain_limit);
    };
    if (!full()) return true;
    // A plain arrival may only displace a plain connection (the reserve stays the TLS
    // port's); a TLS arrival any connection.
    Slot* victim = nullptr;
    for (auto& [raw, slot] : connections_) {
        if (slot.evicted || raw->closing() || (!tls && slot.tls) || raw->handshake_pending()) {
            continue;
        }
        if (victim == nullptr || raw->progress_time() < victim->connection->progress_time()) {
            victim = &slot;
        }
    }
    std::uint64_t now = uv_now(&loop_);
    if (victim == nullptr || now - victim->connection->progress_time() < eviction_grace_ms) {
        return false;
    }
    victim->evicted = true;
    --(victim->tls ? tls_count_ : plain_count_);
    victim->connection->stop("closed to make room for a new client: no progress for " +
                             std::to_string((now - victim->connection->progress_time()) / 1000) +
                             " s");
    return !full();
}

void Server::on_connection_closed(Connection& connection) {
    auto found = connections_.find(&connection);
    if (found == connections_.end()) return;
    const Slot& slot = found->second;
    count_out(slot.address, slot.tls, !slot.evicted);
    connections_.erase(found);
}

}  // namespace clipshare
