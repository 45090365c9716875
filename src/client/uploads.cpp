#include "client/uploads.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <set>

#include "client/errors.hpp"
#include "client/printable.hpp"
#include "files/listing.hpp"
#include "files/names.hpp"
#include "proto/wire.hpp"
#include "util/utf8.hpp"

// st_size is compared with 64-bit sizes: with a 32-bit off_t, fstat fails on files of
// 2 GiB or more on armhf and mipsel.
static_assert(sizeof(off_t) == 8, "large file support: build with -D_FILE_OFFSET_BITS=64");

namespace clipshare::client {
namespace fs = std::filesystem;
namespace {

constexpr std::size_t chunk_size = 64 * 1024;

// Closes the file on every way out of send_content.
struct FileDescriptor {
    int fd = -1;
    ~FileDescriptor() {
        if (fd >= 0) ::close(fd);
    }
};

void send_content(Channel& channel, const FileEntry& entry, Progress& progress) {
    FileDescriptor file{::open(entry.source.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC)};
    if (file.fd < 0) {
        fail(Exit::failure, "cannot open " + entry.source.string() + ": " + std::strerror(errno));
    }
    // The size is already on the wire: sending other than that many bytes would corrupt the
    // stream, so a file that changed is a failure (and the server discards the batch).
    auto changed = [&] {
        fail(Exit::failure, entry.source.string() + " changed while being sent; the server " +
                                "discards the incomplete batch");
    };
    struct stat info {};
    if (fstat(file.fd, &info) != 0 || info.st_size != entry.size) changed();
    std::vector<std::uint8_t> buffer(chunk_size);
    std::int64_t left = entry.size;
    while (left > 0) {
        auto want = static_cast<std::size_t>(std::min<std::int64_t>(left, chunk_size));
        ssize_t got = ::read(file.fd, buffer.data(), want);
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) {
            fail(Exit::failure,
                 "cannot read " + entry.source.string() + ": " + std::strerror(errno));
        }
        if (got == 0) changed();
        channel.write_all({buffer.data(), static_cast<std::size_t>(got)});
        progress.advance(got);
        left -= got;
    }
    if (fstat(file.fd, &info) != 0 || info.st_size != entry.size) changed();
}

bool is_below(const std::string& name, const std::string& root) {
    return name == root || (name.size() > root.size() && name.compare(0, root.size(), root) == 0 &&
                            name[root.size()] == '/');
}

}  // namespace

std::string check_text(std::string_view text) {
    if (text.empty()) return "the text is empty (servers refuse empty text)";
    if (text.find('\0') != std::string_view::npos) return "the text contains a NUL byte";
    if (!is_valid_utf8(text)) return "the text is not valid UTF-8";
    return {};
}

void send_text(Conversation& conversation, std::string_view text) {
    if (auto why = check_text(text); !why.empty()) fail(Exit::failure, why);
    conversation.begin(Method::send_text);
    auto message = wire::MessageBuilder{}.string(text).take();
    conversation.channel().write_all(message);
    conversation.await_confirmation(Method::send_text);
}

std::vector<fs::path> upload_roots(const std::vector<std::string>& arguments) {
    std::vector<fs::path> roots;
    std::set<std::string> names;
    for (const auto& argument : arguments) {
        std::error_code error;
        fs::path path = fs::absolute(argument, error).lexically_normal();
        if (!path.has_filename()) path = path.parent_path();  // "dir/" -> "dir"
        auto status = fs::status(path, error);
        if (error) fail(Exit::failure, "cannot send " + argument + ": " + error.message());
        if (fs::is_symlink(fs::symlink_status(path, error))) {
            // The listing never follows links (as the daemon's Get Files); one the user names
            // is meant, so send what it points to.
            path = fs::canonical(path, error);
            if (error) fail(Exit::failure, "cannot send " + argument + ": " + error.message());
        }
        if (!fs::is_regular_file(status) && !fs::is_directory(status)) {
            fail(Exit::failure, "cannot send " + argument + ": not a file or a directory");
        }
        std::string name = path.filename().string();
        if (name.empty()) fail(Exit::failure, "cannot send " + argument + ": it has no name");
        if (!names.insert(name).second) {
            fail(Exit::failure,
                 "two arguments are named '" + name + "'; the server would refuse the batch");
        }
        roots.push_back(path);
    }
    return roots;
}

UploadPlan plan_upload(const std::vector<fs::path>& roots, int version) {
    if (version < 2 && (roots.size() != 1 || !fs::is_regular_file(roots.front()))) {
        fail(Exit::unknown_method,
             "the server speaks protocol version 1, which sends a single regular file");
    }
    UploadPlan plan;
    list_file_entries(roots, version, plan.entries);
    for (const auto& root : roots) {
        std::string name = root.filename().string();
        bool sent = false;
        for (const auto& entry : plan.entries) sent |= is_below(entry.name, name);
        if (sent) continue;
        if (!fs::is_directory(root)) fail(Exit::failure, "cannot read " + root.string());
        plan.warnings.push_back(root.string() + " has no files; protocol version " +
                                std::to_string(version) + " cannot send empty directories");
    }
    if (plan.entries.empty()) fail(Exit::failure, "nothing to send");
    for (const auto& entry : plan.entries) {
        auto checked = normalize_received_path(entry.name, version, entry.size < 0);
        if (!checked.ok() || checked.path != entry.name) {
            fail(Exit::failure, "cannot send " + printable(entry.source.string()) + ": " +
                                    (checked.ok() ? "its name" : checked.error) +
                                    " would be refused by the server");
        }
    }
    return plan;
}

void send_files(Conversation& conversation, const std::vector<FileEntry>& entries,
                Progress& progress) {
    const int version = conversation.version();
    if (entries.empty() || (version < 2 && (entries.size() != 1 || entries[0].size < 0))) {
        fail(Exit::failure,
             "nothing that protocol version " + std::to_string(version) + " can send");
    }
    conversation.begin(Method::send_files);
    Channel& channel = conversation.channel();
    if (version >= 2) {
        auto count = wire::encode_i64(static_cast<std::int64_t>(entries.size()));
        channel.write_all(count);
    }
    std::int64_t total = 0;
    for (const auto& entry : entries) total += std::max<std::int64_t>(entry.size, 0);
    progress.start_batch(total, static_cast<std::int64_t>(entries.size()));
    for (const auto& entry : entries) {
        auto header = wire::MessageBuilder{}.string(entry.name).i64(entry.size).take();
        channel.write_all(header);
        progress.item(entry.name, std::max<std::int64_t>(entry.size, 0));
        if (entry.size < 0) continue;
        send_content(channel, entry, progress);
    }
    progress.finish();
    conversation.await_confirmation(Method::send_files);
}

}  // namespace clipshare::client
