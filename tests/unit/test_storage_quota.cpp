// The storage quota's parts on their own: what a count of working_dir finds (files/
// stored_entries.hpp), the batch writer's stamp, and StorageQuota's choices on a real loop
// (which batches go, which never do, and how a count merges with commits made meanwhile).
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uv.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>

#include "files/batch_writer.hpp"
#include "files/below.hpp"
#include "files/storage_quota.hpp"
#include "files/stored_entries.hpp"
#include "sandbox.hpp"

namespace clipshare {
namespace {

namespace fs = std::filesystem;

using clipshare::test::Sandbox;

void write(const fs::path& path, std::size_t size) {
    fs::create_directories(path.parent_path());
    std::ofstream{path} << std::string(size, 'z');
}

// Sets `path`'s mtime to `seconds` after the epoch (a stamp the test chooses).
void stamp(const fs::path& path, time_t seconds) {
    const timespec times[2] = {{seconds, 0}, {seconds, 0}};
    ASSERT_EQ(utimensat(AT_FDCWD, path.c_str(), times, AT_SYMLINK_NOFOLLOW), 0);
}

std::uint64_t ns(time_t seconds) {
    return static_cast<std::uint64_t>(seconds) * 1'000'000'000u;
}

std::set<std::string> names_in(const fs::path& dir) {
    std::set<std::string> out;
    for (const auto& entry : fs::directory_iterator(dir)) out.insert(entry.path().filename());
    return out;
}

TEST(StoredEntries, CountsFilesInTreesAndLeavesOutTheDaemonsOwn) {
    Sandbox box;
    auto dir = box.target();
    write(dir / "file", 10);
    write(dir / "tree/a", 3);
    write(dir / "tree/sub/b", 4);
    fs::create_directories(dir / "empty");
    fs::create_symlink("/etc", dir / "link");  // counted as an entry, never followed
    write(dir / ".clipshare/clipboard.state", 99);
    write(dir / (std::string{upload_dir_prefix} + "x/items/f"), 99);
    stamp(dir / "tree", 1000);
    UniqueFd fd{::open(dir.c_str(), O_RDONLY | O_DIRECTORY)};
    auto found = scan_stored_entries(fd.get(), {".clipshare"});
    std::map<std::string, StoredEntry> by_name;
    for (auto& entry : found) by_name[entry.name] = entry;
    ASSERT_EQ(by_name.size(), 4u);
    EXPECT_EQ(by_name["file"].bytes, 10);
    EXPECT_EQ(by_name["tree"].bytes, 7);
    EXPECT_EQ(by_name["tree"].stamp, ns(1000));
    EXPECT_EQ(by_name["empty"].bytes, 0);
    EXPECT_EQ(by_name["link"].bytes, 0);
}

TEST(StoredEntries, DeepTreesNeedNoDescriptorPerLevel) {
    Sandbox box;
    std::string path = "deep";
    for (int i = 0; i < 300; ++i) path += "/d";
    write(box.target() / path / "f", 5);
    UniqueFd fd{::open(box.target().c_str(), O_RDONLY | O_DIRECTORY)};
    EXPECT_EQ(tree_bytes(fd.get(), "deep"), 5);
}

TEST(StoredEntries, DiscardLeavesNothingBehind) {
    Sandbox box;
    write(box.target() / "tree/sub/f", 5);
    write(box.target() / "keep", 1);
    UniqueFd fd{::open(box.target().c_str(), O_RDONLY | O_DIRECTORY)};
    EXPECT_TRUE(discard_entry(fd.get(), "tree"));
    EXPECT_TRUE(discard_entry(fd.get(), "already-gone"));
    EXPECT_EQ(names_in(box.target()), std::set<std::string>{"keep"});
}

TEST(BatchWriter, StampsEveryTopLevelEntryAndCountsItsBytes) {
    Sandbox box;
    BatchWriter writer{box.target()};
    std::vector<std::uint8_t> five(5, 'x');
    ASSERT_EQ(writer.begin_file("d/f", 5), "");
    ASSERT_EQ(writer.write(five), "");
    ASSERT_EQ(writer.end_file(), "");
    ASSERT_EQ(writer.begin_file("g", 0), "");
    ASSERT_EQ(writer.end_file(), "");
    ASSERT_EQ(writer.add_directory("e"), "");
    std::vector<PlacedItem> placed;
    ASSERT_EQ(writer.commit(placed), "");
    ASSERT_EQ(placed.size(), 3u);
    EXPECT_EQ(placed[0].bytes, 5);
    UniqueFd fd{::open(box.target().c_str(), O_RDONLY | O_DIRECTORY)};
    for (const auto& entry : scan_stored_entries(fd.get(), {})) {
        EXPECT_EQ(entry.stamp, writer.stamp()) << entry.name;
    }
}

// A quota over a sandbox, on a loop of its own.
class QuotaTest : public ::testing::Test {
protected:
    QuotaTest() {
        uv_loop_init(&loop_);
        quota_ = std::make_unique<StorageQuota>(&loop_, box_.target(), std::set<std::string>{});
    }
    ~QuotaTest() override {
        quota_.reset();
        uv_run(&loop_, UV_RUN_DEFAULT);
        uv_loop_close(&loop_);
    }
    // Counts (and applies the limits), then lets every removal finish.
    void configure(StorageSettings settings) {
        quota_->configure(settings);
        settle();
    }
    void settle() { uv_run(&loop_, UV_RUN_DEFAULT); }
    // One batch of files of these sizes, all stamped `at` (seconds).
    void batch(std::map<std::string, std::size_t> files, time_t at) {
        for (const auto& [name, size] : files) {
            write(box_.target() / name, size);
            stamp(box_.target() / name, at);
        }
    }

    Sandbox box_;
    uv_loop_t loop_{};
    std::unique_ptr<StorageQuota> quota_;
};

TEST_F(QuotaTest, RefusesWhatDoesNotFitAndRemovesNothing) {
    batch({{"a", 60}}, 1000);
    configure({.max_bytes = 100});
    EXPECT_EQ(quota_->used(), 60);
    StorageQuota::Reservation upload;
    EXPECT_EQ(quota_->reserve(upload, 30), "");
    EXPECT_NE(quota_->reserve(upload, 20), "");
    EXPECT_EQ(quota_->used(), 90);
    upload.release();
    EXPECT_EQ(quota_->used(), 60);
    settle();
    EXPECT_EQ(names_in(box_.target()), std::set<std::string>{"a"});
}

TEST_F(QuotaTest, MakeRoomTakesOldestBatchesWholeAndSkipsProtectedOnes) {
    batch({{"old1", 20}, {"old2", 20}}, 1000);  // one batch: one stamp
    batch({{"pinned", 20}}, 1500);
    batch({{"mid", 20}}, 2000);
    batch({{"current", 10}}, 3000);
    configure({.max_bytes = 100, .make_room = true});
    quota_->set_current({"current"});
    auto pin = quota_->pin({"pinned"});
    StorageQuota::Reservation upload;
    // 90 held; 50 more need 40 freed: the oldest batch (40), both its entries.
    EXPECT_EQ(quota_->reserve(upload, 50), "");
    settle();
    EXPECT_EQ(names_in(box_.target()), (std::set<std::string>{"pinned", "mid", "current"}));
    // 100 held with the reservation; 40 more: only "mid" may go, and it is not enough, so
    // nothing goes.
    EXPECT_NE(quota_->reserve(upload, 40), "");
    settle();
    EXPECT_EQ(names_in(box_.target()), (std::set<std::string>{"pinned", "mid", "current"}));
}

// Many batches whose names sort in another order than their stamps, some placed by commits
// after the count, a name reused by a later batch, and protected batches in between: each
// upload that needs room takes exactly the oldest batch that may go, and no other.
TEST_F(QuotaTest, MakeRoomGoesOldestFirstAcrossManyBatches) {
    constexpr int count = 240;
    constexpr std::size_t entry_bytes = 10;
    // Batch i is the (i * 7919 % count)-th oldest: names and age are unrelated.
    std::map<std::uint64_t, std::vector<std::string>> by_stamp;
    auto stamp_of = [](int i) { return 10'000 + static_cast<time_t>(i * 7919 % count); };
    std::int64_t total = 0;
    for (int i = 0; i < count / 2; ++i) {
        std::map<std::string, std::size_t> files;
        for (int k = 0; k <= i % 3; ++k)
            files["b" + std::to_string(i) + "-" + std::to_string(k)] = entry_bytes;
        for (const auto& [name, size] : files) by_stamp[ns(stamp_of(i))].push_back(name);
        batch(files, stamp_of(i));
        total += static_cast<std::int64_t>(files.size() * entry_bytes);
    }
    // The other half: uploads committed since, each stamped by its commit.
    std::int64_t limit = total;
    for (int i = count / 2; i < count; ++i)
        limit += static_cast<std::int64_t>((1 + i % 3) * entry_bytes);
    configure({.max_bytes = limit, .make_room = true});
    for (int i = count / 2; i < count; ++i) {
        std::vector<PlacedItem> items;
        for (int k = 0; k <= i % 3; ++k) {
            std::string name = "b" + std::to_string(i) + "-" + std::to_string(k);
            write(box_.target() / name, entry_bytes);
            items.push_back({name, false, false, static_cast<std::int64_t>(entry_bytes)});
            by_stamp[ns(stamp_of(i))].push_back(name);
        }
        StorageQuota::Reservation upload;
        ASSERT_EQ(quota_->reserve(upload, static_cast<std::int64_t>(items.size() * entry_bytes)),
                  "");
        quota_->placed(items, ns(stamp_of(i)), upload);
        quota_->settled(items, false);
    }
    ASSERT_EQ(quota_->used(), limit);
    // A name of an old batch comes again in a new one: it leaves the old batch.
    const auto oldest = by_stamp.begin()->first;
    const std::string reused = by_stamp.begin()->second.front();
    {
        StorageQuota::Reservation upload;
        quota_->placed({{reused, false, false, static_cast<std::int64_t>(entry_bytes)}}, ns(50'000),
                       upload);
        quota_->settled({{reused, false, false, static_cast<std::int64_t>(entry_bytes)}}, false);
        by_stamp[oldest].erase(by_stamp[oldest].begin());
        if (by_stamp[oldest].empty()) by_stamp.erase(oldest);
        by_stamp[ns(50'000)].push_back(reused);
    }
    // Protected, somewhere in the middle: the clipboard's files and a download's.
    auto middle = std::next(by_stamp.begin(), count / 3);
    const auto current_stamp = middle->first;
    quota_->set_current(middle->second);
    ++middle;
    const auto pinned_stamp = middle->first;
    auto pin = quota_->pin(middle->second);

    StorageQuota::Reservation upload;
    std::set<std::string> expected = names_in(box_.target());
    for (const auto& [stamp, names] : by_stamp) {
        if (stamp == current_stamp || stamp == pinned_stamp) continue;
        ASSERT_EQ(quota_->reserve(upload, static_cast<std::int64_t>(names.size() * entry_bytes)),
                  "");
        settle();
        for (const auto& name : names) expected.erase(name);
        ASSERT_EQ(names_in(box_.target()), expected) << "stamp " << stamp;
    }
    EXPECT_EQ(expected.size(), by_stamp[current_stamp].size() + by_stamp[pinned_stamp].size());
}

TEST_F(QuotaTest, BatchesBeingCommittedAreNotRemovedAndCountWhenPlaced) {
    configure({.max_bytes = 100, .make_room = true});
    StorageQuota::Reservation upload;
    ASSERT_EQ(quota_->reserve(upload, 70), "");
    write(box_.target() / "fresh", 70);
    std::vector<PlacedItem> placed{{"fresh", false, false, 70}};
    quota_->placed(placed, ns(5000), upload);
    EXPECT_EQ(quota_->used(), 70);
    StorageQuota::Reservation next;
    EXPECT_NE(quota_->reserve(next, 40), "") << "a batch being committed made room";
    quota_->settled(placed, false);
    EXPECT_EQ(quota_->reserve(next, 40), "");
    settle();
    EXPECT_EQ(names_in(box_.target()), std::set<std::string>{});
}

TEST_F(QuotaTest, CountKeepsWhatWasPlacedOrRemovedWhileItRan) {
    batch({{"old", 30}}, 1000);
    quota_->configure({.max_bytes = 1000});  // the count is on the pool now
    ASSERT_TRUE(quota_->counting());
    StorageQuota::Reservation upload;
    ASSERT_EQ(quota_->reserve(upload, 50), "");
    write(box_.target() / "new", 50);
    quota_->placed({{"new", false, false, 50}}, ns(2000), upload);
    settle();
    EXPECT_FALSE(quota_->counting());
    EXPECT_EQ(quota_->used(), 80);
}

TEST(Quota, ItsIndexIsChargedToTheBudget) {
    Sandbox box;
    for (int i = 0; i < 100; ++i) write(box.target() / ("entry-" + std::to_string(i)), 1);
    MemoryBudget budget{1 << 20};
    uv_loop_t loop{};
    uv_loop_init(&loop);
    {
        StorageQuota quota{&loop, box.target(), {}, &budget};
        quota.configure({.max_bytes = 1000});
        uv_run(&loop, UV_RUN_DEFAULT);
        EXPECT_GE(budget.used(), 100 * (sizeof("entry-00") + sizeof(std::string)));
    }
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
    EXPECT_EQ(budget.used(), 0u);
}

TEST_F(QuotaTest, MaxAgeRemovesOldBatchesButNotTheCurrentOnes) {
    timespec now{};
    clock_gettime(CLOCK_REALTIME, &now);
    batch({{"ancient", 1}}, now.tv_sec - 7200);
    batch({{"current", 1}}, now.tv_sec - 7200);  // its own stamp: a batch of its own
    stamp(box_.target() / "current", now.tv_sec - 7199);
    batch({{"recent", 1}}, now.tv_sec - 60);
    quota_->set_current({"current"});
    quota_->configure({.max_age = 3600});
    // The sweep timer keeps the loop alive: run until the count's removals are done.
    while (quota_->counting()) uv_run(&loop_, UV_RUN_ONCE);
    quota_->configure({});  // stops the timer, so settle() returns
    settle();
    EXPECT_EQ(names_in(box_.target()), (std::set<std::string>{"current", "recent"}));
}

}  // namespace
}  // namespace clipshare
