// The headers of a POSIX tar stream (ustar, with a pax extended header in front when a name
// or a size does not fit ustar's fields), for a folder downloaded as one .tar. Pure: bytes
// in, bytes out; the content and its padding are the caller's to send.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace clipshare {

inline constexpr std::size_t tar_block = 512;

// The header block(s) of one entry: a file of `size` bytes, or (size < 0) a directory.
// `name` is relative and '/'-separated; a directory's gets its trailing '/'. `mtime` is
// in seconds since the epoch.
std::vector<std::uint8_t> tar_entry_header(std::string_view name, std::int64_t size,
                                           std::int64_t mtime);

// Zero bytes that take `size` bytes of content up to a whole block.
std::size_t tar_padding(std::int64_t size);

// The end of the archive: two zero blocks.
std::vector<std::uint8_t> tar_end();

}  // namespace clipshare
