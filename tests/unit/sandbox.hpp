// A temporary directory with a "target" directory inside it, so that a test can check that
// nothing appeared next to the target either. Removed with everything in it.
#pragma once

#include <filesystem>
#include <set>
#include <string>

#include "support/temp_dir.hpp"

namespace clipshare::test {

class Sandbox {
public:
    Sandbox() : dir_{"clipshare-sandbox"} { std::filesystem::create_directories(target()); }

    std::filesystem::path root() const { return dir_.path(); }
    std::filesystem::path target() const { return root() / "target"; }
    // Every path below the root, relative to it.
    std::set<std::string> everything() const {
        std::set<std::string> out;
        for (const auto& item : std::filesystem::recursive_directory_iterator(root())) {
            out.insert(item.path().lexically_relative(root()).string());
        }
        return out;
    }

private:
    TempDir dir_;
};

}  // namespace clipshare::test
