// A table of names a client might send, and what the daemon makes of each.
#include <gtest/gtest.h>

#include <string>

#include "files/names.hpp"
#include "util/utf8.hpp"

namespace clipshare {
namespace {

struct NameCase {
    std::string raw;
    int version;
    bool directory;
    std::string expected;  // "" = refused
};

class ReceivedNames : public ::testing::TestWithParam<NameCase> {};

TEST_P(ReceivedNames, NormalizeOrRefuse) {
    const auto& c = GetParam();
    auto result = normalize_received_path(c.raw, c.version, c.directory);
    if (c.expected.empty()) {
        EXPECT_FALSE(result.ok()) << "accepted as '" << result.path << "'";
        EXPECT_TRUE(result.path.empty());
    } else {
        EXPECT_TRUE(result.ok()) << result.error;
        EXPECT_EQ(result.path, c.expected);
    }
}

const std::string long_name(2048, 'a');
const std::string too_long_name(2049, 'a');

INSTANTIATE_TEST_SUITE_P(
    Table, ReceivedNames,
    ::testing::Values(
        // good
        NameCase{"a.txt", 4, false, "a.txt"}, NameCase{"dir/a.txt", 4, false, "dir/a.txt"},
        NameCase{"/dir/a.txt", 4, false, "dir/a.txt"}, NameCase{"/a.txt", 2, false, "a.txt"},
        NameCase{"a/b/c/d.txt", 3, false, "a/b/c/d.txt"}, NameCase{"dir/", 3, true, "dir"},
        NameCase{"/dir/sub/", 4, true, "dir/sub"}, NameCase{"dir", 3, true, "dir"},
        NameCase{".hidden", 4, false, ".hidden"}, NameCase{"..dots", 4, false, "..dots"},
        NameCase{"a..b", 4, false, "a..b"}, NameCase{"...", 4, false, "..."},
        NameCase{"caf\xc3\xa9.txt", 4, false, "caf\xc3\xa9.txt"},
        NameCase{"\xe6\x97\xa5\xe6\x9c\xac.png", 4, false, "\xe6\x97\xa5\xe6\x9c\xac.png"},
        NameCase{"\xf0\x9f\x98\x80", 4, false, "\xf0\x9f\x98\x80"},
        NameCase{"with space.txt", 4, false, "with space.txt"},
        NameCase{long_name, 4, false, long_name}, NameCase{"a:b", 4, false, "a:b"},
        // v1 keeps the base name only
        NameCase{"dir/a.txt", 1, false, "a.txt"}, NameCase{"/etc/passwd", 1, false, "passwd"},
        NameCase{"../../x", 1, false, "x"}, NameCase{"a.txt", 1, false, "a.txt"},
        // bad
        NameCase{"", 4, false, ""}, NameCase{too_long_name, 4, false, ""},
        NameCase{"..", 4, false, ""}, NameCase{".", 4, false, ""}, NameCase{"../x", 4, false, ""},
        NameCase{"a/../../b", 4, false, ""}, NameCase{"a/./b", 4, false, ""},
        NameCase{"a//b", 4, false, ""}, NameCase{"//etc/passwd", 4, false, ""},
        NameCase{"/", 4, false, ""}, NameCase{"/", 4, true, ""}, NameCase{"dir/", 4, false, ""},
        NameCase{"dir//", 4, true, ""}, NameCase{"a\\b", 4, false, ""},
        NameCase{"..\\x", 4, false, ""}, NameCase{std::string{"a\0b", 3}, 4, false, ""},
        NameCase{"a\nb", 4, false, ""}, NameCase{"a\tb", 4, false, ""},
        NameCase{"\x1b[31m", 4, false, ""}, NameCase{"bad\xff.txt", 4, false, ""},
        NameCase{"\xc0\xaf", 4, false, ""}, NameCase{"\xed\xa0\x80", 4, false, ""},
        NameCase{"\xf4\x90\x80\x80", 4, false, ""}, NameCase{"\xe6\x97", 4, false, ""},
        NameCase{"dir/..", 4, true, ""}, NameCase{"..", 1, false, ""},
        NameCase{"dir/", 1, false, ""}, NameCase{"a/", 2, true, "a"}));

TEST(Utf8, AcceptsAndRefuses) {
    EXPECT_TRUE(is_valid_utf8(""));
    EXPECT_TRUE(is_valid_utf8("plain ascii"));
    EXPECT_TRUE(is_valid_utf8("\xc2\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"));
    EXPECT_FALSE(is_valid_utf8("\x80"));
    EXPECT_FALSE(is_valid_utf8("\xc1\xbf"));          // overlong
    EXPECT_FALSE(is_valid_utf8("\xe0\x80\xaf"));      // overlong
    EXPECT_FALSE(is_valid_utf8("\xed\xbf\xbf"));      // surrogate
    EXPECT_FALSE(is_valid_utf8("\xf8\x88\x80\x80"));  // 5-byte form
    EXPECT_FALSE(is_valid_utf8("\xc3"));              // truncated
}

}  // namespace
}  // namespace clipshare
