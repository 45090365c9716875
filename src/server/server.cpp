#include "server/server.hpp"

#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <system_error>

#include "net/tls.hpp"
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
    if (config.tls.enabled) {
        std::string error;
        if (!make_tls_context(config.tls, error)) return error;
    }
    return {};
}

Server::Server(Config config, Reloader reloader)
    : config_(std::make_shared<const Config>(std::move(config))), reloader_(std::move(reloader)) {
    uv_loop_init(&loop_);
}

Server::~Server() {
    listeners_.clear();
    discovery_.close();
    clipboard_.reset();
    files_.reset();
    sigterm_.close();
    sigint_.close();
    sighup_.close();
    // Let the close callbacks run so every handle's memory is returned before the loop goes.
    uv_run(&loop_, UV_RUN_DEFAULT);
    uv_loop_close(&loop_);
}

std::string Server::open_listeners(const std::string& name, bool enabled, std::uint16_t port) {
    if (!enabled) return {};
    const auto& addresses = config_->server.bind;
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
    if (config_->tls.enabled) {
        std::string error;
        tls_context_ = make_tls_context(config_->tls, error);
        if (!tls_context_) return error;
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
    if (listeners_.empty()) return "no listener is enabled ([plain] and [tls] are both off)";

    // Everything that needs root is bound by now; the rest runs as the configured user.
    if (auto error = drop_privileges(config_->server.user, config_->server.group);
        !error.empty()) {
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
    files_ = std::make_unique<DiskFiles>(&loop_, config_->server.working_dir);
    if (auto error = files_->open(); !error.empty()) return error;
    if (auto error = open_clipboard(); !error.empty()) return error;

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
            &loop_, config_->server.working_dir, effective_commands(section),
            config_->limits.max_text_length, section.cut_sent_files);
        command_clipboard_ = desktop.get();
        clipboard_ = std::move(desktop);
        LOG_INFO("clipboard: desktop commands (%s)",
                 section.preset.empty() ? "configured" : ("preset " + section.preset).c_str());
        return {};
    }
    auto store = std::make_unique<StoreClipboard>(&loop_, config_->server.working_dir,
                                                  config_->effective_state_dir());
    if (auto error = store->load(); !error.empty()) return error;
    clipboard_ = std::move(store);
    return {};
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
    for (auto& [raw, owned] : connections_) open.push_back(raw);
    for (auto* connection : open) connection->stop();
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
    if (next.server.bind != old.server.bind || next.plain.enabled != old.plain.enabled ||
        next.plain.port != old.plain.port || next.tls.enabled != old.tls.enabled ||
        next.tls.port != old.tls.port || next.discovery.enabled != old.discovery.enabled ||
        next.discovery.port != old.discovery.port || next.discovery.bind != old.discovery.bind ||
        next.server.working_dir != old.server.working_dir ||
        next.effective_state_dir() != old.effective_state_dir() ||
        next.clipboard.backend != old.clipboard.backend ||
        next.clipboard.preset != old.clipboard.preset ||
        next.clipboard.commands != old.clipboard.commands || next.server.user != old.server.user ||
        next.server.group != old.server.group || next.log.destination != old.log.destination ||
        next.log.file != old.log.file) {
        LOG_WARN(
            "reload: changes to listeners, directories, the clipboard backend or its "
            "commands, user, or log destination need a restart");
    }
    if (command_clipboard_) {
        command_clipboard_->reconfigure(next.limits.max_text_length,
                                        next.clipboard.cut_sent_files);
    }
    // New certificates and allowed clients apply to new connections; established ones keep
    // the context they started with. If they do not load, nothing of the reload applies.
    auto tls_context = tls_context_;
    if (tls_context_ && next.tls.enabled) {
        std::string error;
        tls_context = make_tls_context(next.tls, error);
        if (!tls_context) {
            LOG_ERROR("reload failed, keeping the running configuration: %s", error.c_str());
            return;
        }
    }
    tls_context_ = std::move(tls_context);
    log_set_level(next.log.level);
    config_ = std::make_shared<const Config>(std::move(*result.config));
    LOG_INFO("configuration reloaded");
}

void Server::on_incoming(Listener& listener) {
    int error = 0;
    std::unique_ptr<Stream> stream = listener.accept(error);
    if (!stream) {
        LOG_WARN("accept on %s failed: %s", listener.address().c_str(), uv_strerror(error));
        return;
    }
    // Destroying a stream that was never used closes its handle.
    if (stopping_) return;
    if (listener.name() == "tls") {
        std::string address = stream->peer();
        stream = wrap_in_tls(std::move(stream), tls_context_, &loop_);
        if (!stream) {
            LOG_WARN("%s: refused: cannot set up a TLS session", address.c_str());
            return;
        }
    }
    auto limit = static_cast<std::size_t>(config_->server.max_connections);
    auto settings = SessionSettings::from(*config_);
    auto idle_ms = static_cast<std::uint64_t>(config_->server.idle_timeout) * 1000;
    Services services{clipboard_.get(), files_.get()};
    auto connection = std::make_unique<Connection>(*this, &loop_, std::move(stream),
                                                   std::move(settings), services, idle_ms);
    Connection* raw = connection.get();
    connections_.emplace(raw, std::move(connection));
    if (connections_.size() > limit) {
        LOG_WARN("%s: refused: max_connections (%zu) reached", raw->peer().c_str(), limit);
        raw->stop();
        return;
    }
    LOG_DEBUG("%s: connected (%s)", raw->peer().c_str(), listener.name().c_str());
    raw->start();
}

void Server::on_connection_closed(Connection& connection) {
    connections_.erase(&connection);
}

}  // namespace clipshare
