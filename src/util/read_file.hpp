// Reading a whole small file (certificates, keys, name lists) with the real errno on failure,
// so that start-up errors can say "Permission denied" rather than "cannot read".
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace clipshare {

// The file's bytes, or nothing with `error` set to the errno value.
std::optional<std::string> read_whole_file(const std::filesystem::path& file, int& error);

}  // namespace clipshare
