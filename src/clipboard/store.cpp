#include "clipboard/store.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <fstream>
#include <memory>
#include <sstream>

#include "util/log.hpp"

namespace clipshare {
namespace {

constexpr std::string_view magic = "clipshare-state 1\n";
constexpr const char* state_file = "clipboard.state";
constexpr const char* temp_file = "clipboard.state.tmp";

std::uint64_t realtime_ns() {
    timespec now{};
    clock_gettime(CLOCK_REALTIME, &now);
    return static_cast<std::uint64_t>(now.tv_sec) * 1'000'000'000u +
           static_cast<std::uint64_t>(now.tv_nsec);
}

// Writes `data` to state_dir/temp_file, syncs it, renames it over state_file, and syncs the
// directory, so that a crash leaves either the old state or the new one.
std::string write_atomically(const std::filesystem::path& dir, const std::string& data) {
    auto fail = [](const char* what) { return std::string{what} + ": " + std::strerror(errno); };
    int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir_fd < 0 && errno == ENOENT) {
        // Removed at run time (with working_dir, say): make it again rather than stop
        // saving for good.
        std::error_code ignored;
        std::filesystem::create_directories(dir, ignored);
        std::filesystem::permissions(dir, std::filesystem::perms::owner_all,
                                     std::filesystem::perm_options::replace, ignored);
        dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    }
    if (dir_fd < 0) return fail("cannot open state_dir");
    int fd = openat(dir_fd, temp_file, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        auto error = fail("cannot write the state file");
        ::close(dir_fd);
        return error;
    }
    std::size_t done = 0;
    std::string error;
    while (done < data.size()) {
        ssize_t n = ::write(fd, data.data() + done, data.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            error = fail("cannot write the state file");
            break;
        }
        done += static_cast<std::size_t>(n);
    }
    if (error.empty() && fsync(fd) != 0) error = fail("cannot sync the state file");
    ::close(fd);
    if (error.empty() && renameat(dir_fd, temp_file, dir_fd, state_file) != 0) {
        error = fail("cannot replace the state file");
    }
    if (error.empty()) fsync(dir_fd);
    if (!error.empty()) unlinkat(dir_fd, temp_file, 0);
    ::close(dir_fd);
    return error;
}

}  // namespace

StoreClipboard::StoreClipboard(uv_loop_t* loop, std::filesystem::path working_dir,
                               std::filesystem::path state_dir, MemoryBudget* budget)
    : working_dir_(std::move(working_dir)),
      state_dir_(std::move(state_dir)),
      budget_(budget),
      queue_(loop) {}

std::uint64_t StoreClipboard::saved_at_ns() const {
    struct stat info {};
    if (::stat((state_dir_ / state_file).c_str(), &info) != 0) return 0;
    return static_cast<std::uint64_t>(info.st_mtim.tv_sec) * 1'000'000'000u +
           static_cast<std::uint64_t>(info.st_mtim.tv_nsec);
}

std::vector<std::string> StoreClipboard::file_names() const {
    std::vector<std::string> names;
    if (content_.kind != ContentKind::files) return names;
    for (const auto& item : content_.items) names.push_back(item.name);
    return names;
}

std::string StoreClipboard::serialize(const Content& content) {
    std::string out{magic};
    switch (content.kind) {
        case ContentKind::empty:
        case ContentKind::image:  // the store never holds a bare image
            out += "empty\n";
            break;
        case ContentKind::text:
            out += "text\n";
            if (content.text) out += content.text->bytes;
            break;
        case ContentKind::files:
            out += "files\n";
            // Names never hold control bytes (files/names.hpp), so a line per item is safe.
            for (const auto& item : content.items) {
                out += item.directory ? 'd' : (item.png ? 'p' : 'f');
                out += ' ';
                out += item.name;
                out += '\n';
            }
            break;
    }
    return out;
}

bool StoreClipboard::parse(std::string_view data, Content& content) {
    if (data.substr(0, magic.size()) != magic) return false;
    data.remove_prefix(magic.size());
    auto line_end = data.find('\n');
    if (line_end == std::string_view::npos) return false;
    auto kind = data.substr(0, line_end);
    data.remove_prefix(line_end + 1);
    Content parsed;
    if (kind == "empty") {
        parsed.kind = ContentKind::empty;
    } else if (kind == "text") {
        parsed.kind = ContentKind::text;
        parsed.text = make_shared_bytes(std::string{data});
    } else if (kind == "files") {
        parsed.kind = ContentKind::files;
        while (!data.empty()) {
            line_end = data.find('\n');
            if (line_end == std::string_view::npos || line_end < 3 || data[1] != ' ') return false;
            char type = data[0];
            auto name = std::string{data.substr(2, line_end - 2)};
            if ((type != 'd' && type != 'f' && type != 'p') ||
                name.find('/') != std::string::npos || name == "." || name == "..") {
                return false;
            }
            parsed.items.push_back({name, type == 'd', type == 'p'});
            data.remove_prefix(line_end + 1);
        }
    } else {
        return false;
    }
    content = std::move(parsed);
    return true;
}

std::string StoreClipboard::load() {
    std::error_code error;
    std::filesystem::create_directories(state_dir_, error);
    if (error) return "state_dir " + state_dir_.string() + ": " + error.message();
    std::filesystem::permissions(state_dir_, std::filesystem::perms::owner_all,
                                 std::filesystem::perm_options::replace, error);
    std::ifstream in{state_dir_ / state_file, std::ios::binary};
    if (!in) return {};  // nothing saved yet
    std::stringstream data;
    data << in.rdbuf();
    changed_ns_ = saved_at_ns();
    if (!parse(data.str(), content_)) {
        LOG_WARN("%s is damaged; starting with an empty clipboard",
                 (state_dir_ / state_file).c_str());
        content_ = {};
    }
    if (content_.text) {
        // The saved text is held like any text a client sent: on the budget.
        MemoryCharge charge{budget_};
        charge.force_resize(content_.text->bytes.capacity());
        content_.text = make_shared_bytes(content_.text->bytes, std::move(charge));
    }
    return {};
}

void StoreClipboard::replace(Content next, Done done) {
    auto data = std::make_shared<std::string>(serialize(next));
    auto error = std::make_shared<std::string>();
    queue_.post([dir = state_dir_, data, error] { *error = write_atomically(dir, *data); },
                [this, next = std::move(next), error, done = std::move(done)]() mutable {
                    if (error->empty()) {
                        content_ = std::move(next);
                        // Never the same twice, even within the file system's
                        // coarse timestamps.
                        changed_ns_ = std::max(realtime_ns(), changed_ns_ + 1);
                    } else {
                        LOG_ERROR("clipboard not saved: %s", error->c_str());
                    }
                    done(*error);
                });
}

void StoreClipboard::kind(std::function<void(ContentKind)> done) {
    done(content_.kind);
}

void StoreClipboard::get_text(std::function<void(SharedBytes)> done) {
    if (content_.kind != ContentKind::text) return done(nullptr);
    done(content_.text);
}

void StoreClipboard::set_text(SharedBytes text, Done done) {
    Content next;
    next.kind = ContentKind::text;
    next.text = std::move(text);
    replace(std::move(next), std::move(done));
}

void StoreClipboard::get_files(
    std::function<void(std::optional<std::vector<std::filesystem::path>>)> done) {
    if (content_.kind != ContentKind::files) return done(std::nullopt);
    std::vector<std::filesystem::path> roots;
    for (const auto& item : content_.items) roots.push_back(working_dir_ / item.name);
    done(std::move(roots));
}

void StoreClipboard::set_files(std::vector<PlacedItem> items, Done done) {
    Content next;
    next.kind = ContentKind::files;
    next.items = std::move(items);
    replace(std::move(next), std::move(done));
}

void StoreClipboard::get_image(std::function<void(std::optional<Image>)> done) {
    const auto& items = content_.items;
    if (content_.kind != ContentKind::files || items.size() != 1 || !items[0].png) {
        return done(std::nullopt);
    }
    done(Image{working_dir_ / items[0].name, {}, changed_ns_});
}

void StoreClipboard::screenshot(std::int64_t, std::function<void(std::optional<Image>)> done) {
    done(std::nullopt);  // a router has no screen
}

}  // namespace clipshare
