// DiskFiles' batches on the real thread pool: chunks handed over while the batch's last
// write waits for a pool thread go to the disk together, in order, and each comes back to
// its producer. The pool is held busy by the test (every thread blocked until it says so),
// so what gathers is decided by the test, not by timing.
#include <gtest/gtest.h>

#include <uv.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "files/batch_writer.hpp"
#include "files/disk_files.hpp"
#include "sandbox.hpp"
#include "support/busy_pool.hpp"

namespace clipshare {
namespace {

using test::BusyPool;

std::vector<std::uint8_t> chunk_of(char c, std::size_t size) {
    return std::vector<std::uint8_t>(size, static_cast<std::uint8_t>(c));
}

std::string read_all(const std::filesystem::path& path) {
    std::ifstream in{path, std::ios::binary};
    return {std::istreambuf_iterator<char>{in}, {}};
}

class DiskBatchTest : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_EQ(uv_loop_init(&loop), 0);
        files = std::make_unique<DiskFiles>(&loop, sandbox.target(), 8);
        ASSERT_EQ(files->open(), "");
    }
    void TearDown() override {
        files.reset();
        uv_run(&loop, UV_RUN_DEFAULT);
        EXPECT_EQ(uv_loop_close(&loop), 0);
    }
    // Runs the loop until the batch has nothing pending.
    void settle() { uv_run(&loop, UV_RUN_DEFAULT); }
    std::string commit(IncomingBatch& batch) {
        std::string result = "not answered";
        batch.commit([&](std::string error, std::vector<PlacedItem>) { result = error; });
        settle();
        return result;
    }

    test::Sandbox sandbox;
    uv_loop_t loop{};
    std::unique_ptr<DiskFiles> files;
    std::vector<std::string> errors;
    IncomingBatch::Done noted = [this](std::string error) { errors.push_back(error); };
};

TEST_F(DiskBatchTest, ChunksThatArriveWhileTheDiskIsBusyGoInOneStep) {
    auto batch = files->begin_batch();
    batch->begin_file("f", 5 * 1000, noted);
    settle();
    std::vector<std::vector<std::uint8_t>> returned;
    {
        BusyPool busy{&loop};
        ASSERT_TRUE(busy.ok());
        for (char c : std::string{"abcde"}) {
            batch->write_reusing(chunk_of(c, 1000),
                                 [&](std::string error, std::vector<std::uint8_t> spent) {
                                     errors.push_back(error);
                                     returned.push_back(std::move(spent));
                                 });
        }
        // One step for the five: one trip to the pool instead of five.
        EXPECT_EQ(batch->pending_steps(), 1u);
    }
    settle();
    EXPECT_EQ(batch->pending_steps(), 0u);
    // Each chunk's buffer comes back to its producer, in order.
    ASSERT_EQ(returned.size(), 5u);
    for (std::size_t i = 0; i < returned.size(); ++i) {
        EXPECT_EQ(returned[i], chunk_of("abcde"[i], 1000)) << i;
    }
    batch->end_file(noted);
    ASSERT_EQ(commit(*batch), "");
    for (const auto& error : errors) EXPECT_EQ(error, "");
    EXPECT_EQ(read_all(sandbox.target() / "f"),
              std::string(1000, 'a') + std::string(1000, 'b') + std::string(1000, 'c') +
                  std::string(1000, 'd') + std::string(1000, 'e'));
}

TEST_F(DiskBatchTest, AWriteAfterAnotherStepNeverJoinsAWriteBeforeIt) {
    auto batch = files->begin_batch();
    {
        BusyPool busy{&loop};
        ASSERT_TRUE(busy.ok());
        batch->begin_file("one", 3, noted);
        batch->write({'a', 'b', 'c'}, noted);
        batch->end_file(noted);
        batch->begin_file("two", 2, noted);
        batch->write({'x', 'y'}, noted);
        batch->end_file(noted);
        EXPECT_EQ(batch->pending_steps(), 6u);
    }
    settle();
    ASSERT_EQ(commit(*batch), "");
    EXPECT_EQ(errors, std::vector<std::string>(6));
    EXPECT_EQ(read_all(sandbox.target() / "one"), "abc");
    EXPECT_EQ(read_all(sandbox.target() / "two"), "xy");
}

TEST(BatchWriterParts, PartsAreWrittenOneAfterTheOther) {
    test::Sandbox sandbox;
    BatchWriter writer{sandbox.target()};
    std::vector<std::uint8_t> a(70000, 'a'), b(3, 'b'), c(200000, 'c');
    ASSERT_EQ(writer.begin_file("f", 270003), "");
    std::span<const std::uint8_t> parts[] = {a, {}, b, c};
    ASSERT_EQ(writer.write(parts), "");
    ASSERT_EQ(writer.end_file(), "");
    std::vector<PlacedItem> placed;
    ASSERT_EQ(writer.commit(placed), "");
    EXPECT_EQ(read_all(sandbox.target() / "f"),
              std::string(70000, 'a') + "bbb" + std::string(200000, 'c'));
}

}  // namespace
}  // namespace clipshare
