// What a client may call a file it sends us (SPEC.md section 5). Everything that reaches the
// disk has passed through normalize_received_path first.
#pragma once

#include <string>
#include <string_view>

namespace clipshare {

inline constexpr std::size_t max_name_length = 2048;

struct ReceivedPath {
    std::string path;   // relative, '/'-separated, no empty/./.. segment; empty on error
    std::string error;  // why the name was refused
    bool ok() const { return error.empty(); }
};

// v1 keeps only the base name. v2+: one leading '/' is stripped, one trailing '/' is allowed
// on a directory. Refused: length outside 1..2048, invalid UTF-8, bytes below 0x20, '\',
// empty segments, "." and "..".
ReceivedPath normalize_received_path(std::string_view raw, int version, bool is_directory);

}  // namespace clipshare
