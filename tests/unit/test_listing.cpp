// The streaming walk behind Get Files: the same entries in the same order as a whole listing
// would give, a bounded window of names however wide the directory, and no way out of the
// tree when a directory is swapped for a symlink while it is walked.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "files/listing.hpp"
#include "sandbox.hpp"

namespace clipshare {
namespace {

namespace fs = std::filesystem;
using clipshare::test::Sandbox;
using Listing = std::vector<std::pair<std::string, std::int64_t>>;

void write(const fs::path& path, const std::string& text) {
    fs::create_directories(path.parent_path());
    std::ofstream{path} << text;
}

// The listing as SPEC.md 4.3 defines it, written the obvious way: names sorted bytewise in
// each directory, depth first, empty directories (v3) after their (empty) walk.
void oracle_walk(const fs::path& dir, const std::string& prefix, int version, Listing& out) {
    std::vector<std::string> names;
    for (const auto& child : fs::directory_iterator(dir)) names.push_back(child.path().filename());
    std::sort(names.begin(), names.end());
    auto before = out.size();
    for (const auto& name : names) {
        auto status = fs::symlink_status(dir / name);
        if (fs::is_regular_file(status)) {
            out.emplace_back(prefix + "/" + name,
                             static_cast<std::int64_t>(fs::file_size(dir / name)));
        } else if (fs::is_directory(status)) {
            oracle_walk(dir / name, prefix + "/" + name, version, out);
        }
    }
    if (out.size() == before && version >= 3) out.emplace_back(prefix, -1);
}

Listing oracle(const std::vector<fs::path>& roots, int version) {
    auto sorted = roots;
    std::sort(sorted.begin(), sorted.end(),
              [](const auto& a, const auto& b) { return a.filename() < b.filename(); });
    Listing out;
    for (const auto& root : sorted) {
        auto status = fs::symlink_status(root);
        if (fs::is_regular_file(status)) {
            out.emplace_back(root.filename(), static_cast<std::int64_t>(fs::file_size(root)));
        } else if (fs::is_directory(status) && version >= 2) {
            oracle_walk(root, root.filename(), version, out);
        }
    }
    return out;
}

// Walks a few entries at a time, as the daemon does; notes the most it ever held.
Listing walk(const std::vector<fs::path>& roots, int version, std::size_t step = 7,
             std::size_t* most_held = nullptr, std::size_t max_depth = 1024) {
    TreeWalker walker{roots, version, max_depth};
    std::vector<FileEntry> entries;
    bool more = true;
    while (more) {
        more = walker.next(entries, step);
        if (most_held) *most_held = std::max(*most_held, walker.held_bytes());
    }
    Listing out;
    for (const auto& entry : entries) out.emplace_back(entry.name, entry.size);
    return out;
}

TEST(TreeWalker, MatchesTheWholeListingInEveryVersion) {
    Sandbox sandbox;
    auto root = sandbox.target();
    write(root / "d/b.txt", "b");
    write(root / "d/a/z.txt", "zz");
    fs::create_directories(root / "d/a/empty");
    fs::create_directories(root / "d/a-b/also-empty");
    write(root / "d/a-b/x", "x");
    fs::create_directories(root / "d/c/e1/e2");
    write(root / "top.txt", "top");
    fs::create_symlink(root / "top.txt", root / "d/link");
    std::vector<fs::path> roots{root / "top.txt", root / "d", root / "missing"};
    for (int version : {1, 2, 3, 4}) {
        for (std::size_t step : {1u, 2u, 1000u}) {
            EXPECT_EQ(walk(roots, version, step), oracle(roots, version)) << version << " " << step;
        }
    }
}

TEST(TreeWalker, AWideDirectoryGoesThroughABoundedWindow) {
    Sandbox sandbox;
    auto root = sandbox.target() / "wide";
    fs::create_directories(root);
    // 6,000 names of 30 bytes: about 10 windows' worth, in an order readdir does not give.
    for (int i = 0; i < 6000; ++i) {
        int scrambled = (i * 7919) % 6000;
        std::ofstream{root / ("file-with-a-thirty-byte-n" + std::to_string(10000 + scrambled))};
    }
    for (int i = 0; i < 50; ++i) write(root / ("sub" + std::to_string(i)) / "inside", "i");
    std::size_t most_held = 0;
    auto got = walk({root}, 3, 64, &most_held);
    EXPECT_EQ(got, oracle({root}, 3));
    EXPECT_EQ(got.size(), 6050u);
    // The whole directory's names would be about 400 KB.
    EXPECT_LT(most_held, 48u * 1024);
}

TEST(TreeWalker, EntriesDeeperThanTheLimitAreLeftOut) {
    Sandbox sandbox;
    auto root = sandbox.target();
    write(root / "d/1/2/3/deep.txt", "x");
    write(root / "d/shallow.txt", "y");
    TreeWalker walker{{root / "d"}, 3, 3};
    std::vector<FileEntry> entries;
    while (walker.next(entries, 100)) {
    }
    Listing got;
    for (const auto& entry : entries) got.emplace_back(entry.name, entry.size);
    // d/1/2 is at the limit; its content would be deeper.
    EXPECT_EQ(got, (Listing{{"d/1/2", -1}, {"d/shallow.txt", 1}}));
    EXPECT_EQ(walker.too_deep(), 1u);
}

TEST(TreeWalker, ADirectorySwappedForASymlinkLeadsNowhere) {
    Sandbox sandbox;
    auto root = sandbox.target();
    for (const char* dir : {"a", "b"}) {
        for (int i = 0; i < 20; ++i) {
            write(root / "d" / dir / ("f" + std::to_string(i)), "original");
        }
    }
    for (int i = 0; i < 20; ++i) {
        write(sandbox.root() / "secret" / ("f" + std::to_string(i)), "SECRET!!");
    }
    TreeWalker walker{{root / "d"}, 3, 1024};
    std::vector<FileEntry> entries;
    ASSERT_TRUE(walker.next(entries, 5));  // inside d/a now
    fs::remove_all(root / "d/b");
    fs::create_directory_symlink(sandbox.root() / "secret", root / "d/b");
    while (walker.next(entries, 5)) {
    }
    for (const auto& entry : entries) {
        EXPECT_EQ(entry.name.rfind("d/b/", 0), std::string::npos) << entry.name;
    }
    EXPECT_EQ(entries.size(), 20u);
}

TEST(TreeWalker, EntriesCarryWhereToOpenThemFrom) {
    Sandbox sandbox;
    write(sandbox.target() / "d/x/y.txt", "y");
    std::vector<FileEntry> entries;
    TreeWalker walker{{sandbox.target() / "d"}, 3, 1024};
    while (walker.next(entries, 10)) {
    }
    ASSERT_EQ(entries.size(), 1u);
    EXPECT_EQ(entries[0].base, sandbox.target());
    EXPECT_EQ(entries[0].relative, "d/x/y.txt");
    EXPECT_EQ(entries[0].source, sandbox.target() / "d/x/y.txt");
}

}  // namespace
}  // namespace clipshare
