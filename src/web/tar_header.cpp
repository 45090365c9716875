#include "web/tar_header.hpp"

#include <algorithm>
#include <cstdio>
#include <string>

namespace clipshare {
namespace {

// ustar's fields, by offset and width.
constexpr std::size_t kName = 0, kNameWidth = 100;
constexpr std::size_t kMode = 100, kUid = 108, kGid = 116, kSize = 124, kMtime = 136;
constexpr std::size_t kChecksum = 148, kType = 156, kMagic = 257, kVersion = 263;
constexpr std::size_t kUname = 265, kGname = 297;
// The largest size 11 octal digits hold (8 GiB - 1); above it the size goes in pax.
constexpr std::int64_t kMaxOctalSize = (std::int64_t{1} << 33) - 1;

void put(std::vector<std::uint8_t>& block, std::size_t at, std::string_view text) {
    std::copy(text.begin(), text.end(), block.begin() + static_cast<std::ptrdiff_t>(at));
}

// `width - 1` octal digits and a NUL, as every tar reads them.
void put_octal(std::vector<std::uint8_t>& block, std::size_t at, std::size_t width,
               std::uint64_t value) {
    std::string digits(width - 1, '0');
    for (std::size_t i = width - 1; i-- > 0 && value != 0; value >>= 3) {
        digits[i] = static_cast<char>('0' + (value & 7));
    }
    put(block, at, digits);
}

std::vector<std::uint8_t> ustar(std::string_view name, char type, std::int64_t size,
                                std::int64_t mtime) {
    std::vector<std::uint8_t> block(tar_block, 0);
    put(block, kName, name.substr(0, kNameWidth));
    put_octal(block, kMode, 8, type == '5' ? 0755 : 0644);
    put_octal(block, kUid, 8, 0);
    put_octal(block, kGid, 8, 0);
    put_octal(block, kSize, 12, static_cast<std::uint64_t>(std::min(size, kMaxOctalSize)));
    put_octal(block, kMtime, 12, static_cast<std::uint64_t>(std::max<std::int64_t>(mtime, 0)));
    block[kType] = static_cast<std::uint8_t>(type);
    put(block, kMagic, std::string_view{"ustar\0", 6});
    put(block, kVersion, "00");
    put(block, kUname, "clipshare");
    put(block, kGname, "clipshare");
    // The checksum is taken with its own field read as spaces.
    put(block, kChecksum, "        ");
    unsigned sum = 0;
    for (auto byte : block) sum += byte;
    put_octal(block, kChecksum, 7, sum);
    block[kChecksum + 7] = ' ';
    return block;
}

// One pax record: "<length> <key>=<value>\n", where the length counts itself.
std::string pax_record(std::string_view key, std::string_view value) {
    std::size_t body = 1 + key.size() + 1 + value.size() + 1;  // " key=value\n"
    std::size_t length = body + 1;
    while (std::to_string(length).size() + body != length) {
        length = std::to_string(length).size() + body;
    }
    return std::to_string(length) + " " + std::string{key} + "=" + std::string{value} + "\n";
}

}  // namespace

std::size_t tar_padding(std::int64_t size) {
    if (size <= 0) return 0;
    auto rest = static_cast<std::size_t>(size % static_cast<std::int64_t>(tar_block));
    return rest == 0 ? 0 : tar_block - rest;
}

std::vector<std::uint8_t> tar_entry_header(std::string_view name, std::int64_t size,
                                           std::int64_t mtime) {
    bool directory = size < 0;
    std::string path{name};
    if (directory && (path.empty() || path.back() != '/')) path += '/';
    std::int64_t content = directory ? 0 : size;
    std::string records;
    if (path.size() > kNameWidth) records += pax_record("path", path);
    if (content > kMaxOctalSize) records += pax_record("size", std::to_string(content));
    std::vector<std::uint8_t> out;
    if (!records.empty()) {
        auto extended =
            ustar("././@PaxHeader", 'x', static_cast<std::int64_t>(records.size()), mtime);
        out.insert(out.end(), extended.begin(), extended.end());
        out.insert(out.end(), records.begin(), records.end());
        out.insert(out.end(), tar_padding(static_cast<std::int64_t>(records.size())), 0);
    }
    auto header = ustar(path, directory ? '5' : '0', content, mtime);
    out.insert(out.end(), header.begin(), header.end());
    return out;
}

std::vector<std::uint8_t> tar_end() {
    return std::vector<std::uint8_t>(2 * tar_block, 0);
}

}  // namespace clipshare
