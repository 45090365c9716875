// The web port's pure rules: which Host and Origin a request may carry (DNS rebinding,
// cross-site posts), and the tar headers of a folder download, checked against what
// POSIX says and against GNU tar reading them.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "support/process.hpp"
#include "support/temp_dir.hpp"
#include "web/host_check.hpp"
#include "web/tar_header.hpp"

namespace clipshare {
namespace {

const HostRules kRules{"router", {"clip.home.arpa"}};

TEST(HostCheck, AcceptsLiteralsLocalhostOwnNameAndListedNames) {
    for (const char* host : {"192.168.1.1", "192.168.1.1:4339", "[::1]", "[fe80::1]:4339",
                             "localhost", "LOCALHOST:80", "router", "Router.local", "router.lan:1",
                             "router.", "clip.home.arpa", "CLIP.home.arpa:4339"}) {
        EXPECT_TRUE(host_allowed(host, kRules)) << host;
    }
}

TEST(HostCheck, RefusesOtherNamesAndMalformedValues) {
    for (const char* host :
         {"evil.example", "router.evil.example", "localhost.evil.example", "192.168.1.1.evil",
          "[not-v6]", "[::1", "router:http", "", ":80", "clip.home.arpa.evil", "[::1]x"}) {
        EXPECT_FALSE(host_allowed(host, kRules)) << host;
    }
    EXPECT_FALSE(host_allowed("router", HostRules{}));
}

TEST(HostCheck, OriginMustBeTheRequestsOwn) {
    EXPECT_TRUE(origin_matches("http://192.168.1.1:4339", "192.168.1.1:4339", false));
    EXPECT_TRUE(origin_matches("HTTPS://Router:4339", "router:4339", true));
    EXPECT_FALSE(origin_matches("http://router:4339", "router:4339", true));
    EXPECT_FALSE(origin_matches("https://evil.example", "router:4339", true));
    EXPECT_FALSE(origin_matches("null", "router", false));
    EXPECT_FALSE(origin_matches("http://router:4340", "router:4339", false));
}

std::string field(const std::vector<std::uint8_t>& block, std::size_t at, std::size_t width) {
    std::string out(block.begin() + static_cast<std::ptrdiff_t>(at),
                    block.begin() + static_cast<std::ptrdiff_t>(at + width));
    return out.substr(0, out.find('\0'));
}

unsigned checksum_of(std::vector<std::uint8_t> block) {
    std::fill(block.begin() + 148, block.begin() + 156, ' ');
    unsigned sum = 0;
    for (std::size_t i = 0; i < tar_block; ++i) sum += block[i];
    return sum;
}

TEST(TarHeader, FileIsOneUstarBlock) {
    auto block = tar_entry_header("dir/a.txt", 1234, 1700000000);
    ASSERT_EQ(block.size(), tar_block);
    EXPECT_EQ(field(block, 0, 100), "dir/a.txt");
    EXPECT_EQ(field(block, 124, 12), "00000002322");  // 1234 in octal
    EXPECT_EQ(field(block, 136, 12), "14524770400");  // 1700000000
    EXPECT_EQ(block[156], '0');
    EXPECT_EQ(field(block, 257, 6), "ustar");
    EXPECT_EQ(field(block, 263, 2), "00");
    EXPECT_EQ(std::stoul(field(block, 148, 7), nullptr, 8), checksum_of(block));
}

TEST(TarHeader, DirectoryGetsItsSlashAndType) {
    auto block = tar_entry_header("dir/empty", -1, 0);
    ASSERT_EQ(block.size(), tar_block);
    EXPECT_EQ(field(block, 0, 100), "dir/empty/");
    EXPECT_EQ(block[156], '5');
    EXPECT_EQ(field(block, 124, 12), "00000000000");
}

TEST(TarHeader, LongNameGoesInAPaxRecord) {
    std::string name = std::string(150, 'n') + "/" + std::string(80, 'f');
    auto blocks = tar_entry_header(name, 10, 0);
    ASSERT_EQ(blocks.size(), 3 * tar_block);  // pax header, its records, the ustar header
    EXPECT_EQ(blocks[156], 'x');
    std::string records(blocks.begin() + tar_block, blocks.begin() + 2 * tar_block);
    records = records.substr(0, records.find('\0'));
    std::string record = " path=" + name + "\n";
    std::string expected = std::to_string(record.size() + 3) + record;  // 3 digits
    EXPECT_EQ(records, expected);
    EXPECT_EQ(std::stoul(field(blocks, 124, 12), nullptr, 8), records.size());
}

TEST(TarHeader, SizeOverTheOctalFieldGoesInAPaxRecord) {
    auto blocks = tar_entry_header("big.iso", std::int64_t{1} << 34, 0);
    ASSERT_EQ(blocks.size(), 3 * tar_block);
    std::string records(blocks.begin() + tar_block, blocks.begin() + 2 * tar_block);
    EXPECT_EQ(records.substr(0, records.find('\0')), "20 size=17179869184\n");
}

TEST(TarHeader, PaddingFillsTheLastBlock) {
    EXPECT_EQ(tar_padding(0), 0u);
    EXPECT_EQ(tar_padding(1), 511u);
    EXPECT_EQ(tar_padding(512), 0u);
    EXPECT_EQ(tar_padding(513), 511u);
    EXPECT_EQ(tar_end().size(), 2 * tar_block);
}

// GNU tar reads what the builder writes, a long name's pax record included.
TEST(TarHeader, GnuTarListsTheArchive) {
    auto tar = test::find_program("tar");
    if (tar.empty()) GTEST_SKIP() << "no tar";
    test::TempDir dir;
    std::string long_name = std::string(120, 'l') + "/" + std::string(90, 'x') + ".bin";
    std::vector<std::uint8_t> archive;
    auto add = [&archive](const std::vector<std::uint8_t>& bytes) {
        archive.insert(archive.end(), bytes.begin(), bytes.end());
    };
    add(tar_entry_header("top/a.txt", 3, 0));
    add({'a', 'b', 'c'});
    add(std::vector<std::uint8_t>(tar_padding(3), 0));
    add(tar_entry_header("top/empty", -1, 0));
    add(tar_entry_header(long_name, 5, 0));
    add({'h', 'e', 'l', 'l', 'o'});
    add(std::vector<std::uint8_t>(tar_padding(5), 0));
    add(tar_end());
    {
        std::ofstream out{dir.path() / "t.tar", std::ios::binary};
        out.write(reinterpret_cast<const char*>(archive.data()),
                  static_cast<std::streamsize>(archive.size()));
    }
    auto listed = test::run_command({tar.string(), "-tf", (dir.path() / "t.tar").string()});
    EXPECT_EQ(listed.exit_status, 0) << listed.err;
    EXPECT_EQ(listed.out, "top/a.txt\ntop/empty/\n" + long_name + "\n");
}

}  // namespace
}  // namespace clipshare
