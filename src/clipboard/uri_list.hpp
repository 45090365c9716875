// Copied files on a desktop clipboard travel as text: the x-special/gnome-copied-files target
// is a "copy" or "cut" line followed by one file:// URI per line; text/uri-list (RFC 2483) is
// the URIs alone, with CRLF line ends and '#' comment lines. These pure functions convert
// between such text and absolute paths, so the command backend never hands a shell a path.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace clipshare {

// Every byte except the unreserved characters of RFC 3986 and '/' becomes %XX, so any file
// name (spaces, '%', '#', non-UTF-8 bytes) survives the trip.
std::string percent_encode_path(std::string_view path);

// %XX becomes the byte; nothing when an escape is malformed or decodes to a NUL byte.
std::optional<std::string> percent_decode(std::string_view text);

// "file:///abs/path" with the path percent-encoded. `path` must be absolute.
std::string file_uri(const std::filesystem::path& path);

// The absolute path of "file:///p" or "file://localhost/p" (scheme and host compared without
// case). Nothing for other schemes, other hosts, relative or undecodable paths.
std::optional<std::filesystem::path> path_from_file_uri(std::string_view uri);

struct FileList {
    bool cut = false;  // the source asked for the files to be moved, not copied
    std::vector<std::filesystem::path> paths;
};

// Reads either format: an optional first line "copy" or "cut", then URIs one per line (LF or
// CRLF); empty lines, '#' comments and URIs that are not local files are skipped. Nothing
// when no local file remains.
std::optional<FileList> parse_file_list(std::string_view text);

// The gnome-copied-files form: "copy" or "cut", then one URI per line, no final newline.
std::string format_file_list(const FileList& list);

}  // namespace clipshare
