// What the X11 (test_desktop.cpp) and Wayland (test_desktop_wayland.cpp) suites both check:
// the same protocol answers, whichever desktop the command backend talks to.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "daemon_fixture.hpp"
#include "protocol_helpers.hpp"

namespace clipshare::test {

// A PNG as far as anyone here looks: the signature and an IHDR chunk (3 x 2 pixels).
inline const std::string small_png = [] {
    constexpr char head[] = "\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR\0\0\0\x03\0\0\0\x02\x08\x02\0\0\0";
    return std::string(head, sizeof head - 1) + "rest of the image";
}();

inline std::string file_uri(const std::filesystem::path& path) {
    return "file://" + path.string();
}

// A PNG whose IHDR says width x height (a screenshot of the whole test desktop).
inline void expect_png_of_size(const std::string& png, std::uint32_t width, std::uint32_t height) {
    ASSERT_GT(png.size(), 24u);
    EXPECT_EQ(png.substr(0, 8), small_png.substr(0, 8));
    EXPECT_EQ(png.substr(12, 4), "IHDR");
    auto big_endian32 = [&png](std::size_t at) {
        std::uint32_t value = 0;
        for (std::size_t i = 0; i < 4; ++i)
            value = value << 8 | static_cast<std::uint8_t>(png[at + i]);
        return value;
    };
    EXPECT_EQ(big_endian32(16), width);
    EXPECT_EQ(big_endian32(20), height);
}

// One v4 download whose answer is `01` then a length-prefixed string (Get Text, an image):
// returns the string and sends the client's ack. `extra` is one more byte expected before the
// string: Get Any's type, or Get Screenshot's second `01` (the image follows).
inline std::string v4_fetch_string(std::uint16_t port, const Bytes& request, int extra = -1) {
    auto client = Client::connect(port);
    client.send(request);
    ReplyReader reply{client};
    EXPECT_EQ(reply.byte(), 1);  // version
    EXPECT_EQ(reply.byte(), 1);  // there is data
    if (extra >= 0) {
        EXPECT_EQ(reply.byte(), extra);
    }
    auto text = reply.string();
    client.send(Bytes{1});
    EXPECT_TRUE(reply.ok);
    return text;
}

// The same for Get Files (3) or Get Any (124, then `type` 2): the entries.
inline std::vector<WireEntry> v4_fetch_entries(std::uint16_t port, const Bytes& request,
                                               int type = -1) {
    auto client = Client::connect(port);
    client.send(request);
    ReplyReader reply{client};
    EXPECT_EQ(reply.byte(), 1);
    EXPECT_EQ(reply.byte(), 1);
    if (type >= 0) {
        EXPECT_EQ(reply.byte(), type);
    }
    auto entries = reply.entries();
    client.send(Bytes{1});
    EXPECT_TRUE(reply.ok);
    return entries;
}

// Sends a v4 upload and expects it acknowledged once applied.
inline void v4_upload(std::uint16_t port, const Bytes& request) {
    auto client = Client::connect(port);
    client.send(request);
    client.shutdown_write();
    EXPECT_EQ(client.recv_all(), (Bytes{1, 1, 1}));
}

}  // namespace clipshare::test
