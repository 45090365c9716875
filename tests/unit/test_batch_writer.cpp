// BatchWriter on its own (the daemon drives it through DiskFiles, the client directly): the
// temporary directory, placement with numbered names, all or nothing, and its own refusal of
// paths that would leave the target even if a caller forgot to normalize them.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <span>
#include <string>

#include "files/batch_writer.hpp"
#include "sandbox.hpp"

namespace clipshare {
namespace {

namespace fs = std::filesystem;

using clipshare::test::Sandbox;

std::span<const std::uint8_t> bytes(std::string_view text) {
    return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

std::string write_file(BatchWriter& writer, const std::string& path, std::string_view content) {
    if (auto error = writer.begin_file(path, static_cast<std::int64_t>(content.size()));
        !error.empty()) {
        return error;
    }
    if (auto error = writer.write(bytes(content)); !error.empty()) return error;
    return writer.end_file();
}

TEST(BatchWriter, NothingIsVisibleBeforeCommit) {
    Sandbox sandbox;
    std::vector<PlacedItem> placed;
    {
        BatchWriter writer{sandbox.target()};
        EXPECT_EQ(write_file(writer, "a.txt", "a"), "");
        EXPECT_EQ(writer.add_directory("d/e"), "");
        // Only the hidden temporary directory exists so far.
        auto names = sandbox.everything();
        EXPECT_FALSE(names.count("target/a.txt"));
        EXPECT_EQ(writer.commit(placed), "");
    }
    ASSERT_EQ(placed.size(), 2u);
    EXPECT_EQ(placed[0].name, "a.txt");
    EXPECT_FALSE(placed[0].directory);
    EXPECT_EQ(placed[1].name, "d");
    EXPECT_TRUE(placed[1].directory);
    EXPECT_EQ(sandbox.everything(),
              (std::set<std::string>{"target", "target/a.txt", "target/d", "target/d/e"}));
}

TEST(BatchWriter, DestroyedUncommittedLeavesNothing) {
    Sandbox sandbox;
    auto before = sandbox.everything();
    {
        BatchWriter writer{sandbox.target()};
        EXPECT_EQ(write_file(writer, "x/y/z", "data"), "");
        EXPECT_EQ(writer.begin_file("half", 10), "");
        EXPECT_EQ(writer.write(bytes("12345")), "");
    }
    EXPECT_EQ(sandbox.everything(), before);
}

TEST(BatchWriter, TakenNamesGetNumbers) {
    Sandbox sandbox;
    std::ofstream{sandbox.target() / "a"} << "old";
    std::ofstream{sandbox.target() / "1_a"} << "older";
    BatchWriter writer{sandbox.target()};
    EXPECT_EQ(write_file(writer, "a", "new"), "");
    std::vector<PlacedItem> placed;
    EXPECT_EQ(writer.commit(placed), "");
    ASSERT_EQ(placed.size(), 1u);
    EXPECT_EQ(placed[0].name, "2_a");
    std::ifstream in{sandbox.target() / "2_a"};
    std::string content;
    in >> content;
    EXPECT_EQ(content, "new");
}

TEST(BatchWriter, NeverPlacesANameThatLooksLikeAnUnfinishedBatch) {
    // The daemon deletes ".clipshare-upload-*" at start-up as leftovers of interrupted
    // uploads: a user's file of that name must land under another name, or it would be lost.
    Sandbox sandbox;
    BatchWriter writer{sandbox.target()};
    std::string name = std::string{upload_dir_prefix} + "mine.txt";
    EXPECT_EQ(write_file(writer, name, "user data"), "");
    std::vector<PlacedItem> placed;
    EXPECT_EQ(writer.commit(placed), "");
    ASSERT_EQ(placed.size(), 1u);
    EXPECT_EQ(placed[0].name, "1_" + name);
    EXPECT_TRUE(fs::exists(sandbox.target() / ("1_" + name)));
}

TEST(BatchWriter, RefusesTraversalEvenUnnormalized) {
    for (const char* path : {"../x", "a/../../x", "/etc/x", "a//b", "./a", "a/.."}) {
        Sandbox sandbox;
        auto before = sandbox.everything();
        {
            BatchWriter writer{sandbox.target()};
            EXPECT_NE(write_file(writer, path, "x"), "") << path;
        }
        EXPECT_EQ(sandbox.everything(), before) << path;
    }
}

TEST(BatchWriter, AFailedStepPoisonsTheRest) {
    Sandbox sandbox;
    BatchWriter writer{sandbox.target()};
    EXPECT_EQ(writer.begin_file("a", 5), "");
    EXPECT_EQ(writer.write(bytes("abc")), "");
    std::string failure = writer.end_file();  // 3 bytes, not 5
    EXPECT_NE(failure.find("not 5"), std::string::npos) << failure;
    EXPECT_EQ(write_file(writer, "b", "b"), failure);
    std::vector<PlacedItem> placed;
    EXPECT_EQ(writer.commit(placed), failure);
    EXPECT_TRUE(placed.empty());
}

TEST(BatchWriter, MissingTargetIsReportedByName) {
    Sandbox sandbox;
    BatchWriter writer{sandbox.root() / "gone", "working_dir"};
    auto error = writer.add_directory("d");
    EXPECT_EQ(error.rfind("working_dir ", 0), 0u) << error;
}

TEST(BatchWriter, UncommitTakesThePlacedItemsBack) {
    Sandbox sandbox;
    std::ofstream{sandbox.target() / "kept"} << "user data";
    BatchWriter writer{sandbox.target()};
    EXPECT_EQ(write_file(writer, "kept", "batch"), "");
    EXPECT_EQ(write_file(writer, "dir/f", "batch"), "");
    std::vector<PlacedItem> placed;
    EXPECT_EQ(writer.commit(placed), "");
    writer.uncommit();
    EXPECT_EQ(sandbox.everything(), (std::set<std::string>{"target", "target/kept"}));
}

}  // namespace
}  // namespace clipshare
