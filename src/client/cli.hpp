// The clipshare command line, parsed into plain data (and checked) without doing anything,
// so that every rule of clipshare(1) is unit-testable.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace clipshare::client {

enum class Command {
    help,
    version,
    scan,
    info,
    get_text,
    send_text,
    get_files,
    send_files,
    send_clipboard,
    get_image,
    screenshot,
    get_any,
};

struct Options {
    Command command = Command::help;
    std::string host;
    std::vector<std::string> operands;  // what follows HOST (TEXT, DIR, FILE, PATH...)

    std::optional<std::uint16_t> port;
    bool tls = false;
    std::string certificate;  // --cert and --key come together, or neither
    std::string key;
    std::string ca;           // required with --tls
    std::string server_name;  // --server-name: the server certificate's exact CN
    std::optional<int> proto;
    std::optional<int> timeout_ms;
    bool quiet = false;

    std::int64_t display = 0;  // screenshot
    std::string desktop;       // send-clipboard: "x11", "wayland" or "" (from the environment)
    bool copied_only = false;  // get-image
    // get-image, screenshot: -o FILE, which also lets "-o -" write an image to a terminal.
    // The file is in operands too, as if given there.
    std::optional<std::string> output;
    std::vector<std::string> scan_targets;  // as typed: ADDRESS or ADDRESS:PORT
    std::size_t max_servers = 0;
    bool json = false;  // scan --json
};

struct ParsedCommandLine {
    std::optional<Options> options;
    std::string error;  // set when options is empty: one line for the user
};

// `arguments` excludes the program name.
ParsedCommandLine parse_command_line(const std::vector<std::string>& arguments);

extern const char* const usage_text;

// Every command's name, in the order of the help text (which must list each of them: the bash
// completion reads them from there).
std::vector<std::string> command_names();

inline constexpr int default_timeout_ms = 30000;
inline constexpr int default_scan_wait_ms = 1000;

}  // namespace clipshare::client
