// File URIs and the two file-list formats of desktop clipboards, both ways.
#include <gtest/gtest.h>

#include <cctype>

#include "clipboard/uri_list.hpp"

namespace clipshare {
namespace {

namespace fs = std::filesystem;

TEST(UriList, EncodesEverythingButUnreservedAndSlash) {
    EXPECT_EQ(percent_encode_path("/home/ann/notes.txt"), "/home/ann/notes.txt");
    EXPECT_EQ(percent_encode_path("/a b/100%#?.txt"), "/a%20b/100%25%23%3F.txt");
    EXPECT_EQ(percent_encode_path("/caf\xc3\xa9"), "/caf%C3%A9");
    EXPECT_EQ(percent_encode_path("/~user/x-y_z"), "/~user/x-y_z");
    EXPECT_EQ(percent_encode_path(std::string("/\n\x7f\xff", 4)), "/%0A%7F%FF");
}

TEST(UriList, DecodesEscapesInEitherCase) {
    EXPECT_EQ(percent_decode("/a%20b/caf%c3%A9"), "/a b/caf\xc3\xa9");
    EXPECT_EQ(percent_decode("plain"), "plain");
    EXPECT_EQ(percent_decode("%25"), "%");
}

TEST(UriList, RefusesMalformedEscapesAndNul) {
    EXPECT_FALSE(percent_decode("%"));
    EXPECT_FALSE(percent_decode("/a%2"));
    EXPECT_FALSE(percent_decode("/a%zz"));
    EXPECT_FALSE(percent_decode("/a%00b"));
}

TEST(UriList, EncodeDecodeRoundTripsEveryByte) {
    std::string all = "/";
    for (int byte = 1; byte < 256; ++byte) all += static_cast<char>(byte);
    auto uri = file_uri(all);
    for (std::size_t i = 7; i < uri.size(); ++i) {
        char ch = uri[i];
        bool plain = std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' || ch == '.' ||
                     ch == '_' || ch == '~' || ch == '/' || ch == '%';
        EXPECT_TRUE(plain) << "byte " << int{static_cast<unsigned char>(ch)} << " left as is";
    }
    auto back = path_from_file_uri(uri);
    ASSERT_TRUE(back);
    // '/' inside the name splits it into segments, so compare through the same normalizing.
    EXPECT_EQ(*back, fs::path(all).lexically_normal());
}

TEST(UriList, FileUriOfAnAbsolutePath) {
    EXPECT_EQ(file_uri("/srv/clip/a b.png"), "file:///srv/clip/a%20b.png");
}

TEST(UriList, PathFromLocalFileUris) {
    EXPECT_EQ(path_from_file_uri("file:///tmp/a%20b"), fs::path("/tmp/a b"));
    EXPECT_EQ(path_from_file_uri("FILE://LocalHost/tmp/x"), fs::path("/tmp/x"));
    EXPECT_EQ(path_from_file_uri("file:///tmp/dir/"), fs::path("/tmp/dir"));
    EXPECT_EQ(path_from_file_uri("file:///tmp/./a/../b"), fs::path("/tmp/b"));
}

TEST(UriList, RefusesWhatIsNotALocalFile) {
    EXPECT_FALSE(path_from_file_uri("https://example.org/x"));
    EXPECT_FALSE(path_from_file_uri("file://otherhost/tmp/x"));
    EXPECT_FALSE(path_from_file_uri("file:relative/x"));
    EXPECT_FALSE(path_from_file_uri("file://"));
    EXPECT_FALSE(path_from_file_uri("file:///"));  // no name to send it by
    EXPECT_FALSE(path_from_file_uri("file:///tmp/%zz"));
    EXPECT_FALSE(path_from_file_uri("/tmp/plain-path"));
}

TEST(UriList, ParsesGnomeCopiedFiles) {
    auto list = parse_file_list("copy\nfile:///a/one.txt\nfile:///b/two%20words");
    ASSERT_TRUE(list);
    EXPECT_FALSE(list->cut);
    EXPECT_EQ(list->paths, (std::vector<fs::path>{"/a/one.txt", "/b/two words"}));

    list = parse_file_list("cut\nfile:///a/one.txt\n");
    ASSERT_TRUE(list);
    EXPECT_TRUE(list->cut);
    EXPECT_EQ(list->paths, (std::vector<fs::path>{"/a/one.txt"}));
}

TEST(UriList, ParsesTextUriListWithCrlfAndComments) {
    auto list = parse_file_list(
        "# dragged\r\nfile:///a/x\r\n\r\nhttps://example.org/\r\n"
        "file:///b/y\r\n");
    ASSERT_TRUE(list);
    EXPECT_FALSE(list->cut);
    EXPECT_EQ(list->paths, (std::vector<fs::path>{"/a/x", "/b/y"}));
}

TEST(UriList, NoLocalFileIsNoList) {
    EXPECT_FALSE(parse_file_list(""));
    EXPECT_FALSE(parse_file_list("copy\n"));
    EXPECT_FALSE(parse_file_list("https://example.org/\n"));
    EXPECT_FALSE(parse_file_list("just some copied text"));
    // "copy" is a keyword only on the first line.
    EXPECT_FALSE(parse_file_list("hello\ncut\n"));
}

TEST(UriList, FormatRoundTrips) {
    FileList list{true, {"/w/a b.txt", "/w/caf\xc3\xa9"}};
    auto text = format_file_list(list);
    EXPECT_EQ(text, "cut\nfile:///w/a%20b.txt\nfile:///w/caf%C3%A9");
    auto back = parse_file_list(text);
    ASSERT_TRUE(back);
    EXPECT_TRUE(back->cut);
    EXPECT_EQ(back->paths, list.paths);
    EXPECT_EQ(format_file_list({false, {"/x"}}), "copy\nfile:///x");
}

}  // namespace
}  // namespace clipshare
