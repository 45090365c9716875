// Whole-file reads and writes for tests that set up or inspect a directory.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace clipshare::test {

// The file's bytes; empty when it cannot be read.
std::string read_file(const std::filesystem::path& path);
// Replaces the file with `content`, creating its parent directories.
void write_file(const std::filesystem::path& path, std::string_view content);

}  // namespace clipshare::test
