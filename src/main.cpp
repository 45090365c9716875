// clipshared: flags, configuration, detaching, and the server's run.
#include <getopt.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string>

#include "build_config.hpp"
#include "config/import_conf.hpp"
#include "config/load.hpp"
#include "server/server.hpp"
#include "util/daemon.hpp"
#include "util/log.hpp"
#include "util/privileges.hpp"
#include "util/read_file.hpp"

namespace {

using namespace clipshare;

constexpr const char* usage_text =
    "Usage: clipshared [OPTION]...\n"
    "ClipShare server: shares clipboard text, files and images with ClipShare clients.\n"
    "\n"
    "  -c, --config FILE    read this config file (default: search\n"
    "                       $XDG_CONFIG_HOME/clipshare, ~/.config/clipshare,\n"
    "                       " CLIPSHARE_SYSCONFDIR
    "/clipshare; else built-in defaults)\n"
    "  -D, --foreground     stay in the foreground, log to stderr\n"
    "  -d, --daemon         detach and log to syslog (the default)\n"
    "  -p, --pidfile FILE   write the pid to FILE (used by -s and -r)\n"
    "  -s, --stop           stop the running instance and exit\n"
    "  -r, --restart        check the config, stop the running instance, then start\n"
    "  -t, --check          validate the config and check, as the service user, what it\n"
    "                       names on disk; print the effective settings and exit\n"
    "  -l, --log-level LEVEL\n"
    "                       debug, info, warning or error (overrides [log] level)\n"
    "      --import-conf FILE\n"
    "                       print the clipshared.toml equivalent of FILE, a clipshare.conf\n"
    "                       of the upstream ClipShare server; what has no equivalent is\n"
    "                       named on stderr\n"
    "  -v, --version        print the version and exit\n"
    "  -h, --help           print this help and exit\n"
    "\n"
    "See clipshared(8) and clipshared.toml(5).\n";

struct Options {
    std::optional<std::filesystem::path> config_file;
    std::optional<std::filesystem::path> pidfile;
    std::optional<LogLevel> log_level;
    std::optional<std::filesystem::path> import_conf;
    bool foreground = false;
    bool stop = false;
    bool restart = false;
    bool check = false;
    bool version = false;
    bool help = false;
};

// --import-conf has no short form; this stands for it in getopt's answers.
constexpr int kImportConf = 256;

// Returns nothing on a usage error (already reported).
std::optional<Options> parse_options(int argc, char** argv) {
    static const option long_options[] = {
        {"config", required_argument, nullptr, 'c'},
        {"foreground", no_argument, nullptr, 'D'},
        {"daemon", no_argument, nullptr, 'd'},
        {"pidfile", required_argument, nullptr, 'p'},
        {"stop", no_argument, nullptr, 's'},
        {"restart", no_argument, nullptr, 'r'},
        {"check", no_argument, nullptr, 't'},
        {"log-level", required_argument, nullptr, 'l'},
        {"version", no_argument, nullptr, 'v'},
        {"help", no_argument, nullptr, 'h'},
        {"import-conf", required_argument, nullptr, kImportConf},
        {nullptr, 0, nullptr, 0},
    };
    Options options;
    bool usage_error = false;
    // Options that start, stop or check a daemon, which --import-conf does not.
    int daemon_options = 0;
    opterr = 0;
    int opt;
    while ((opt = getopt_long(argc, argv, ":c:Ddp:srtl:vh", long_options, nullptr)) != -1) {
        if (opt != 'v' && opt != 'h' && opt != kImportConf && opt != ':' && opt != '?') {
            ++daemon_options;
        }
        switch (opt) {
            case 'c':
                options.config_file = optarg;
                break;
            case 'D':
                options.foreground = true;
                break;
            case 'd':
                options.foreground = false;
                break;
            case 'p':
                options.pidfile = optarg;
                break;
            case 's':
                options.stop = true;
                break;
            case 'r':
                options.restart = true;
                break;
            case 't':
                options.check = true;
                break;
            case 'l':
                options.log_level = parse_log_level(optarg);
                if (!options.log_level) {
                    std::fprintf(stderr,
                                 "clipshared: error: -l needs debug, info, warning or error, "
                                 "not '%s'\n",
                                 optarg);
                    usage_error = true;
                }
                break;
            case 'v':
                options.version = true;
                break;
            case 'h':
                options.help = true;
                break;
            case kImportConf:
                options.import_conf = optarg;
                break;
            case ':':
                std::fprintf(stderr, "clipshared: error: option %s needs an argument\n",
                             argv[optind - 1]);
                usage_error = true;
                break;
            default:
                std::fprintf(stderr, "clipshared: error: unknown option %s (see clipshared -h)\n",
                             argv[optind - 1]);
                usage_error = true;
                break;
        }
    }
    if (!usage_error && optind < argc) {
        std::fprintf(stderr, "clipshared: error: unexpected argument '%s' (see clipshared -h)\n",
                     argv[optind]);
        usage_error = true;
    }
    if (!usage_error && int{options.stop} + int{options.restart} + int{options.check} > 1) {
        std::fprintf(stderr, "clipshared: error: -s, -r and -t exclude each other\n");
        usage_error = true;
    }
    if (!usage_error && options.import_conf && daemon_options > 0) {
        std::fprintf(stderr, "clipshared: error: --import-conf takes no other option\n");
        usage_error = true;
    }
    // -v and -h answer even when the rest of the command line is wrong.
    if (usage_error && !options.version && !options.help) return std::nullopt;
    return options;
}

// Each connection is a descriptor: let max_connections mean what it says, up to what the
// system allows, instead of stopping at the usual soft limit of 1024. Returns "" or a warning
// when the hard limit is too low (systemd's LimitNOFILE=, procd's limits, ulimit -Hn).
std::string raise_descriptor_limit(std::int64_t max_connections) {
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return {};
    // Headroom for listeners, files being sent or received, and the loop's own.
    auto wanted = static_cast<rlim_t>(max_connections) * 2 + 64;
    if (limit.rlim_cur >= wanted) return {};
    limit.rlim_cur = limit.rlim_max == RLIM_INFINITY ? wanted : std::min(wanted, limit.rlim_max);
    setrlimit(RLIMIT_NOFILE, &limit);
    if (limit.rlim_cur >= wanted) return {};
    return "max_connections = " + std::to_string(max_connections) + " needs " +
           std::to_string(wanted) + " file descriptors, the limit is " +
           std::to_string(limit.rlim_cur) + ": connections beyond about " +
           std::to_string(limit.rlim_cur > 64 ? (limit.rlim_cur - 64) / 2 : 0) + " will fail";
}

// What -t and -r check before anything is stopped or started: the config's files and
// directories, as the user the daemon will serve as. "" or one line; `checked_as` says whose
// permissions were used.
std::string check_service(const Config& config, std::string& checked_as) {
    const auto& server = config.server;
    const bool root = geteuid() == 0;
    // In the order the daemon meets them at start-up: paths as root, then the refusal.
    if (root && server.user.empty() && !server.allow_root && !config.source.empty()) {
        if (auto error = check_paths(config); !error.empty()) return error;
        return "refusing to serve clients as root: set [server] user (or allow_root = true)";
    }
    if (!server.user.empty()) {
        std::string error;
        auto account = resolve_account(server.user, server.group, error);
        if (!account) return error;
        if (root) {
            checked_as = describe(*account);
            auto failure = check_as(*account, [&config] { return check_paths(config); });
            return failure.empty() ? failure : "as user " + account->user_name + ": " + failure;
        }
        if (account->uid != geteuid()) {
            checked_as = "uid " + std::to_string(geteuid()) + ", not as user " +
                         account->user_name + " (only root can check as another user)";
        }
    }
    if (checked_as.empty()) checked_as = root ? "root" : "uid " + std::to_string(geteuid());
    return check_paths(config);
}

// Where the log goes once the daemon runs; said on the terminal before detaching when the
// lines would be lost.
void choose_log_destination(const LogSection& log, bool detached) {
    auto destination = log.destination;
    if (destination == LogDestination::automatic) {
        destination = detached ? LogDestination::syslog : LogDestination::stderr_stream;
    }
    if (detached && destination == LogDestination::syslog && !syslog_socket_available()) {
        std::fprintf(stderr,
                     "clipshared: warning: no syslog daemon listens on /dev/log: the detached "
                     "daemon's messages are lost (set [log] file, or run it with -D under a "
                     "supervisor)\n");
    }
    if (detached && destination == LogDestination::stderr_stream) {
        std::fprintf(stderr,
                     "clipshared: warning: [log] destination = \"stderr\" while detached: the "
                     "daemon's messages are lost (use -D, syslog or a file)\n");
    }
    if (destination == LogDestination::syslog) log_use_syslog(true);
}

// --import-conf: 0 when everything the file says was carried over (keys that have no
// equivalent are only named), 1 when the file cannot be read or a line was lost.
int import_conf(const std::filesystem::path& file) {
    int error = 0;
    auto text = read_whole_file(file, error);
    if (!text) {
        std::fprintf(stderr, "clipshared: error: %s: %s\n", file.c_str(), std::strerror(error));
        return 1;
    }
    auto imported = import_upstream_conf(*text, file.string());
    std::fputs(imported.toml.c_str(), stdout);
    for (const auto& note : imported.notes) {
        std::fprintf(stderr, "clipshared: %s\n", note.c_str());
    }
    return imported.lossy ? 1 : 0;
}

int serve(const Options& options, Config config) {
    auto descriptor_warning = raise_descriptor_limit(config.server.max_connections);
    std::optional<Detacher> detacher;
    std::optional<std::filesystem::path> pidfile_path = options.pidfile;
    if (!options.foreground) {
        if (!pidfile_path) pidfile_path = default_pidfile();
        choose_log_destination(config.log, true);
        detacher.emplace(Detacher::detach());
    } else {
        choose_log_destination(config.log, false);
    }
    auto fail = [&](const std::string& line) {
        if (detacher) {
            detacher->failed(line);
        } else {
            std::fprintf(stderr, "clipshared: error: %s\n", line.c_str());
        }
        return 1;
    };

    // Opened before privileges are dropped, like a port: the file may be root's to create.
    if (config.log.destination == LogDestination::file) {
        if (auto error = log_use_file(config.log.file); !error.empty()) return fail(error);
    }
    if (!descriptor_warning.empty()) LOG_WARN("%s", descriptor_warning.c_str());

    std::optional<Pidfile> pidfile;
    if (pidfile_path) {
        std::string error;
        std::optional<std::pair<uid_t, gid_t>> owner;
        if (geteuid() == 0 && !config.server.user.empty()) {
            if (auto account = resolve_account(config.server.user, config.server.group, error)) {
                owner.emplace(account->uid, account->gid);
            } else {
                return fail(error);
            }
        }
        if (auto created = Pidfile::create(*pidfile_path, error, owner)) {
            pidfile.emplace(std::move(*created));
        } else {
            return fail(error);
        }
    }

    auto config_file = config.source;
    // Started on built-in defaults, a reload keeps them: there is no file to re-read. A level
    // given with -l outlives reloads.
    auto reloader = [config_file, defaults = config, level = options.log_level] {
        auto result =
            config_file.empty() ? ConfigResult{defaults, {}} : load_config_file(config_file);
        if (result.config && level) result.config->log.level = *level;
        return result;
    };
    Server server{std::move(config), reloader};
    if (auto error = server.start(); !error.empty()) return fail(error);
    LOG_INFO("clipshared %s ready (%s)", CLIPSHARE_VERSION,
             config_file.empty() ? "built-in defaults" : config_file.c_str());
    if (detacher) detacher->ready();
    return server.run();
}

}  // namespace

int main(int argc, char** argv) {
    auto options = parse_options(argc, argv);
    if (!options) return 1;
    if (options->help) {
        std::fputs(usage_text, stdout);
        return 0;
    }
    if (options->version) {
        std::printf("clipshared %s\n", CLIPSHARE_VERSION);
        return 0;
    }
    if (options->import_conf) return import_conf(*options->import_conf);
    if (options->stop) return stop_instance(options->pidfile.value_or(default_pidfile()), 30);

    ConfigResult loaded = load_config(options->config_file);
    if (!loaded.config) {
        std::fprintf(stderr, "clipshared: error: %s\n", loaded.error.c_str());
        return 1;
    }
    if (options->log_level) loaded.config->log.level = *options->log_level;
    log_set_level(loaded.config->log.level);
    if (options->check || options->restart) {
        // A restart checks first: a daemon that works is never stopped for one that would not
        // start. (A port held by the old daemon is the one thing that cannot be checked.)
        std::string checked_as;
        if (auto error = check_service(*loaded.config, checked_as); !error.empty()) {
            std::fprintf(stderr, "clipshared: error: %s%s\n", error.c_str(),
                         options->restart ? " (the running instance was left alone)" : "");
            return 1;
        }
        if (options->check) {
            std::fputs(describe_config(*loaded.config).c_str(), stdout);
            std::printf("\n# Checked as %s.\n", checked_as.c_str());
            return 0;
        }
    }
    if (options->restart) {
        int stopped = stop_instance(options->pidfile.value_or(default_pidfile()), 30);
        if (stopped != 0) return stopped;
    }
    std::signal(SIGPIPE, SIG_IGN);
    // Past RLIMIT_FSIZE a write should fail with EFBIG (and end one upload cleanly), not
    // kill the daemon.
    std::signal(SIGXFSZ, SIG_IGN);
    return serve(*options, std::move(*loaded.config));
}
