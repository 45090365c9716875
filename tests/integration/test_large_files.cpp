// A file just over 4 GiB through the real daemon, up and down, with the real client. Every
// size, offset and count past 2^31 and 2^32 must survive: on a 32-bit daemon or client
// (armhf, mipsel) a size_t, long or off_t in the path would narrow there. The cross CI leg
// runs this with a 32-bit clipshared and clipshare under qemu-user.
//
// It writes about 8 GiB to disk, so it runs only when CLIPSHARE_LARGE_FILE_TEST=1 (and is
// skipped otherwise). The source is sparse: making it costs nothing.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "client_process.hpp"
#include "daemon_fixture.hpp"

namespace clipshare::test {
namespace {

namespace fs = std::filesystem;

constexpr std::int64_t gib = std::int64_t{1} << 30;
constexpr std::int64_t file_size = 4 * gib + (1 << 20) + 7;

// Where the file carries its own offset (8 bytes, big-endian): both sides of 2 GiB and of
// 4 GiB, and the very end. A byte lost, doubled or misplaced anywhere before one of them
// moves it.
const std::vector<std::int64_t> marker_offsets{
    0, 2 * gib - 8, 2 * gib, 4 * gib - 16, 4 * gib - 8, 4 * gib, 4 * gib + 8, file_size - 8};

std::array<std::uint8_t, 8> marker(std::int64_t offset) {
    std::array<std::uint8_t, 8> bytes{};
    for (int i = 0; i < 8; ++i) bytes[i] = static_cast<std::uint8_t>(offset >> (56 - 8 * i));
    return bytes;
}

bool make_sparse_file(const fs::path& path) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return false;
    bool ok = ::ftruncate(fd, file_size) == 0;
    for (std::int64_t offset : marker_offsets) {
        auto bytes = marker(offset);
        ok = ok && ::pwrite(fd, bytes.data(), bytes.size(), offset) == 8;
    }
    return ::close(fd) == 0 && ok;
}

// "" when `path` has the size and every marker in place, else what is wrong.
std::string check_file(const fs::path& path) {
    std::error_code ec;
    auto size = fs::file_size(path, ec);
    if (ec) return path.string() + ": " + ec.message();
    if (static_cast<std::int64_t>(size) != file_size) {
        return path.string() + ": " + std::to_string(size) + " bytes, not " +
               std::to_string(file_size);
    }
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return path.string() + ": cannot open";
    std::string problem;
    for (std::int64_t offset : marker_offsets) {
        std::array<std::uint8_t, 8> bytes{};
        if (::pread(fd, bytes.data(), bytes.size(), offset) != 8 || bytes != marker(offset)) {
            problem = path.string() + ": wrong bytes at offset " + std::to_string(offset);
            break;
        }
    }
    ::close(fd);
    return problem;
}

TEST(LargeFiles, JustOver4GiBGoesUpAndComesBackIntact) {
    if (std::getenv("CLIPSHARE_LARGE_FILE_TEST") == nullptr) {
        GTEST_SKIP() << "set CLIPSHARE_LARGE_FILE_TEST=1 to move 2 x 4 GiB through the disk";
    }
    TempDir source;
    const fs::path original = source.path() / "big.bin";
    ASSERT_TRUE(make_sparse_file(original));
    ASSERT_EQ(check_file(original), "");

    auto daemon = Daemon::start("");
    const std::string port = std::to_string(daemon->port());
    // v4: exit 0 only after the daemon's ack, i.e. once the file is stored and synced.
    auto up = run_command(
        {client_binary().string(), "-p", port, "send-files", "127.0.0.1", original.string()});
    ASSERT_EQ(up.exit_status, 0) << up.err;
    EXPECT_EQ(check_file(daemon->working_dir() / "big.bin"), "");

    TempDir target;
    auto down = run_command(
        {client_binary().string(), "-p", port, "get-files", "127.0.0.1", target.path().string()});
    ASSERT_EQ(down.exit_status, 0) << down.err;
    EXPECT_EQ(check_file(target.path() / "big.bin"), "");
}

}  // namespace
}  // namespace clipshare::test
