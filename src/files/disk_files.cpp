#include "files/disk_files.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <ctime>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "util/log.hpp"
#include "util/work_queue.hpp"

namespace clipshare {
namespace {

std::string errno_text(const std::string& what) { return what + ": " + std::strerror(errno); }

constexpr std::array<std::uint8_t, 8> png_signature{0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

// Removes `name` inside `dir_fd` and everything below it, never following a symlink.
void remove_tree_at(int dir_fd, const char* name) {
    if (unlinkat(dir_fd, name, 0) == 0 || (errno != EISDIR && errno != EPERM)) return;
    int fd = openat(dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd >= 0) {
        if (DIR* dir = fdopendir(fd)) {
            while (dirent* entry = readdir(dir)) {
                if (std::strcmp(entry->d_name, ".") == 0 || std::strcmp(entry->d_name, "..") == 0)
                    continue;
                remove_tree_at(dirfd(dir), entry->d_name);
            }
            closedir(dir);  // closes fd
        } else {
            ::close(fd);
        }
    }
    unlinkat(dir_fd, name, AT_REMOVEDIR);
}

// Opens (creating as needed) the directory `path` below `root_fd`, one segment at a time
// with O_NOFOLLOW so no symlink can lead outside. Returns an fd or -1 with errno.
int open_directory_path(int root_fd, const std::string& path, bool create) {
    int current = dup(root_fd);
    if (path.empty()) return current;
    std::size_t start = 0;
    while (current >= 0 && start <= path.size()) {
        auto end = path.find('/', start);
        if (end == std::string::npos) end = path.size();
        std::string segment = path.substr(start, end - start);
        if (create && mkdirat(current, segment.c_str(), 0755) != 0 && errno != EEXIST) {
            int saved = errno;
            ::close(current);
            errno = saved;
            return -1;
        }
        int next = openat(current, segment.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        int saved = errno;
        ::close(current);
        errno = saved;
        current = next;
        start = end + 1;
    }
    return current;
}

// ---- receiving ----

struct BatchState {
    std::filesystem::path working_dir;
    int working_fd = -1;
    std::string temp_name;
    int temp_fd = -1;
    int file_fd = -1;
    std::string file_path;
    std::int64_t file_size = 0;
    std::int64_t file_written = 0;
    std::array<std::uint8_t, 8> file_head{};
    bool committed = false;
    std::string failure;  // once a step failed, every later step fails the same way
    std::vector<PlacedItem> top_level;  // as received, names in the temp dir
    std::vector<PlacedItem> placed;     // as committed, names in working_dir

    ~BatchState() {
        if (file_fd >= 0) ::close(file_fd);
        if (temp_fd >= 0) ::close(temp_fd);
        if (!committed && !temp_name.empty() && working_fd >= 0) {
            remove_tree_at(working_fd, temp_name.c_str());
        }
        if (working_fd >= 0) ::close(working_fd);
    }

    std::string ensure_temp_dir() {
        if (temp_fd >= 0) return {};
        // Opened per batch, so a working_dir that was removed and made again is found.
        working_fd = ::open(working_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (working_fd < 0) return errno_text("working_dir " + working_dir.string());
        for (int attempt = 0; attempt < 100; ++attempt) {
            // Unguessable is not needed (the directory is created with O_EXCL semantics and
            // 0700); distinct is, across connections and restarts.
            static std::atomic<unsigned> counter{static_cast<unsigned>(time(nullptr))};
            char suffix[24];
            std::snprintf(suffix, sizeof suffix, "%x-%x", static_cast<unsigned>(getpid()),
                          counter.fetch_add(1));
            std::string name = std::string{upload_dir_prefix} + suffix;
            if (mkdirat(working_fd, name.c_str(), 0700) == 0) {
                temp_name = name;
                temp_fd = openat(working_fd, name.c_str(),
                                 O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (temp_fd < 0) return errno_text("cannot open the temporary directory");
                return {};
            }
            if (errno != EEXIST) return errno_text("cannot create a temporary directory");
        }
        return "cannot create a temporary directory";
    }

    void note_top_level(const std::string& path, bool directory) {
        std::string top = path.substr(0, path.find('/'));
        bool is_top = top.size() == path.size();
        for (auto& item : top_level) {
            if (item.name == top) return;
        }
        top_level.push_back({top, directory || !is_top, false});
    }
};

class DiskBatch final : public IncomingBatch {
public:
    DiskBatch(uv_loop_t* loop, std::filesystem::path working_dir)
        : queue_(loop), state_(std::make_shared<BatchState>()) {
        state_->working_dir = std::move(working_dir);
    }
    ~DiskBatch() override {
        // The state (and with it the temporary directory, unless committed) goes on the
        // pool once every queued task is done, never under a running task's feet.
        queue_.post([state = std::move(state_)]() mutable { state.reset(); });
    }

    void add_directory(std::string path, Done done) override {
        run(done, [path](BatchState& s) -> std::string {
            if (auto error = s.ensure_temp_dir(); !error.empty()) return error;
            int fd = open_directory_path(s.temp_fd, path, true);
            if (fd < 0) return errno_text("cannot create directory '" + path + "'");
            ::close(fd);
            s.note_top_level(path, true);
            return {};
        });
    }

    void begin_file(std::string path, std::int64_t size, Done done) override {
        run(done, [path, size](BatchState& s) -> std::string {
            if (auto error = s.ensure_temp_dir(); !error.empty()) return error;
            auto slash = path.rfind('/');
            std::string parent = slash == std::string::npos ? "" : path.substr(0, slash);
            std::string leaf = slash == std::string::npos ? path : path.substr(slash + 1);
            int dir = open_directory_path(s.temp_fd, parent, true);
            if (dir < 0) return errno_text("cannot create directory '" + parent + "'");
            s.file_fd = openat(dir, leaf.c_str(),
                               O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
            int saved = errno;
            ::close(dir);
            errno = saved;
            if (s.file_fd < 0) return errno_text("cannot create '" + path + "'");
            s.file_path = path;
            s.file_size = size;
            s.file_written = 0;
            s.file_head.fill(0);
            s.note_top_level(path, false);
            return {};
        });
    }

    void write(std::vector<std::uint8_t> chunk, Done done) override {
        auto data = std::make_shared<std::vector<std::uint8_t>>(std::move(chunk));
        run(done, [data](BatchState& s) -> std::string {
            const std::uint8_t* bytes = data->data();
            std::size_t left = data->size();
            if (s.file_written < 8) {
                auto head = std::min<std::size_t>(left, 8 - static_cast<std::size_t>(s.file_written));
                std::memcpy(s.file_head.data() + s.file_written, bytes, head);
            }
            while (left > 0) {
                ssize_t n = ::write(s.file_fd, bytes, left);
                if (n < 0 && errno == EINTR) continue;
                if (n < 0) return errno_text("cannot write '" + s.file_path + "'");
                bytes += n;
                left -= static_cast<std::size_t>(n);
                s.file_written += n;
            }
            return {};
        });
    }

    void end_file(Done done) override {
        run(done, [](BatchState& s) -> std::string {
            // "Stored" means on disk: the client's acknowledgement promises that much.
            if (fsync(s.file_fd) != 0) return errno_text("cannot sync '" + s.file_path + "'");
            if (::close(s.file_fd) != 0) {
                s.file_fd = -1;
                return errno_text("cannot close '" + s.file_path + "'");
            }
            s.file_fd = -1;
            if (s.file_path.find('/') == std::string::npos && s.file_written >= 8 &&
                s.file_head == png_signature) {
                for (auto& item : s.top_level) {
                    if (item.name == s.file_path) item.png = true;
                }
            }
            return {};
        });
    }

    void uncommit(Done done) override {
        run(done, [](BatchState& s) -> std::string {
            for (const auto& item : s.placed) remove_tree_at(s.working_fd, item.name.c_str());
            s.placed.clear();
            return {};
        });
    }

    void commit(std::function<void(std::string, std::vector<PlacedItem>)> done) override {
        auto placed = std::make_shared<std::vector<PlacedItem>>();
        auto error = std::make_shared<std::string>();
        queue_.post(
            [state = state_, placed, error] {
                *error = state->failure.empty() ? place_all(*state, *placed) : state->failure;
            },
            [placed, error, done = std::move(done)] { done(*error, std::move(*placed)); });
    }

private:
    // Renames each top-level entry into working_dir under the first free name of
    // name, 1_name, 2_name, ... RENAME_NOREPLACE makes "free" atomic, so an existing file
    // (or a symlink planted there) is never replaced.
    static std::string place_all(BatchState& s, std::vector<PlacedItem>& placed) {
        if (s.temp_fd < 0) return "nothing was received";
        std::string failure;
        for (const auto& item : s.top_level) {
            bool done = false;
            for (int n = 0; n < 100000 && !done; ++n) {
                std::string target = n == 0 ? item.name : std::to_string(n) + "_" + item.name;
                if (target.size() > 255) break;
                if (renameat2(s.temp_fd, item.name.c_str(), s.working_fd, target.c_str(),
                              RENAME_NOREPLACE) == 0) {
                    placed.push_back({target, item.directory, item.png});
                    done = true;
                } else if (errno != EEXIST) {
                    failure = errno_text("cannot move '" + item.name + "' into place");
                    break;
                }
            }
            if (!failure.empty()) break;
            if (!done) {
                failure = "no free name for '" + item.name + "'";
                break;
            }
        }
        if (!failure.empty()) {
            // All or nothing: take back what was already placed.
            for (const auto& item : placed) remove_tree_at(s.working_fd, item.name.c_str());
            placed.clear();
            return failure;
        }
        fsync(s.working_fd);
        s.committed = true;
        s.placed = placed;
        ::close(s.temp_fd);
        s.temp_fd = -1;
        unlinkat(s.working_fd, s.temp_name.c_str(), AT_REMOVEDIR);
        return {};
    }

    void run(const Done& done, std::function<std::string(BatchState&)> step) {
        auto error = std::make_shared<std::string>();
        queue_.post(
            [state = state_, error, step = std::move(step)] {
                if (state->failure.empty()) state->failure = step(*state);
                *error = state->failure;
            },
            [error, done] { done(*error); });
    }

    WorkQueue queue_;
    std::shared_ptr<BatchState> state_;
};

// ---- sending ----

struct ReaderState {
    FileEntry entry;
    int fd = -1;
    std::int64_t offset = 0;
    ~ReaderState() {
        if (fd >= 0) ::close(fd);
    }
};

class DiskReader final : public OutgoingFile {
public:
    DiskReader(uv_loop_t* loop, FileEntry entry)
        : queue_(loop), state_(std::make_shared<ReaderState>()) {
        state_->entry = std::move(entry);
    }
    ~DiskReader() override {
        queue_.post([state = std::move(state_)]() mutable { state.reset(); });
    }

    void read(std::size_t max_bytes, Done done) override {
        auto result = std::make_shared<std::pair<std::string, std::vector<std::uint8_t>>>();
        queue_.post([state = state_, result, max_bytes] { read_chunk(*state, max_bytes, *result); },
                    [result, done = std::move(done)] {
                        done(std::move(result->first), std::move(result->second));
                    });
    }

private:
    static void read_chunk(ReaderState& s, std::size_t max_bytes,
                           std::pair<std::string, std::vector<std::uint8_t>>& result) {
        const auto& name = s.entry.name;
        struct stat info {};
        if (s.fd < 0) {
            s.fd = ::open(s.entry.source.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
            if (s.fd < 0) {
                result.first = errno_text("cannot open '" + name + "'");
                return;
            }
            if (fstat(s.fd, &info) != 0 || info.st_size != s.entry.size) {
                result.first = "'" + name + "' changed size since it was listed";
                return;
            }
        }
        auto left = static_cast<std::size_t>(s.entry.size - s.offset);
        result.second.resize(std::min(left, max_bytes));
        std::size_t got = 0;
        while (got < result.second.size()) {
            ssize_t n = pread(s.fd, result.second.data() + got, result.second.size() - got,
                              s.offset + static_cast<off_t>(got));
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) {
                result.first = errno_text("cannot read '" + name + "'");
                return;
            }
            if (n == 0) {
                result.first = "'" + name + "' shrank while being sent";
                return;
            }
            got += static_cast<std::size_t>(n);
        }
        s.offset += static_cast<std::int64_t>(got);
        if (s.offset == s.entry.size && (fstat(s.fd, &info) != 0 || info.st_size != s.entry.size)) {
            result.first = "'" + name + "' changed size while being sent";
        }
    }

    WorkQueue queue_;
    std::shared_ptr<ReaderState> state_;
};

// ---- listing ----

// Opens the file once, as sending it will, and returns its size (or -1 when unusable).
std::int64_t checked_size(const std::filesystem::path& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) return -1;
    struct stat info {};
    std::int64_t size = (fstat(fd, &info) == 0 && S_ISREG(info.st_mode)) ? info.st_size : -1;
    ::close(fd);
    return size;
}

void walk_directory(const std::filesystem::path& dir, const std::string& prefix, int version,
                    std::vector<FileEntry>& entries) {
    std::vector<std::string> names;
    std::error_code error;
    for (const auto& child : std::filesystem::directory_iterator(dir, error)) {
        names.push_back(child.path().filename().string());
    }
    std::sort(names.begin(), names.end());  // std::string compares bytes: a stable order
    std::size_t before = entries.size();
    for (const auto& name : names) {
        auto path = dir / name;
        auto status = std::filesystem::symlink_status(path, error);
        if (error) continue;
        if (std::filesystem::is_regular_file(status)) {
            auto size = checked_size(path);
            if (size >= 0) entries.push_back({prefix + "/" + name, size, path});
        } else if (std::filesystem::is_directory(status)) {
            walk_directory(path, prefix + "/" + name, version, entries);
        }
        // Symlinks and special files are never followed or sent.
    }
    if (entries.size() == before && version >= 3) entries.push_back({prefix, -1, dir});
}

}  // namespace

std::string list_file_entries(const std::vector<std::filesystem::path>& roots, int version,
                              std::vector<FileEntry>& entries) {
    auto sorted = roots;
    std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) {
        return a.filename().string() < b.filename().string();
    });
    for (const auto& root : sorted) {
        std::error_code error;
        auto status = std::filesystem::symlink_status(root, error);
        if (error) continue;
        std::string name = root.filename().string();
        if (std::filesystem::is_regular_file(status)) {
            auto size = checked_size(root);
            if (size >= 0) entries.push_back({name, size, root});
        } else if (std::filesystem::is_directory(status) && version >= 2) {
            walk_directory(root, name, version, entries);
        }
    }
    return {};
}

DiskFiles::DiskFiles(uv_loop_t* loop, std::filesystem::path working_dir)
    : loop_(loop), working_dir_(std::move(working_dir)), list_queue_(loop) {}

DiskFiles::~DiskFiles() = default;

std::string DiskFiles::open() {
    int working_fd = ::open(working_dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (working_fd < 0) return errno_text("working_dir " + working_dir_.string());
    std::error_code error;
    for (const auto& entry : std::filesystem::directory_iterator(working_dir_, error)) {
        auto name = entry.path().filename().string();
        if (name.rfind(upload_dir_prefix, 0) == 0) {
            LOG_INFO("removing %s, left by an interrupted upload", entry.path().c_str());
            remove_tree_at(working_fd, name.c_str());
        }
    }
    ::close(working_fd);
    return {};
}

std::unique_ptr<IncomingBatch> DiskFiles::begin_batch() {
    return std::make_unique<DiskBatch>(loop_, working_dir_);
}

void DiskFiles::list(std::vector<std::filesystem::path> roots, int version,
                     std::function<void(std::string, std::vector<FileEntry>)> done) {
    auto result = std::make_shared<std::pair<std::string, std::vector<FileEntry>>>();
    list_queue_.post(
        [roots = std::move(roots), version, result] {
            result->first = list_file_entries(roots, version, result->second);
        },
        [result, done = std::move(done)] {
            done(std::move(result->first), std::move(result->second));
        });
}

std::unique_ptr<OutgoingFile> DiskFiles::open(FileEntry entry) {
    return std::make_unique<DiskReader>(loop_, std::move(entry));
}

}  // namespace clipshare
