// The store's file format, the batch plan, the Get Files listing and DiskFiles batches on a
// real directory (driven by a real libuv loop, no sockets).
#include <gtest/gtest.h>
#include <uv.h>

#include "clipboard/store.hpp"
#include "files/batch_plan.hpp"
#include "files/disk_files.hpp"
#include "files/listing.hpp"
#include "support/files.hpp"
#include "support/temp_dir.hpp"

namespace clipshare {
namespace {

namespace fs = std::filesystem;
using test::read_file;
using test::TempDir;
using test::write_file;

// ---- state file ----

TEST(StoreFormat, RoundTripsText) {
    StoreClipboard::Content content;
    content.kind = ContentKind::text;
    content.text = make_shared_bytes(std::string("line\nnext\n\n", 11));
    StoreClipboard::Content parsed;
    ASSERT_TRUE(StoreClipboard::parse(StoreClipboard::serialize(content), parsed));
    EXPECT_EQ(parsed.kind, ContentKind::text);
    ASSERT_TRUE(parsed.text);
    EXPECT_EQ(parsed.text->bytes, content.text->bytes);
}

TEST(StoreFormat, RoundTripsFiles) {
    StoreClipboard::Content content;
    content.kind = ContentKind::files;
    content.items = {{"dir", true, false}, {"1_a.png", false, true}, {"b c", false, false}};
    StoreClipboard::Content parsed;
    ASSERT_TRUE(StoreClipboard::parse(StoreClipboard::serialize(content), parsed));
    ASSERT_EQ(parsed.items.size(), 3u);
    EXPECT_TRUE(parsed.items[0].directory);
    EXPECT_TRUE(parsed.items[1].png);
    EXPECT_EQ(parsed.items[2].name, "b c");
}

TEST(StoreFormat, RefusesDamage) {
    StoreClipboard::Content parsed;
    EXPECT_FALSE(StoreClipboard::parse("", parsed));
    EXPECT_FALSE(StoreClipboard::parse("clipshare-state 2\ntext\nx", parsed));
    EXPECT_FALSE(StoreClipboard::parse("clipshare-state 1\nmystery\n", parsed));
    EXPECT_FALSE(StoreClipboard::parse("clipshare-state 1\nfiles\nf ../etc\n", parsed));
    EXPECT_FALSE(StoreClipboard::parse("clipshare-state 1\nfiles\nf a/b\n", parsed));
    EXPECT_FALSE(StoreClipboard::parse("clipshare-state 1\nfiles\nx name\n", parsed));
    EXPECT_FALSE(StoreClipboard::parse("clipshare-state 1\nfiles\nf unterminated", parsed));
}

// ---- batch plan ----

TEST(BatchPlan, TracksTopLevelInOrder) {
    BatchPlan plan;
    EXPECT_EQ(plan.add("b/x", false), "");
    EXPECT_EQ(plan.add("a", false), "");
    EXPECT_EQ(plan.add("b/y/z", false), "");
    EXPECT_EQ(plan.add("b/y", true), "");  // declared after being implied: fine once
    EXPECT_EQ(plan.top_level(), (std::vector<std::string>{"b", "a"}));
}

TEST(BatchPlan, RefusesConflicts) {
    BatchPlan plan;
    EXPECT_EQ(plan.add("f", false), "");
    EXPECT_NE(plan.add("f", false), "");
    EXPECT_NE(plan.add("f/g", false), "");
    EXPECT_NE(plan.add("f", true), "");
    EXPECT_EQ(plan.add("d", true), "");
    EXPECT_NE(plan.add("d", true), "");
    EXPECT_EQ(plan.add("d/x", false), "");
    EXPECT_NE(plan.add("d/x/y", true), "");
}

// ---- listing ----

TEST(Listing, SortedDepthFirstPerVersion) {
    TempDir dir;
    write_file(dir.path() / "root/b.txt", "b");
    write_file(dir.path() / "root/a/z.txt", "zz");
    fs::create_directories(dir.path() / "root/a/empty");
    fs::create_directories(dir.path() / "root/c");
    write_file(dir.path() / "top.txt", "top");
    fs::create_symlink(dir.path() / "top.txt", dir.path() / "root/link");
    std::vector<fs::path> roots{dir.path() / "top.txt", dir.path() / "root"};

    std::vector<FileEntry> v3;
    list_file_entries(roots, 3, v3);
    std::vector<std::pair<std::string, std::int64_t>> got;
    for (const auto& e : v3) got.emplace_back(e.name, e.size);
    std::vector<std::pair<std::string, std::int64_t>> expected{{"root/a/empty", -1},
                                                               {"root/a/z.txt", 2},
                                                               {"root/b.txt", 1},
                                                               {"root/c", -1},
                                                               {"top.txt", 3}};
    EXPECT_EQ(got, expected);

    std::vector<FileEntry> v2;
    list_file_entries(roots, 2, v2);
    EXPECT_EQ(v2.size(), 3u);

    std::vector<FileEntry> v1;
    list_file_entries(roots, 1, v1);
    ASSERT_EQ(v1.size(), 1u);
    EXPECT_EQ(v1[0].name, "top.txt");
}

// ---- batches on a real loop ----

class DiskBatchTest : public ::testing::Test {
protected:
    void SetUp() override {
        uv_loop_init(&loop);
        files = std::make_unique<DiskFiles>(&loop, dir.path(), 128);
        ASSERT_EQ(files->open(), "");
    }
    void TearDown() override {
        files.reset();
        uv_run(&loop, UV_RUN_DEFAULT);
        uv_loop_close(&loop);
    }
    void run() { uv_run(&loop, UV_RUN_DEFAULT); }
    std::vector<std::string> names() {
        std::vector<std::string> out;
        for (const auto& e : fs::directory_iterator(dir.path())) out.push_back(e.path().filename());
        std::sort(out.begin(), out.end());
        return out;
    }

    TempDir dir;
    uv_loop_t loop{};
    std::unique_ptr<DiskFiles> files;
};

TEST_F(DiskBatchTest, CommitPlacesTopLevelWithClashNames) {
    write_file(dir.path() / "a.png", "existing");
    std::string errors;
    auto collect = [&](std::string error) { errors += error; };
    std::vector<PlacedItem> placed;
    {
        auto batch = files->begin_batch();
        batch->begin_file("a.png", 8, collect);
        batch->write({0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'}, collect);
        batch->end_file(collect);
        batch->add_directory("d/e", collect);
        batch->commit([&](std::string error, std::vector<PlacedItem> items) {
            errors += error;
            placed = std::move(items);
        });
        run();
    }
    run();
    EXPECT_EQ(errors, "");
    ASSERT_EQ(placed.size(), 2u);
    EXPECT_EQ(placed[0].name, "1_a.png");
    EXPECT_TRUE(placed[0].png);
    EXPECT_EQ(placed[1].name, "d");
    EXPECT_TRUE(placed[1].directory);
    EXPECT_EQ(read_file(dir.path() / "a.png"), "existing");
    EXPECT_TRUE(fs::is_directory(dir.path() / "d/e"));
    EXPECT_EQ(names(), (std::vector<std::string>{"1_a.png", "a.png", "d"}));
}

TEST_F(DiskBatchTest, AWrittenChunksBufferComesBackToBeFilledAgain) {
    std::string errors;
    std::vector<std::uint8_t> returned;
    {
        auto batch = files->begin_batch();
        batch->begin_file("f.bin", 3, [&](std::string error) { errors += error; });
        std::vector<std::uint8_t> chunk{'a', 'b', 'c'};
        chunk.reserve(4096);
        const auto* buffer = chunk.data();
        batch->write_reusing(std::move(chunk),
                             [&](std::string error, std::vector<std::uint8_t> spent) {
                                 errors += error;
                                 returned = std::move(spent);
                             });
        batch->end_file([&](std::string error) { errors += error; });
        batch->commit([&](std::string error, std::vector<PlacedItem>) { errors += error; });
        run();
        EXPECT_EQ(errors, "");
        // The very buffer, with its capacity: no new allocation for the next chunk.
        EXPECT_EQ(returned.data(), buffer);
        EXPECT_GE(returned.capacity(), 4096u);
    }
    run();
    EXPECT_EQ(read_file(dir.path() / "f.bin"), "abc");
}

TEST_F(DiskBatchTest, UncommittedBatchLeavesNothing) {
    {
        auto batch = files->begin_batch();
        batch->begin_file("x/y.bin", 100, [](std::string) {});
        batch->write(std::vector<std::uint8_t>(50, 1), [](std::string) {});
        run();
        EXPECT_EQ(names().size(), 1u);  // the hidden temporary directory
    }
    run();
    EXPECT_TRUE(names().empty());
}

TEST_F(DiskBatchTest, OpenRemovesLeftoversOfACrash) {
    write_file(dir.path() / ".clipshare-upload-old/f", "partial");
    write_file(dir.path() / "keep.txt", "keep");
    DiskFiles again{&loop, dir.path(), 128};
    EXPECT_EQ(again.open(), "");
    again.clean_up_leftovers();  // in the background: the daemon listens meanwhile
    run();
    EXPECT_EQ(names(), (std::vector<std::string>{"keep.txt"}));
}

TEST_F(DiskBatchTest, ReaderNoticesASizeChange) {
    write_file(dir.path() / "f", "12345");
    auto reader = files->open(FileEntry{"f", 5, dir.path() / "f", dir.path(), "f"});
    std::string error;
    std::vector<std::uint8_t> got;
    reader->read(2, [&](std::string e, std::vector<std::uint8_t> chunk) {
        error = e;
        got = chunk;
    });
    run();
    EXPECT_EQ(error, "");
    EXPECT_EQ(got.size(), 2u);
    write_file(dir.path() / "f", "1");  // shrinks underneath the sender
    reader->read(3, [&](std::string e, std::vector<std::uint8_t>) { error = e; });
    run();
    EXPECT_NE(error, "");
}

}  // namespace
}  // namespace clipshare

namespace clipshare {
namespace {

TEST_F(DiskBatchTest, AFailedStepPoisonsTheRestOfTheBatch) {
    std::vector<std::string> errors;
    auto collect = [&](std::string error) { errors.push_back(error); };
    std::string commit_error;
    std::vector<PlacedItem> placed;
    {
        auto batch = files->begin_batch();
        batch->begin_file("ok.txt", 1, collect);
        batch->write({'x'}, collect);
        batch->end_file(collect);
        batch->end_file(collect);  // the file is already closed: this step fails
        batch->add_directory("later", collect);
        batch->commit([&](std::string error, std::vector<PlacedItem> items) {
            commit_error = error;
            placed = std::move(items);
        });
        run();
    }
    run();
    ASSERT_EQ(errors.size(), 5u);
    EXPECT_EQ(errors[2], "");
    EXPECT_NE(errors[3], "");
    EXPECT_EQ(errors[4], errors[3]);
    EXPECT_EQ(commit_error, errors[3]);
    EXPECT_TRUE(placed.empty());
    EXPECT_TRUE(names().empty());
}

}  // namespace
}  // namespace clipshare
