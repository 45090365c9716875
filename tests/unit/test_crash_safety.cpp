// What makes a batch all or nothing across crashes: removing temporary trees of any depth,
// the commit journal, and start-up recovery from every state a crash can leave.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include "files/batch_recovery.hpp"
#include "files/batch_writer.hpp"
#include "files/below.hpp"
#include "files/commit_journal.hpp"
#include "files/remove_tree.hpp"
#include "sandbox.hpp"

namespace clipshare {
namespace {

namespace fs = std::filesystem;
using clipshare::test::Sandbox;

void write(const fs::path& path, const std::string& text) {
    fs::create_directories(path.parent_path());
    std::ofstream{path} << text;
}

// A chain of `depth` directories below `dir_fd`/`name`, made with *at calls: the path is far
// longer than PATH_MAX, so nothing that walks by path could remove it.
void make_chain(int dir_fd, const char* name, int depth) {
    ASSERT_EQ(mkdirat(dir_fd, name, 0755), 0);
    UniqueFd current{openat(dir_fd, name, O_RDONLY | O_DIRECTORY)};
    for (int level = 0; level < depth; ++level) {
        ASSERT_EQ(mkdirat(current.get(), "level-with-a-long-name", 0755), 0);
        UniqueFd file{openat(current.get(), "payload", O_WRONLY | O_CREAT, 0644)};
        ASSERT_TRUE(file);
        current.reset(openat(current.get(), "level-with-a-long-name", O_RDONLY | O_DIRECTORY));
        ASSERT_TRUE(current);
    }
}

// Lowers the descriptor limit for the test's duration.
class DescriptorLimit {
public:
    explicit DescriptorLimit(rlim_t limit) {
        getrlimit(RLIMIT_NOFILE, &saved_);
        rlimit lower = saved_;
        lower.rlim_cur = limit;
        setrlimit(RLIMIT_NOFILE, &lower);
    }
    ~DescriptorLimit() { setrlimit(RLIMIT_NOFILE, &saved_); }

private:
    rlimit saved_{};
};

TEST(RemoveTree, AnyDepthWithFewDescriptors) {
    Sandbox sandbox;
    UniqueFd target{::open(sandbox.target().c_str(), O_RDONLY | O_DIRECTORY)};
    make_chain(target.get(), ".clipshare-upload-deep", 3000);
    {
        // Recursion with a descriptor per level would need 3,000 of them.
        DescriptorLimit few{64};
        EXPECT_TRUE(remove_tree_at(target.get(), ".clipshare-upload-deep"));
    }
    EXPECT_EQ(sandbox.everything(), (std::set<std::string>{"target"}));
}

TEST(RemoveTree, NeverFollowsSymlinks) {
    Sandbox sandbox;
    write(sandbox.root() / "outside/keep.txt", "keep");
    write(sandbox.target() / "tree/a/file", "x");
    fs::create_directory_symlink(sandbox.root() / "outside", sandbox.target() / "tree/a/link");
    UniqueFd target{::open(sandbox.target().c_str(), O_RDONLY | O_DIRECTORY)};
    EXPECT_TRUE(remove_tree_at(target.get(), "tree"));
    EXPECT_TRUE(fs::exists(sandbox.root() / "outside/keep.txt"));
    EXPECT_FALSE(fs::exists(sandbox.target() / "tree"));
}

TEST(RemoveTree, ReportsWhatItCouldNotRemove) {
    if (geteuid() == 0) GTEST_SKIP() << "root removes from read-only directories";
    Sandbox sandbox;
    write(sandbox.target() / "tree/locked/file", "x");
    fs::permissions(sandbox.target() / "tree/locked",
                    fs::perms::owner_read | fs::perms::owner_exec);
    UniqueFd target{::open(sandbox.target().c_str(), O_RDONLY | O_DIRECTORY)};
    EXPECT_FALSE(remove_tree_at(target.get(), "tree"));
    fs::permissions(sandbox.target() / "tree/locked", fs::perms::owner_all);
}

TEST(CommitJournal, RoundTripsWithAmendments) {
    Journal journal{1234,
                    {{'f', "a.txt", "a.txt"}, {'d', "dir", "1_dir"}, {'p', "i.png", "i.png"}}};
    auto text = journal_text(journal) + journal_amendment({'d', "dir", "2_dir"});
    auto parsed = parse_journal(text);
    ASSERT_TRUE(parsed);
    EXPECT_EQ(parsed->sequence, 1234u);
    ASSERT_EQ(parsed->entries.size(), 3u);
    EXPECT_EQ(parsed->entries[1].target, "2_dir");
    EXPECT_EQ(parsed->entries[2].type, 'p');
}

TEST(CommitJournal, ATornJournalIsNoJournal) {
    Journal journal{1, {{'f', "a", "a"}, {'f', "b", "b"}}};
    auto text = journal_text(journal);
    // Cut anywhere before the end line: never a commit.
    for (std::size_t cut = 0; cut + 4 < text.size(); ++cut) {
        EXPECT_FALSE(parse_journal(text.substr(0, cut))) << cut;
    }
    EXPECT_TRUE(parse_journal(text));
    // A torn amendment after a complete journal is ignored: its rename never happened.
    auto torn = text + "f\ta\t1_";
    ASSERT_TRUE(parse_journal(torn));
    EXPECT_EQ(parse_journal(torn)->entries[0].target, "a");
}

TEST(CommitJournal, RefusesNamesThatCouldLeaveTheDirectory) {
    EXPECT_FALSE(parse_journal("clipshare-journal 1 5\nf\ta\t../a\nend\n"));
    EXPECT_FALSE(parse_journal("clipshare-journal 1 5\nf\ta/b\tx\nend\n"));
    EXPECT_FALSE(parse_journal("clipshare-journal 1 5\nx\ta\ta\nend\n"));
}

// The states a crash can leave, made by hand in a working directory.
class RecoveryTest : public ::testing::Test {
protected:
    fs::path temp(const std::string& suffix) {
        return sandbox.target() / (".clipshare-upload-" + suffix);
    }
    clipshare::Recovery run() {
        UniqueFd target{::open(sandbox.target().c_str(), O_RDONLY | O_DIRECTORY)};
        return recover_batches(target.get());
    }
    Sandbox sandbox;
};

TEST_F(RecoveryTest, WithoutAJournalNothingWasPlaced) {
    write(temp("a") / "items/f.txt", "data");
    auto result = run();
    EXPECT_TRUE(result.finished.empty());
    EXPECT_EQ(result.leftovers, (std::vector<std::string>{".clipshare-upload-a"}));
    EXPECT_FALSE(fs::exists(sandbox.target() / "f.txt"));
}

TEST_F(RecoveryTest, AJournaledBatchIsFinished) {
    // Killed after placing "one" and before "two" and "dir".
    write(temp("b") / "items/two", "2");
    write(temp("b") / "items/dir/inner", "i");
    write(sandbox.target() / "one", "1");
    write(sandbox.target() / "two", "someone else's");  // taken since the journal chose it
    Journal journal{77, {{'f', "one", "one"}, {'f', "two", "two"}, {'d', "dir", "dir"}}};
    write(temp("b") / journal_file, journal_text(journal));
    auto result = run();
    ASSERT_EQ(result.finished.size(), 1u);
    const auto& batch = result.finished[0];
    EXPECT_EQ(batch.sequence, 77u);
    ASSERT_EQ(batch.placed.size(), 3u);
    EXPECT_EQ(batch.placed[0].name, "one");
    EXPECT_EQ(batch.placed[1].name, "1_two");  // the next free name, recorded first
    EXPECT_EQ(batch.placed[2].name, "dir");
    EXPECT_TRUE(batch.placed[2].directory);
    std::string kept;
    std::getline(std::ifstream{sandbox.target() / "two"}, kept);
    EXPECT_EQ(kept, "someone else's");
    EXPECT_TRUE(fs::exists(sandbox.target() / "dir/inner"));
    // Run again (a crash during recovery): the same result, nothing moved twice.
    auto again = run();
    ASSERT_EQ(again.finished.size(), 1u);
    EXPECT_EQ(again.finished[0].placed[1].name, "1_two");
}

TEST_F(RecoveryTest, ARollbackIsFinishedBackwards) {
    write(temp("c") / "items/b", "b");
    write(sandbox.target() / "a", "placed, then taken back halfway");
    Journal journal{5, {{'f', "a", "a"}, {'f', "b", "b"}}};
    write(temp("c") / journal_file, journal_text(journal));
    write(temp("c") / rollback_file, "");
    auto result = run();
    EXPECT_TRUE(result.finished.empty());
    EXPECT_EQ(result.leftovers, (std::vector<std::string>{".clipshare-upload-c"}));
    EXPECT_FALSE(fs::exists(sandbox.target() / "a"));
    EXPECT_TRUE(fs::exists(temp("c") / "items/a"));
}

TEST(BatchWriterCommit, LeavesAJournalUntilFinished) {
    Sandbox sandbox;
    BatchWriter writer{sandbox.target()};
    ASSERT_EQ(writer.begin_file("f", 1), "");
    std::uint8_t byte = 'x';
    ASSERT_EQ(writer.write({&byte, 1}), "");
    ASSERT_EQ(writer.end_file(), "");
    std::vector<PlacedItem> placed;
    ASSERT_EQ(writer.commit(placed), "");
    // Committed but not yet on the clipboard: a crash now is finished at the next start.
    bool journaled = false;
    for (const auto& item : fs::directory_iterator(sandbox.target())) {
        journaled |= fs::exists(item.path() / journal_file);
    }
    EXPECT_TRUE(journaled);
    writer.finish();
    EXPECT_EQ(sandbox.everything(), (std::set<std::string>{"target", "target/f"}));
}

}  // namespace
}  // namespace clipshare
