#include "client/cli.hpp"

#include <getopt.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>

#include "build_config.hpp"

namespace clipshare::client {
namespace {

struct CommandInfo {
    const char* name;
    Command command;
    bool needs_host;
    std::size_t min_operands;
    std::size_t max_operands;  // after HOST
};

constexpr std::size_t many = static_cast<std::size_t>(-1);

constexpr CommandInfo commands[] = {
    {"scan", Command::scan, false, 0, 0},
    {"info", Command::info, true, 0, 0},
    {"get-text", Command::get_text, true, 0, 0},
    {"send-text", Command::send_text, true, 0, 1},
    {"get-files", Command::get_files, true, 0, 1},
    {"send-files", Command::send_files, true, 1, many},
    {"get-image", Command::get_image, true, 1, 1},
    {"screenshot", Command::screenshot, true, 1, 1},
    {"get-any", Command::get_any, true, 0, 1},
};

const char* const operand_usage[] = {
    "scan",
    "info HOST",
    "get-text HOST",
    "send-text HOST [TEXT|-]",
    "get-files HOST [DIR]",
    "send-files HOST PATH...",
    "get-image HOST FILE",
    "screenshot HOST FILE",
    "get-any HOST [DIR]",
};

template <typename Int>
std::optional<Int> parse_int(const std::string& text, Int low, Int high) {
    Int value{};
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc{} || end != text.data() + text.size() || value < low || value > high) {
        return std::nullopt;
    }
    return value;
}

std::optional<int> parse_seconds(const std::string& text) {
    char* end = nullptr;
    double seconds = std::strtod(text.c_str(), &end);
    if (text.empty() || *end != '\0' || !std::isfinite(seconds) || seconds <= 0 ||
        seconds > 86400) {
        return std::nullopt;
    }
    return std::max(1, static_cast<int>(std::lround(seconds * 1000)));
}

enum LongOnly {
    opt_tls = 1000,
    opt_cert,
    opt_key,
    opt_ca,
    opt_server_name,
    opt_proto,
    opt_display,
    opt_copied,
    opt_to,
    opt_max,
};

}  // namespace

const char* const usage_text =
    "Usage: clipshare [OPTION]... COMMAND [ARGUMENT]...\n"
    "ClipShare client: finds ClipShare servers and exchanges clipboard text, files and\n"
    "images with them.\n"
    "\n"
    "Commands:\n"
    "  scan                      list the servers on the LAN (UDP discovery)\n"
    "  info HOST                 check that HOST is a ClipShare server, show its details\n"
    "  get-text HOST             print the server's clipboard text\n"
    "  send-text HOST [TEXT|-]   set the server's clipboard text (- or none: stdin)\n"
    "  get-files HOST [DIR]      save the server's copied files into DIR (default .)\n"
    "  send-files HOST PATH...   send files and directories\n"
    "  get-image HOST FILE       save the copied image (else a screenshot) as FILE (- stdout)\n"
    "  screenshot HOST FILE      save a screenshot as FILE (- stdout)\n"
    "  get-any HOST [DIR]        whatever is copied: text to stdout, files/image into DIR\n"
    "\n"
    "Options:\n"
    "  -p, --port PORT       TCP port (default 4337, 4338 with --tls); scan: UDP port\n"
    "      --proto N         use exactly protocol version N (1-4); default: 4, or the\n"
    "                        lower version the server offers\n"
    "  -t, --timeout SECONDS give up on a silent server after this long (default 30);\n"
    "                        scan: how long to wait for answers (default 1)\n"
    "  -q, --quiet           no progress bar\n"
    "      --tls             use TLS; needs --ca, and --cert with --key for servers that\n"
    "                        want a client certificate (ClipShare servers do)\n"
    "      --ca FILE         the CA certificate (PEM) that signed the server's certificate\n"
    "      --cert FILE       the client certificate (PEM) to present\n"
    "      --key FILE        its private key (PEM, not encrypted)\n"
    "      --server-name NAME\n"
    "                        accept only a server whose certificate's CN is exactly NAME\n"
    "      --display N       screenshot: the display to capture (default 0: the server's)\n"
    "      --copied          get-image: only a copied image, never a screenshot\n"
    "      --to ADDRESS      scan: ask only ADDRESS (repeatable) instead of the whole LAN\n"
    "      --max N           scan: stop as soon as N servers answered\n"
    "  -h, --help            print this help and exit\n"
    "  -v, --version         print the version and exit\n"
    "\n"
    "Exit status: 0 ok, 1 local error, 2 usage, 3 connection, 4 TLS, 5 no common version,\n"
    "6 no data (scan: no server), 7 unknown method, 8 method disabled or not implemented,\n"
    "9 bad response, 10 upload not confirmed, 130 interrupted. See clipshare(1).\n";

ParsedCommandLine parse_command_line(const std::vector<std::string>& arguments) {
    static const option long_options[] = {
        {"port", required_argument, nullptr, 'p'},
        {"timeout", required_argument, nullptr, 't'},
        {"quiet", no_argument, nullptr, 'q'},
        {"help", no_argument, nullptr, 'h'},
        {"version", no_argument, nullptr, 'v'},
        {"tls", no_argument, nullptr, opt_tls},
        {"cert", required_argument, nullptr, opt_cert},
        {"key", required_argument, nullptr, opt_key},
        {"ca", required_argument, nullptr, opt_ca},
        {"server-name", required_argument, nullptr, opt_server_name},
        {"proto", required_argument, nullptr, opt_proto},
        {"display", required_argument, nullptr, opt_display},
        {"copied", no_argument, nullptr, opt_copied},
        {"to", required_argument, nullptr, opt_to},
        {"max", required_argument, nullptr, opt_max},
        {nullptr, 0, nullptr, 0},
    };
    std::vector<std::string> storage{"clipshare"};
    storage.insert(storage.end(), arguments.begin(), arguments.end());
    std::vector<char*> argv;
    for (auto& argument : storage) argv.push_back(argument.data());
    argv.push_back(nullptr);
    const int argc = static_cast<int>(storage.size());

    Options options;
    bool help = false;
    bool version = false;
    bool display_given = false;
    auto error = [](std::string text) { return ParsedCommandLine{std::nullopt, std::move(text)}; };

    optind = 0;  // GNU: start over (tests parse many command lines in one process)
    opterr = 0;
    int opt;
    // GNU getopt permutes: options may come before or after the command and its arguments;
    // "--" ends them (for text that starts with '-').
    while ((opt = getopt_long(argc, argv.data(), ":p:t:qhv", long_options, nullptr)) != -1) {
        std::string value = optarg != nullptr ? optarg : "";
        switch (opt) {
            case 'p': {
                auto port = parse_int<int>(value, 1, 65535);
                if (!port)
                    return error("--port needs a number from 1 to 65535, not '" + value + "'");
                options.port = static_cast<std::uint16_t>(*port);
                break;
            }
            case 't': {
                auto timeout = parse_seconds(value);
                if (!timeout) {
                    return error("--timeout needs a number of seconds (up to 86400), not '" +
                                 value + "'");
                }
                options.timeout_ms = *timeout;
                break;
            }
            case 'q':
                options.quiet = true;
                break;
            case 'h':
                help = true;
                break;
            case 'v':
                version = true;
                break;
            case opt_tls:
                options.tls = true;
                break;
            case opt_cert:
                options.certificate = value;
                break;
            case opt_key:
                options.key = value;
                break;
            case opt_ca:
                options.ca = value;
                break;
            case opt_server_name:
                options.server_name = value;
                break;
            case opt_proto: {
                auto proto = parse_int<int>(value, 1, 4);
                if (!proto)
                    return error("--proto needs a version from 1 to 4, not '" + value + "'");
                options.proto = *proto;
                break;
            }
            case opt_display: {
                auto display = parse_int<std::int64_t>(value, -1, 65536);
                if (!display) {
                    return error(
                        "--display needs a number from 1 to 65536 (0 or -1: the "
                        "server's default), not '" +
                        value + "'");
                }
                options.display = *display;
                display_given = true;
                break;
            }
            case opt_copied:
                options.copied_only = true;
                break;
            case opt_to:
                options.scan_targets.push_back(value);
                break;
            case opt_max: {
                auto max = parse_int<std::size_t>(value, 1, 1000000);
                if (!max)
                    return error("--max needs a number from 1 to 1000000, not '" + value + "'");
                options.max_servers = *max;
                break;
            }
            case ':':
                return error(std::string{"option "} + argv[optind - 1] + " needs an argument");
            default:
                return error(std::string{"unknown option "} + argv[optind - 1] +
                             " (see clipshare -h)");
        }
    }
    // -h and -v answer whatever else the command line holds.
    if (help || version) {
        options.command = help ? Command::help : Command::version;
        return {options, {}};
    }

    // getopt permuted argv (not storage): the non-options are now at its end.
    std::vector<std::string> words(argv.begin() + optind, argv.end() - 1);
    if (words.empty()) return error("no command given (see clipshare -h)");
    const CommandInfo* info = nullptr;
    std::size_t index = 0;
    for (const auto& candidate : commands) {
        if (words[0] == candidate.name) info = &candidate;
        if (!info) ++index;
    }
    if (!info) return error("unknown command '" + words[0] + "' (see clipshare -h)");
    options.command = info->command;
    std::size_t next = 1;
    if (info->needs_host) {
        if (words.size() < 2) return error(std::string{"usage: clipshare "} + operand_usage[index]);
        options.host = words[1];
        next = 2;
    }
    options.operands.assign(words.begin() + static_cast<std::ptrdiff_t>(next), words.end());
    if (options.operands.size() < info->min_operands ||
        options.operands.size() > info->max_operands) {
        return error(std::string{"usage: clipshare "} + operand_usage[index]);
    }

    // Options that mean something to one command only are refused elsewhere, rather than
    // silently ignored.
    const Command command = options.command;
    if (display_given && command != Command::screenshot) {
        return error("--display is for the screenshot command only");
    }
    if (options.copied_only && command != Command::get_image) {
        return error("--copied is for the get-image command only");
    }
    if ((!options.scan_targets.empty() || options.max_servers != 0) && command != Command::scan) {
        return error("--to and --max are for the scan command only");
    }
    if (command == Command::scan && (options.tls || options.proto)) {
        return error("--tls and --proto do not apply to scan (discovery is plain UDP)");
    }
    if (!options.tls && (!options.certificate.empty() || !options.key.empty() ||
                         !options.ca.empty() || !options.server_name.empty())) {
        return error("--cert, --key, --ca and --server-name need --tls");
    }
    // A build without TLS refuses --tls itself (status 4), whatever else is given.
    if (options.tls && CLIPSHARE_HAVE_TLS) {
        // Without a CA nothing could tell the server from an impostor.
        if (options.ca.empty()) {
            return error("--tls needs --ca FILE: the CA that signed the server's certificate");
        }
        if (options.certificate.empty() != options.key.empty()) {
            return error("--cert and --key go together: the certificate and its private key");
        }
    }
    return {options, {}};
}

}  // namespace clipshare::client
