#include "support/temp_dir.hpp"

#include <unistd.h>

#include <atomic>
#include <random>
#include <stdexcept>
#include <string>
#include <system_error>

namespace clipshare::test {
namespace fs = std::filesystem;

TempDir::TempDir(std::string_view prefix) {
    // Unique across parallel test programs (pid), within one (counter) and across reruns
    // that reuse a pid (random).
    static std::atomic<unsigned> counter{0};
    std::random_device random;
    for (int attempt = 0; attempt < 100; ++attempt) {
        auto candidate = fs::temp_directory_path() /
                         (std::string{prefix} + "-" + std::to_string(::getpid()) + "-" +
                          std::to_string(counter++) + "-" + std::to_string(random()));
        std::error_code error;
        if (fs::create_directory(candidate, error)) {
            path_ = candidate;
            return;
        }
    }
    throw std::runtime_error("cannot create a temporary directory");
}

TempDir::~TempDir() {
    // A test may have made the directory unwritable: make it writable so everything can go.
    std::error_code ignored;
    fs::permissions(path_, fs::perms::owner_all, fs::perm_options::add, ignored);
    fs::remove_all(path_, ignored);
}

}  // namespace clipshare::test
