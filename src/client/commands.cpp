#include "client/commands.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <iterator>
#include <memory>
#include <optional>
#include <string>

#include "build_config.hpp"
#include "client/address.hpp"
#include "client/desktop_clipboard.hpp"
#include "client/downloads.hpp"
#include "client/errors.hpp"
#include "client/negotiate.hpp"
#include "client/output.hpp"
#include "client/printable.hpp"
#include "client/scan.hpp"
#include "client/socket_channel.hpp"
#include "client/tls.hpp"
#include "client/uploads.hpp"

namespace clipshare::client {
namespace fs = std::filesystem;
namespace {

constexpr std::uint16_t plain_port = 4337;
constexpr std::uint16_t tls_port = 4338;

void print_line(const std::string& line) {
    std::printf("%s\n", line.c_str());
}

int run_scan(const Options& options) {
    ScanOptions scan_options;
    scan_options.port = options.port.value_or(plain_port);
    scan_options.targets = options.scan_targets;
    scan_options.wait =
        std::chrono::milliseconds(options.timeout_ms.value_or(default_scan_wait_ms));
    scan_options.max_servers = options.max_servers;
    ScanResult result = scan(scan_options);
    // JSON even when nobody answered: a script parses "[]" and still sees status 6.
    if (options.json) {
        std::fputs(scan_json(result.servers).c_str(), stdout);
    } else {
        for (const auto& server : result.servers) print_line(server.address);
    }
    if (!result.servers.empty()) return 0;
    // Unreachable targets (no IPv6 here, say) matter only when nobody answered.
    for (const auto& warning : result.warnings) {
        std::fprintf(stderr, "clipshare: warning: %s\n", warning.c_str());
    }
    // Name the ports asked: -p's (unless every --to gave its own) and those --to gave.
    std::vector<std::uint16_t> ports;
    auto add = [&](std::uint16_t port) {
        if (std::find(ports.begin(), ports.end(), port) == ports.end()) ports.push_back(port);
    };
    if (scan_options.targets.empty()) add(scan_options.port);
    for (const auto& target : scan_options.targets) {
        auto split = split_host_port(target);
        add(split.address && split.address->port ? *split.address->port : scan_options.port);
    }
    std::string listed;
    for (auto port : ports) listed += (listed.empty() ? "" : ", ") + std::to_string(port);
    fail(Exit::no_data, "no ClipShare server answered on UDP port" +
                            std::string{ports.size() > 1 ? "s " : " "} + listed);
}

std::string read_stdin() {
    std::string text{std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>()};
    if (std::cin.bad()) fail(Exit::failure, "cannot read standard input");
    return text;
}

// "-" is stdout; anything else a file replaced atomically. PNG bytes on a terminal garble it
// and help nobody: that takes -o - (`forced`), as an explicit request.
std::unique_ptr<ByteSink> image_sink(const std::string& target, bool forced) {
    if (target == "-") {
        if (!forced && isatty(STDOUT_FILENO)) {
            fail(Exit::usage,
                 "not writing a PNG image to a terminal: give a FILE, redirect standard "
                 "output, or use -o - to write it there anyway");
        }
        return std::make_unique<DescriptorSink>(STDOUT_FILENO, "standard output");
    }
    return std::make_unique<AtomicFileSink>(target);
}

fs::path directory_operand(const Options& options) {
    return options.operands.empty() ? fs::path{"."} : fs::path{options.operands[0]};
}

void print_placed(const fs::path& directory, const std::vector<std::string>& names) {
    for (const auto& name : names) print_line(printable((directory / name).string()));
}

// Everything that can fail without a server fails here, before connecting.
struct Prepared {
    std::shared_ptr<TlsClientContext> tls;      // --tls: certificates and keys, loaded
    std::string text;                           // send-text
    std::vector<fs::path> roots;                // send-files
    std::unique_ptr<ByteSink> image;            // get-image, screenshot
    std::unique_ptr<DirectoryFiles> directory;  // get-files, get-any
    std::unique_ptr<StagedImage> staged;        // send-clipboard: a copied image as a file
};

// send-clipboard: the desktop's content as what send-text or send-files would send.
void prepare_clipboard(const Options& options, Prepared& prepared) {
    auto content = read_desktop_clipboard(
        choose_desktop(options.desktop, std::getenv("WAYLAND_DISPLAY"), std::getenv("DISPLAY")));
    switch (content.kind) {
        case DesktopContent::Kind::text:
            prepared.text = std::move(content.text);
            if (auto why = check_text(prepared.text); !why.empty()) fail(Exit::failure, why);
            break;
        case DesktopContent::Kind::files: {
            std::vector<std::string> paths;
            for (const auto& path : content.files) paths.push_back(path.string());
            prepared.roots = upload_roots(paths);
            break;
        }
        case DesktopContent::Kind::image:
            prepared.staged = std::make_unique<StagedImage>(content.png);
            prepared.roots = {prepared.staged->file()};
            break;
    }
}

Prepared prepare(const Options& options) {
    Prepared prepared;
    if (options.tls) {
        prepared.tls =
            load_tls({options.certificate, options.key, options.ca, options.server_name});
    }
    switch (options.command) {
        case Command::send_text: {
            bool from_stdin = options.operands.empty() || options.operands[0] == "-";
            prepared.text = from_stdin ? read_stdin() : options.operands[0];
            if (auto why = check_text(prepared.text); !why.empty()) fail(Exit::failure, why);
            break;
        }
        case Command::send_files:
            prepared.roots = upload_roots(options.operands);
            break;
        case Command::send_clipboard:
            prepare_clipboard(options, prepared);
            break;
        case Command::get_image:
        case Command::screenshot:
            prepared.image = image_sink(options.operands[0], options.output.has_value());
            break;
        case Command::get_files:
        case Command::get_any:
            prepared.directory = std::make_unique<DirectoryFiles>(directory_operand(options));
            break;
        default:
            break;
    }
    return prepared;
}

int run_method(const Options& options, Conversation& conversation, Prepared& prepared) {
    auto progress = Progress::for_stderr(options.quiet);
    DescriptorSink stdout_sink{STDOUT_FILENO, "standard output"};
    switch (options.command) {
        case Command::info: {
            ServerInfo info = get_info(conversation);
            print_line("protocol_version=" + std::to_string(conversation.version()));
            for (const auto& line : info.details) print_line(printable(line));
            return 0;
        }
        case Command::get_text:
            get_text(conversation, stdout_sink);
            return 0;
        case Command::send_text:
            send_text(conversation, prepared.text);
            return 0;
        case Command::get_files:
            print_placed(directory_operand(options),
                         get_files(conversation, *prepared.directory, progress));
            return 0;
        case Command::send_clipboard:
            if (prepared.roots.empty()) {
                send_text(conversation, prepared.text);
                return 0;
            }
            [[fallthrough]];
        case Command::send_files: {
            UploadPlan plan = plan_upload(prepared.roots, conversation.version());
            for (const auto& warning : plan.warnings) {
                std::fprintf(stderr, "clipshare: warning: %s\n", warning.c_str());
            }
            send_files(conversation, plan.entries, progress);
            return 0;
        }
        case Command::get_image:
            get_image(conversation,
                      options.copied_only ? Method::get_copied_image : Method::get_image,
                      *prepared.image, progress);
            return 0;
        case Command::screenshot:
            get_screenshot(conversation, options.display, *prepared.image, progress);
            return 0;
        case Command::get_any: {
            AnyResult result = get_any(conversation, stdout_sink, *prepared.directory, progress);
            print_placed(directory_operand(options), result.placed);
            return 0;
        }
        default:
            return 0;
    }
}

int run_exchange(const Options& options) {
    Prepared prepared = prepare(options);
    std::uint16_t port = options.port.value_or(options.tls ? tls_port : plain_port);
    auto socket =
        SocketChannel::connect(options.host, port, options.timeout_ms.value_or(default_timeout_ms));
    std::string peer = socket->peer();
    std::unique_ptr<Channel> channel = std::move(socket);
    if (prepared.tls) channel = start_tls(std::move(channel), prepared.tls, peer);
    VersionRequest request;
    if (options.proto) request = {*options.proto, true};
    request.plain = !options.tls;
    int version = negotiate(*channel, request);
    Conversation conversation{*channel, version};
    return run_method(options, conversation, prepared);
}

}  // namespace

int run_command(const Options& options) {
    try {
        switch (options.command) {
            case Command::help:
                std::fputs(usage_text, stdout);
                return 0;
            case Command::version:
                std::printf("clipshare %s\n", CLIPSHARE_VERSION);
                return 0;
            case Command::scan:
                return run_scan(options);
            default:
                return run_exchange(options);
        }
    } catch (const ClientError& error) {
        std::fflush(stdout);
        std::fprintf(stderr, "clipshare: error: %s\n", error.what());
        return static_cast<int>(error.code());
    } catch (const std::exception& error) {
        std::fflush(stdout);
        std::fprintf(stderr, "clipshare: error: %s\n", error.what());
        return static_cast<int>(Exit::failure);
    }
}

}  // namespace clipshare::client
