#include "files/names.hpp"

#include "util/utf8.hpp"

namespace clipshare {
namespace {

ReceivedPath refuse(std::string why) {
    return {{}, std::move(why)};
}

}  // namespace

ReceivedPath normalize_received_path(std::string_view raw, int version, bool is_directory) {
    if (raw.empty()) return refuse("empty file name");
    if (raw.size() > max_name_length) return refuse("file name longer than 2048 bytes");
    for (char c : raw) {
        auto byte = static_cast<unsigned char>(c);
        if (byte < 0x20) return refuse("control byte in file name");
        if (c == '\\') return refuse("backslash in file name");
    }
    if (!is_valid_utf8(raw)) return refuse("file name is not valid UTF-8");

    std::string_view path = raw;
    if (version < 2) {
        // Version 1 has no folders: whatever the client sent, only the last part counts.
        auto slash = path.rfind('/');
        if (slash != std::string_view::npos) path.remove_prefix(slash + 1);
    } else {
        if (path.front() == '/') path.remove_prefix(1);
        if (is_directory && !path.empty() && path.back() == '/') path.remove_suffix(1);
    }
    if (path.empty()) return refuse("file name has no name part");

    std::size_t start = 0;
    while (start <= path.size()) {
        auto end = path.find('/', start);
        if (end == std::string_view::npos) end = path.size();
        auto segment = path.substr(start, end - start);
        if (segment.empty()) return refuse("empty segment in file name");
        if (segment == "." || segment == "..") return refuse("'.' or '..' in file name");
        start = end + 1;
    }
    return {std::string{path}, {}};
}

}  // namespace clipshare
