// clipshared: flags, configuration, detaching, and the server's run.
#include <getopt.h>
#include <sys/resource.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>

#include "build_config.hpp"
#include "config/load.hpp"
#include "server/server.hpp"
#include "util/daemon.hpp"
#include "util/log.hpp"

namespace {

using namespace clipshare;

constexpr const char* usage_text =
    "Usage: clipshared [OPTION]...\n"
    "ClipShare server: shares clipboard text, files and images with ClipShare clients.\n"
    "\n"
    "  -c, --config FILE    read this config file (default: search\n"
    "                       $XDG_CONFIG_HOME/clipshare, ~/.config/clipshare,\n"
    "                       " CLIPSHARE_SYSCONFDIR "/clipshare; else built-in defaults)\n"
    "  -D, --foreground     stay in the foreground, log to stderr\n"
    "  -d, --daemon         detach and log to syslog (the default)\n"
    "  -p, --pidfile FILE   write the pid to FILE (used by -s and -r)\n"
    "  -s, --stop           stop the running instance and exit\n"
    "  -r, --restart        stop the running instance, then start\n"
    "  -t, --check          validate the config, print the effective settings, exit\n"
    "  -v, --version        print the version and exit\n"
    "  -h, --help           print this help and exit\n"
    "\n"
    "See clipshared(8) and clipshared.toml(5).\n";

struct Options {
    std::optional<std::filesystem::path> config_file;
    std::optional<std::filesystem::path> pidfile;
    bool foreground = false;
    bool stop = false;
    bool restart = false;
    bool check = false;
    bool version = false;
    bool help = false;
};

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
        {"version", no_argument, nullptr, 'v'},
        {"help", no_argument, nullptr, 'h'},
        {nullptr, 0, nullptr, 0},
    };
    Options options;
    bool usage_error = false;
    opterr = 0;
    int opt;
    while ((opt = getopt_long(argc, argv, ":c:Ddp:srtvh", long_options, nullptr)) != -1) {
        switch (opt) {
            case 'c': options.config_file = optarg; break;
            case 'D': options.foreground = true; break;
            case 'd': options.foreground = false; break;
            case 'p': options.pidfile = optarg; break;
            case 's': options.stop = true; break;
            case 'r': options.restart = true; break;
            case 't': options.check = true; break;
            case 'v': options.version = true; break;
            case 'h': options.help = true; break;
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
    // -v and -h answer even when the rest of the command line is wrong.
    if (usage_error && !options.version && !options.help) return std::nullopt;
    return options;
}

// Each connection is a descriptor: let max_connections mean what it says, up to what the
// system allows, instead of stopping at the usual soft limit of 1024.
void raise_descriptor_limit(std::int64_t max_connections) {
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
    // Headroom for listeners, files being sent or received, and the loop's own.
    auto wanted = static_cast<rlim_t>(max_connections) * 2 + 64;
    if (limit.rlim_cur >= wanted) return;
    limit.rlim_cur = limit.rlim_max == RLIM_INFINITY ? wanted : std::min(wanted, limit.rlim_max);
    setrlimit(RLIMIT_NOFILE, &limit);
}

int serve(const Options& options, Config config) {
    raise_descriptor_limit(config.server.max_connections);
    std::optional<Detacher> detacher;
    std::optional<std::filesystem::path> pidfile_path = options.pidfile;
    if (!options.foreground) {
        if (!pidfile_path) pidfile_path = default_pidfile();
        detacher.emplace(Detacher::detach());
        log_use_syslog(true);
    }
    auto fail = [&](const std::string& line) {
        if (detacher) {
            detacher->failed(line);
        } else {
            std::fprintf(stderr, "clipshared: error: %s\n", line.c_str());
        }
        return 1;
    };

    std::optional<Pidfile> pidfile;
    if (pidfile_path) {
        std::string error;
        if (auto created = Pidfile::create(*pidfile_path, error)) {
            pidfile.emplace(std::move(*created));
        } else {
            return fail(error);
        }
    }

    auto config_file = config.source;
    // Started on built-in defaults, a reload keeps them: there is no file to re-read.
    auto reloader = [config_file, defaults = config] {
        return config_file.empty() ? ConfigResult{defaults, {}} : load_config_file(config_file);
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
    if (options->stop) return stop_instance(options->pidfile.value_or(default_pidfile()), 30);

    ConfigResult loaded = load_config(options->config_file);
    if (!loaded.config) {
        std::fprintf(stderr, "clipshared: error: %s\n", loaded.error.c_str());
        return 1;
    }
    if (options->check) {
        if (auto error = check_paths(*loaded.config); !error.empty()) {
            std::fprintf(stderr, "clipshared: error: %s\n", error.c_str());
            return 1;
        }
        std::fputs(describe_config(*loaded.config).c_str(), stdout);
        return 0;
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
