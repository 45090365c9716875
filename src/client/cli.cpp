#include "client/cli.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <optional>
#include <string_view>

#include "build_config.hpp"
#include "client/address.hpp"

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
    {"send-clipboard", Command::send_clipboard, true, 0, 0},
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
    "send-clipboard HOST",
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
    opt_desktop,
    opt_to,
    opt_max,
    opt_json,
};

}  // namespace

const char* const usage_text =
    "Usage: clipshare [OPTION]... COMMAND [ARGUMENT]...\n"
    "ClipShare client: finds ClipShare servers and exchanges clipboard text, files and\n"
    "images with them. HOST may carry its port: HOST:PORT, [IPv6]:PORT.\n"
    "\n"
    "Commands:\n"
    "  scan                      list the servers on the LAN (UDP discovery)\n"
    "  info HOST                 check that HOST is a ClipShare server, show its details\n"
    "  get-text HOST             print the server's clipboard text\n"
    "  send-text HOST [TEXT|-]   set the server's clipboard text (- or none: stdin)\n"
    "  get-files HOST [DIR]      save the server's copied files into DIR (default .)\n"
    "  send-files HOST PATH...   send files and directories\n"
    "  send-clipboard HOST       send what is copied on this desktop (text, files, image)\n"
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
    "      --desktop x11|wayland\n"
    "                        send-clipboard: the desktop to read (default: from\n"
    "                        WAYLAND_DISPLAY, else DISPLAY)\n"
    "      --to ADDRESS      scan: ask only ADDRESS (repeatable) instead of the whole LAN\n"
    "      --max N           scan: stop as soon as N servers answered\n"
    "      --json            scan: print one JSON array of the servers found\n"
    "  -o, --output FILE     get-image, screenshot: save as FILE, instead of the FILE\n"
    "                        argument; -o - writes to stdout even if it is a terminal\n"
    "  -h, --help            print this help and exit\n"
    "  -v, --version         print the version and exit\n"
    "\n"
    "Exit status: 0 ok, 1 local error, 2 usage, 3 connection, 4 TLS, 5 no common version,\n"
    "6 no data (scan: no server), 7 unknown method, 8 method disabled or not implemented,\n"
    "9 bad response, 10 upload not confirmed, 130 interrupted. See clipshare(1).\n";

namespace {

struct OptionSpec {
    const char* long_name;
    char short_name;  // 0: long only
    int id;
    bool takes_value;
};

// One option a line reads better than clang-format's packing.
// clang-format off
constexpr OptionSpec option_specs[] = {
    {"port", 'p', 'p', true},
    {"timeout", 't', 't', true},
    {"quiet", 'q', 'q', false},
    {"help", 'h', 'h', false},
    {"version", 'v', 'v', false},
    {"tls", 0, opt_tls, false},
    {"cert", 0, opt_cert, true},
    {"key", 0, opt_key, true},
    {"ca", 0, opt_ca, true},
    {"server-name", 0, opt_server_name, true},
    {"proto", 0, opt_proto, true},
    {"display", 0, opt_display, true},
    {"copied", 0, opt_copied, false},
    {"desktop", 0, opt_desktop, true},
    {"to", 0, opt_to, true},
    {"max", 0, opt_max, true},
    {"json", 0, opt_json, false},
    {"output", 'o', 'o', true},
};
// clang-format on

// One option as the user wrote it, for messages: "--port", "-p".
std::string shown(const OptionSpec& spec, bool as_long) {
    return as_long ? std::string{"--"} + spec.long_name : std::string{"-"} + spec.short_name;
}

// A long option by its full name or an unambiguous prefix (as getopt_long allowed).
const OptionSpec* find_long(std::string_view name, bool& ambiguous) {
    const OptionSpec* found = nullptr;
    ambiguous = false;
    for (const auto& spec : option_specs) {
        std::string_view candidate{spec.long_name};
        if (candidate == name) return &spec;
        if (candidate.substr(0, name.size()) == name) {
            ambiguous = found != nullptr;
            found = &spec;
        }
    }
    return ambiguous ? nullptr : found;
}

const OptionSpec* find_short(char name) {
    for (const auto& spec : option_specs) {
        if (spec.short_name == name) return &spec;
    }
    return nullptr;
}

// HOST:PORT and -p name one port: two different ones are a mistake, not a choice.
std::optional<std::string> port_conflict(std::optional<std::uint16_t> option,
                                         std::optional<std::uint16_t> in_address,
                                         const std::string& typed) {
    if (!option || !in_address || *option == *in_address) return std::nullopt;
    return "'" + typed + "' names port " + std::to_string(*in_address) + " but -p/--port says " +
           std::to_string(*option);
}

}  // namespace

std::vector<std::string> command_names() {
    std::vector<std::string> names;
    for (const auto& command : commands) names.emplace_back(command.name);
    return names;
}

// Parsed by hand rather than with getopt_long: getopt reports an unknown option by the
// argument before it once it has permuted the command line ("clipshare send-text HOST
// -dash" said "unknown option HOST"), and every message here must name the argument that is
// wrong, as the user typed it. Options may still come before or after the command, values
// as "--port 80", "--port=80" or "-p80", short flags grouped ("-qv"), and "--" ends them.
ParsedCommandLine parse_command_line(const std::vector<std::string>& arguments) {
    Options options;
    bool help = false;
    bool version = false;
    bool display_given = false;
    auto error = [](std::string text) { return ParsedCommandLine{std::nullopt, std::move(text)}; };
    // Text that starts with '-' is taken for an option; say how to send it.
    const std::string dash_hint =
        " (see clipshare -h; put -- before an argument that starts with '-')";

    std::vector<std::string> words;
    std::optional<std::string> first_error;
    for (std::size_t i = 0; i < arguments.size(); ++i) {
        const std::string& argument = arguments[i];
        if (argument == "--") {
            words.insert(words.end(), arguments.begin() + static_cast<std::ptrdiff_t>(i) + 1,
                         arguments.end());
            break;
        }
        if (argument.size() < 2 || argument[0] != '-') {
            words.push_back(argument);  // "-" alone is an operand: standard input
            continue;
        }
        // The options of this argument, each with its value if it takes one.
        std::vector<std::pair<const OptionSpec*, std::optional<std::string>>> found;
        std::vector<std::string> names;
        if (argument.rfind("--", 0) == 0) {
            auto equals = argument.find('=');
            std::string name =
                argument.substr(2, equals == std::string::npos ? std::string::npos : equals - 2);
            bool ambiguous = false;
            const OptionSpec* spec = find_long(name, ambiguous);
            if (!spec) {
                if (!first_error) {
                    first_error = (ambiguous ? "ambiguous option '" : "unknown option '") +
                                  argument.substr(0, equals) + "'" + dash_hint;
                }
                continue;
            }
            std::optional<std::string> value;
            if (equals != std::string::npos) {
                if (!spec->takes_value) {
                    if (!first_error) {
                        first_error = "option --" + std::string{spec->long_name} +
                                      " takes no value (in '" + argument + "')";
                    }
                    continue;
                }
                value = argument.substr(equals + 1);
            }
            found.emplace_back(spec, value);
            names.push_back(shown(*spec, true));
        } else {
            for (std::size_t at = 1; at < argument.size(); ++at) {
                const OptionSpec* spec = find_short(argument[at]);
                if (!spec) {
                    if (!first_error) {
                        first_error = "unknown option '-" + std::string(1, argument[at]) + "'" +
                                      (argument.size() > 2 ? " in '" + argument + "'" : "") +
                                      dash_hint;
                    }
                    break;
                }
                names.push_back(shown(*spec, false));
                if (spec->takes_value && at + 1 < argument.size()) {
                    found.emplace_back(spec, argument.substr(at + 1));  // "-p80"
                    break;
                }
                found.emplace_back(spec, std::nullopt);
            }
        }
        for (std::size_t k = 0; k < found.size(); ++k) {
            auto& [spec, value] = found[k];
            if (spec->takes_value && !value) {
                if (i + 1 >= arguments.size()) {
                    if (!first_error) first_error = "option " + names[k] + " needs an argument";
                    continue;
                }
                value = arguments[++i];
            }
            if (first_error) continue;  // keep scanning only for -h and -v
            std::string text = value.value_or("");
            switch (spec->id) {
                case 'p': {
                    auto port = parse_int<int>(text, 1, 65535);
                    if (!port)
                        first_error = "--port needs a number from 1 to 65535, not '" + text + "'";
                    else
                        options.port = static_cast<std::uint16_t>(*port);
                    break;
                }
                case 't': {
                    auto timeout = parse_seconds(text);
                    if (!timeout) {
                        first_error =
                            "--timeout needs a number of seconds (up to 86400), not '" + text + "'";
                    } else {
                        options.timeout_ms = *timeout;
                    }
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
                    options.certificate = text;
                    break;
                case opt_key:
                    options.key = text;
                    break;
                case opt_ca:
                    options.ca = text;
                    break;
                case opt_server_name:
                    options.server_name = text;
                    break;
                case opt_proto: {
                    auto proto = parse_int<int>(text, 1, 4);
                    if (!proto)
                        first_error = "--proto needs a version from 1 to 4, not '" + text + "'";
                    else
                        options.proto = *proto;
                    break;
                }
                case opt_display: {
                    auto display = parse_int<std::int64_t>(text, -1, 65536);
                    if (!display) {
                        first_error =
                            "--display needs a number from 1 to 65536 (0 or -1: the server's "
                            "default), not '" +
                            text + "'";
                    } else {
                        options.display = *display;
                        display_given = true;
                    }
                    break;
                }
                case opt_copied:
                    options.copied_only = true;
                    break;
                case 'o':
                    options.output = text;
                    break;
                case opt_json:
                    options.json = true;
                    break;
                case opt_desktop:
                    if (text != "x11" && text != "wayland")
                        first_error = "--desktop needs x11 or wayland, not '" + text + "'";
                    else
                        options.desktop = text;
                    break;
                case opt_to:
                    options.scan_targets.push_back(text);
                    break;
                case opt_max: {
                    auto max = parse_int<std::size_t>(text, 1, 1000000);
                    if (!max)
                        first_error = "--max needs a number from 1 to 1000000, not '" + text + "'";
                    else
                        options.max_servers = *max;
                    break;
                }
                default:
                    break;
            }
        }
        // -h and -v are seen even after an error, so they can still win below.
        for (auto& [spec, value] : found) {
            if (spec->id == 'h') help = true;
            if (spec->id == 'v') version = true;
        }
    }
    // -h and -v answer whatever else the command line holds.
    if (help || version) {
        options.command = help ? Command::help : Command::version;
        return {options, {}};
    }
    if (first_error) return error(*first_error);

    if (words.empty()) return error("no command given (see clipshare -h)");
    const CommandInfo* info = nullptr;
    std::size_t index = 0;
    for (const auto& candidate : commands) {
        if (words[0] == candidate.name) info = &candidate;
        if (!info) ++index;
    }
    if (!info) return error("unknown command '" + words[0] + "' (see clipshare -h)");
    options.command = info->command;
    const std::string usage = std::string{"(usage: clipshare "} + operand_usage[index] + ")";
    std::size_t next = 1;
    if (info->needs_host) {
        if (words.size() < 2) return error(words[0] + " needs a HOST " + usage);
        auto split = split_host_port(words[1]);
        if (!split.address) return error(split.error);
        if (auto conflict = port_conflict(options.port, split.address->port, words[1])) {
            return error(*conflict);
        }
        options.host = split.address->host;
        if (split.address->port) options.port = split.address->port;
        next = 2;
    }
    options.operands.assign(words.begin() + static_cast<std::ptrdiff_t>(next), words.end());
    const bool writes_image =
        info->command == Command::get_image || info->command == Command::screenshot;
    if (options.output && writes_image) {
        if (!options.operands.empty()) {
            return error("give " + words[0] + " its FILE once: '" + options.operands[0] +
                         "' or -o " + *options.output + ", not both");
        }
        options.operands.push_back(*options.output);
    }
    if (options.operands.size() < info->min_operands) {
        return error(words[0] + " needs more arguments " + usage);
    }
    if (options.operands.size() > info->max_operands) {
        return error("unexpected argument '" + options.operands[info->max_operands] + "' " + usage);
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
    if (!options.desktop.empty() && command != Command::send_clipboard) {
        return error("--desktop is for the send-clipboard command only");
    }
    if ((!options.scan_targets.empty() || options.max_servers != 0 || options.json) &&
        command != Command::scan) {
        return error("--to, --max and --json are for the scan command only");
    }
    if (options.output && !writes_image) {
        return error("-o/--output is for the get-image and screenshot commands only");
    }
    for (const auto& target : options.scan_targets) {
        auto split = split_host_port(target);
        if (!split.address) return error("scan --to: " + split.error);
        if (auto conflict = port_conflict(options.port, split.address->port, target)) {
            return error(*conflict);
        }
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
