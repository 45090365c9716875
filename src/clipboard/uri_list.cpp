#include "clipboard/uri_list.hpp"

namespace clipshare {
namespace {

bool unreserved(unsigned char byte) {
    return (byte >= 'A' && byte <= 'Z') || (byte >= 'a' && byte <= 'z') ||
           (byte >= '0' && byte <= '9') || byte == '-' || byte == '.' || byte == '_' || byte == '~';
}

int hex_value(char digit) {
    if (digit >= '0' && digit <= '9') return digit - '0';
    if (digit >= 'a' && digit <= 'f') return digit - 'a' + 10;
    if (digit >= 'A' && digit <= 'F') return digit - 'A' + 10;
    return -1;
}

bool starts_with_ignoring_case(std::string_view text, std::string_view prefix) {
    if (text.size() < prefix.size()) return false;
    for (std::size_t i = 0; i < prefix.size(); ++i) {
        char a = text[i];
        if (a >= 'A' && a <= 'Z') a = static_cast<char>(a - 'A' + 'a');
        if (a != prefix[i]) return false;
    }
    return true;
}

}  // namespace

std::string percent_encode_path(std::string_view path) {
    static constexpr char digits[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(path.size());
    for (char ch : path) {
        auto byte = static_cast<unsigned char>(ch);
        if (unreserved(byte) || byte == '/') {
            out += ch;
        } else {
            out += '%';
            out += digits[byte >> 4];
            out += digits[byte & 0x0f];
        }
    }
    return out;
}

std::optional<std::string> percent_decode(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '%') {
            out += text[i];
            continue;
        }
        if (i + 2 >= text.size()) return std::nullopt;
        int high = hex_value(text[i + 1]);
        int low = hex_value(text[i + 2]);
        if (high < 0 || low < 0) return std::nullopt;
        out += static_cast<char>(high * 16 + low);
        i += 2;
    }
    if (out.find('\0') != std::string::npos) return std::nullopt;
    return out;
}

std::string file_uri(const std::filesystem::path& path) {
    return "file://" + percent_encode_path(path.native());
}

std::optional<std::filesystem::path> path_from_file_uri(std::string_view uri) {
    constexpr std::string_view scheme = "file://";
    if (!starts_with_ignoring_case(uri, scheme)) return std::nullopt;
    uri.remove_prefix(scheme.size());
    auto slash = uri.find('/');
    if (slash == std::string_view::npos) return std::nullopt;
    auto host = uri.substr(0, slash);
    // Another machine's file cannot be opened here, whatever its path says.
    if (!host.empty() && !(host.size() == 9 && starts_with_ignoring_case(host, "localhost"))) {
        return std::nullopt;
    }
    auto decoded = percent_decode(uri.substr(slash));
    if (!decoded) return std::nullopt;
    // A top-level item is named by its last segment: drop "." and "..", a trailing '/'.
    std::filesystem::path path = std::filesystem::path(*decoded).lexically_normal();
    if (!path.has_filename() && path.has_relative_path()) path = path.parent_path();
    if (!path.has_filename()) return std::nullopt;  // "/" itself has no name to send it by
    return path;
}

std::optional<FileList> parse_file_list(std::string_view text) {
    FileList list;
    bool first = true;
    while (!text.empty()) {
        auto end = text.find('\n');
        auto line = text.substr(0, end);
        text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (first && (line == "copy" || line == "cut")) {
            list.cut = line == "cut";
            first = false;
            continue;
        }
        first = false;
        if (line.empty() || line.front() == '#') continue;
        if (auto path = path_from_file_uri(line)) list.paths.push_back(std::move(*path));
    }
    if (list.paths.empty()) return std::nullopt;
    return list;
}

std::string format_file_list(const FileList& list) {
    std::string out = list.cut ? "cut" : "copy";
    for (const auto& path : list.paths) {
        out += '\n';
        out += file_uri(path);
    }
    return out;
}

}  // namespace clipshare
