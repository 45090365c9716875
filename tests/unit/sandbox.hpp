// A temporary directory with a "target" directory inside it, so that a test can check that
// nothing appeared next to the target either. Removed with everything in it.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <random>
#include <set>
#include <string>
#include <system_error>

namespace clipshare::test {

class Sandbox {
public:
    Sandbox() {
        std::random_device random;
        root_ = std::filesystem::temp_directory_path() /
                ("clipshare-sandbox-" + std::to_string(getpid()) + "-" + std::to_string(random()));
        std::filesystem::create_directories(root_ / "target");
    }
    ~Sandbox() {
        std::error_code ignored;
        std::filesystem::remove_all(root_, ignored);
    }
    Sandbox(const Sandbox&) = delete;
    Sandbox& operator=(const Sandbox&) = delete;

    std::filesystem::path root() const { return root_; }
    std::filesystem::path target() const { return root_ / "target"; }
    // Every path below the root, relative to it.
    std::set<std::string> everything() const {
        std::set<std::string> out;
        for (const auto& item : std::filesystem::recursive_directory_iterator(root_)) {
            out.insert(item.path().lexically_relative(root_).string());
        }
        return out;
    }

private:
    std::filesystem::path root_;
};

}  // namespace clipshare::test
