// The allowed_clients file format: one name per line, trimmed, '#' comments, exact matches.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "net/allowed_clients.hpp"

namespace clipshare {
namespace {

TEST(AllowedClients, OneNamePerLineTrimmed) {
    auto allowed = AllowedClients::parse("phone\n  laptop \t\r\n\ttablet");
    EXPECT_EQ(allowed.size(), 3u);
    EXPECT_TRUE(allowed.contains("phone"));
    EXPECT_TRUE(allowed.contains("laptop"));
    EXPECT_TRUE(allowed.contains("tablet"));
}

TEST(AllowedClients, CommentsAndEmptyLinesAreIgnored) {
    auto allowed = AllowedClients::parse("# clients\n\n   \nphone # Alice\n#laptop\n  # x\n");
    EXPECT_EQ(allowed.size(), 1u);
    EXPECT_TRUE(allowed.contains("phone"));
    EXPECT_FALSE(allowed.contains("laptop"));
    EXPECT_FALSE(allowed.contains("#laptop"));
}

TEST(AllowedClients, MatchesExactlyAndCaseSensitively) {
    auto allowed = AllowedClients::parse("Phone\nmy laptop\n");
    EXPECT_TRUE(allowed.contains("Phone"));
    EXPECT_FALSE(allowed.contains("phone"));
    EXPECT_FALSE(allowed.contains("Phone "));
    EXPECT_FALSE(allowed.contains("Phon"));
    EXPECT_TRUE(allowed.contains("my laptop"));
    EXPECT_FALSE(allowed.contains(""));
}

TEST(AllowedClients, EmptyTextAllowsNobody) {
    EXPECT_TRUE(AllowedClients::parse("").empty());
    EXPECT_TRUE(AllowedClients::parse("\n# nobody\n").empty());
}

TEST(AllowedClients, InlineNamesAreTakenAsGiven) {
    AllowedClients allowed{std::vector<std::string>{"phone", " spaced "}};
    EXPECT_TRUE(allowed.contains(" spaced "));
    EXPECT_FALSE(allowed.contains("spaced"));
}

TEST(AllowedClients, LoadReportsTheReason) {
    std::string error;
    EXPECT_FALSE(AllowedClients::load("/nonexistent/allowed.txt", error));
    EXPECT_EQ(error, "cannot read: No such file or directory");

    auto path = std::filesystem::temp_directory_path() /
                ("clipshare-allowed-" + std::to_string(::getpid()) + ".txt");
    std::ofstream{path} << "phone\n";
    auto loaded = AllowedClients::load(path, error);
    std::filesystem::remove(path);
    ASSERT_TRUE(loaded);
    EXPECT_TRUE(loaded->contains("phone"));
}

}  // namespace
}  // namespace clipshare
