#include "client/downloads.hpp"

#include <algorithm>
#include <vector>

#include "client/errors.hpp"
#include "client/printable.hpp"
#include "files/batch_plan.hpp"
#include "files/names.hpp"
#include "proto/info.hpp"
#include "proto/wire.hpp"

namespace clipshare::client {
namespace {

constexpr std::size_t chunk_size = 64 * 1024;

std::string read_string(Channel& channel, std::int64_t length, const char* what) {
    std::string text(static_cast<std::size_t>(length), '\0');
    read_exact(channel, {reinterpret_cast<std::uint8_t*>(text.data()), text.size()}, what);
    return text;
}

// Streams `size` bytes from the server into `write`, in bounded chunks.
template <typename Write>
void copy_bytes(Channel& channel, std::int64_t size, const char* what, Progress& progress,
                Write&& write) {
    std::vector<std::uint8_t> buffer(chunk_size);
    while (size > 0) {
        auto want = static_cast<std::size_t>(std::min<std::int64_t>(size, chunk_size));
        std::size_t got = channel.read_some({buffer.data(), want});
        if (got == 0) {
            fail(
                Exit::bad_response,
                std::string{"the server closed the connection early (while sending "} + what + ")");
        }
        write(std::span<const std::uint8_t>{buffer.data(), got});
        progress.advance(static_cast<std::int64_t>(got));
        size -= static_cast<std::int64_t>(got);
    }
}

std::int64_t read_text_length(Channel& channel) {
    std::int64_t length = read_i64(channel, "the text length");
    if (length < 0) fail(Exit::bad_response, "the server sent a negative text length");
    return length;
}

void receive_text(Channel& channel, ByteSink& out) {
    std::int64_t length = read_text_length(channel);
    Progress none{nullptr};  // text is small; a bar would only flicker
    copy_bytes(channel, length, "the text", none,
               [&](std::span<const std::uint8_t> bytes) { out.write(bytes); });
    out.finish();
}

std::int64_t read_image_size(Channel& channel) {
    std::int64_t size = read_i64(channel, "the image size");
    if (size < 0 || size > max_image_size) {
        fail(Exit::bad_response,
             "the server announced an image of " + std::to_string(size) + " bytes (limit 1 GiB)");
    }
    return size;
}

void receive_image(Channel& channel, ByteSink& out, Progress& progress) {
    std::int64_t size = read_image_size(channel);
    progress.start("image", size);
    copy_bytes(channel, size, "the image", progress,
               [&](std::span<const std::uint8_t> bytes) { out.write(bytes); });
    progress.finish();
    out.finish();
}

std::vector<std::string> receive_files(Conversation& conversation, ReceivedFiles& out,
                                       Progress& progress) {
    Channel& channel = conversation.channel();
    const int version = conversation.version();
    std::int64_t count = read_i64(channel, "the number of files");
    if (count < 1 || count > max_file_count) {
        fail(Exit::bad_response, "the server announced " + std::to_string(count) + " files");
    }
    BatchPlan plan;
    // One bar for the batch: the server sends each file's size only when the file comes.
    progress.start_batch(-1, count);
    for (std::int64_t index = 0; index < count; ++index) {
        std::int64_t name_length = read_i64(channel, "a file name length");
        if (name_length < 1 || name_length > static_cast<std::int64_t>(max_name_length)) {
            fail(Exit::bad_response,
                 "the server sent a file name of " + std::to_string(name_length) + " bytes");
        }
        std::string name = read_string(channel, name_length, "a file name");
        std::int64_t size = read_i64(channel, "a file size");
        bool directory = size == -1 && version >= 3;
        if (size < 0 && !directory) {
            fail(Exit::bad_response, "the server sent size " + std::to_string(size) + " for '" +
                                         printable(name) + "' in protocol version " +
                                         std::to_string(version));
        }
        std::string path;
        if (auto why = check_served_name(name, version, directory, path); !why.empty()) {
            fail(Exit::bad_response, "the server sent the unsafe file name '" + printable(name) +
                                         "' (" + why + "); nothing was saved");
        }
        if (auto why = plan.add(path, directory); !why.empty()) {
            fail(Exit::bad_response, "the server sent a broken batch: " + printable(why));
        }
        if (directory) {
            out.directory(path);
            progress.item(path, 0);
            continue;
        }
        out.begin_file(path, size);
        progress.item(path, size);
        copy_bytes(channel, size, "a file", progress,
                   [&](std::span<const std::uint8_t> bytes) { out.write(bytes); });
        out.end_file();
    }
    progress.finish();
    return out.commit();
}

}  // namespace

std::string check_served_name(const std::string& name, int version, bool directory,
                              std::string& normalized) {
    if (!name.empty() && name.front() == '/') return "an absolute path";
    if (version < 2 && name.find('/') != std::string::npos) {
        return "a path with folders in protocol version 1";
    }
    auto result = normalize_received_path(name, version, directory);
    if (!result.ok()) return result.error;
    normalized = result.path;
    return {};
}

ServerInfo get_info(Conversation& conversation) {
    conversation.begin(Method::info);
    Channel& channel = conversation.channel();
    std::int64_t length = read_i64(channel, "the Info length");
    if (length < 0 || length > max_info_length) {
        fail(Exit::bad_response,
             "the server announced an Info of " + std::to_string(length) + " bytes");
    }
    std::string payload = read_string(channel, length, "the Info");
    // The desktop client's checks: exactly the magic before v4; in v4 the magic, then the
    // end or a newline.
    ServerInfo info;
    bool good = payload == info_magic;
    if (!good && conversation.version() >= 4 && payload.rfind(info_magic, 0) == 0 &&
        payload[info_magic.size()] == '\n') {
        good = true;
        std::string_view rest{payload};
        rest.remove_prefix(info_magic.size() + 1);
        while (!rest.empty()) {
            auto end = rest.find('\n');
            auto line = rest.substr(0, end);
            if (!line.empty()) info.details.emplace_back(line);
            rest.remove_prefix(end == std::string_view::npos ? rest.size() : end + 1);
        }
    }
    if (!good) {
        fail(Exit::bad_response,
             "not a ClipShare server: Info answered '" + printable(payload.substr(0, 64)) + "'");
    }
    conversation.acknowledge();
    return info;
}

void get_text(Conversation& conversation, ByteSink& out) {
    conversation.begin(Method::get_text);
    receive_text(conversation.channel(), out);
    conversation.acknowledge();
}

std::vector<std::string> get_files(Conversation& conversation, ReceivedFiles& out,
                                   Progress& progress) {
    conversation.begin(Method::get_files);
    auto placed = receive_files(conversation, out, progress);
    conversation.acknowledge();
    return placed;
}

void get_image(Conversation& conversation, Method method, ByteSink& out, Progress& progress) {
    conversation.begin(method);
    receive_image(conversation.channel(), out, progress);
    conversation.acknowledge();
}

void get_screenshot(Conversation& conversation, std::int64_t display, ByteSink& out,
                    Progress& progress) {
    conversation.begin(Method::get_screenshot);
    auto encoded = wire::encode_i64(display);
    conversation.channel().write_all(encoded);
    conversation.expect_status(Method::get_screenshot, "the screenshot status");
    receive_image(conversation.channel(), out, progress);
    conversation.acknowledge();
}

AnyResult get_any(Conversation& conversation, ByteSink& text, ReceivedFiles& files,
                  Progress& progress) {
    conversation.begin(Method::get_any);
    Channel& channel = conversation.channel();
    AnyResult result;
    std::uint8_t type = read_byte(channel, "the clipboard type");
    switch (type) {
        case 1:
            result.kind = AnyKind::text;
            receive_text(channel, text);
            break;
        case 2:
            result.kind = AnyKind::files;
            result.placed = receive_files(conversation, files, progress);
            break;
        case 3: {
            result.kind = AnyKind::image;
            std::int64_t size = read_image_size(channel);
            files.begin_file(any_image_name, size);
            progress.start("image", size);
            copy_bytes(channel, size, "the image", progress,
                       [&](std::span<const std::uint8_t> bytes) { files.write(bytes); });
            progress.finish();
            files.end_file();
            result.placed = files.commit();
            break;
        }
        default:
            fail(Exit::bad_response, "the server sent the unknown clipboard type " +
                                         std::to_string(type) + " for Get Any");
    }
    conversation.acknowledge();
    return result;
}

}  // namespace clipshare::client
