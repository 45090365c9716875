// A fresh directory under the system's temporary directory, removed with everything in it
// when the object goes. Tests of every kind use it, so there is one of it.
#pragma once

#include <filesystem>
#include <string_view>

namespace clipshare::test {

class TempDir {
public:
    // `prefix` starts the directory's name, so a leftover says which test made it.
    explicit TempDir(std::string_view prefix = "clipshare-test");
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
};

}  // namespace clipshare::test
