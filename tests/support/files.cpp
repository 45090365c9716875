#include "support/files.hpp"

#include <fstream>
#include <sstream>

namespace clipshare::test {

std::string read_file(const std::filesystem::path& path) {
    std::ifstream in{path, std::ios::binary};
    std::ostringstream content;
    content << in.rdbuf();
    return content.str();
}

void write_file(const std::filesystem::path& path, std::string_view content) {
    if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path());
    std::ofstream{path, std::ios::binary | std::ios::trunc} << content;
}

}  // namespace clipshare::test
