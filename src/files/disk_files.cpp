#include "files/disk_files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <memory>

#include "files/batch_writer.hpp"
#include "util/log.hpp"
#include "util/work_queue.hpp"

// pread offsets and st_size are compared with 64-bit sizes: a 32-bit off_t (a build without
// _FILE_OFFSET_BITS=64) would fail or wrap past 2 GiB on armhf and mipsel routers.
static_assert(sizeof(off_t) == 8, "large file support: build with -D_FILE_OFFSET_BITS=64");

namespace clipshare {
namespace {

std::string errno_text(const std::string& what) { return what + ": " + std::strerror(errno); }

// ---- receiving ----

// A BatchWriter on the thread pool: each call becomes one task of the batch's queue, so the
// writer is only ever touched by one thread at a time.
class DiskBatch final : public IncomingBatch {
public:
    DiskBatch(uv_loop_t* loop, std::filesystem::path working_dir)
        : queue_(loop), writer_(std::make_shared<BatchWriter>(std::move(working_dir), "working_dir")) {}
    ~DiskBatch() override {
        // Steps still queued have nobody to report to: skip them rather than write what is
        // about to be removed. The writer (and with it the temporary directory, unless
        // committed) goes on the pool after the step running now, never under its feet.
        abandoned_->store(true);
        queue_.post([writer = std::move(writer_)]() mutable { writer.reset(); });
    }

    void add_directory(std::string path, Done done) override {
        run(done, [path](BatchWriter& w) { return w.add_directory(path); });
    }

    void begin_file(std::string path, std::int64_t size, Done done) override {
        run(done, [path, size](BatchWriter& w) { return w.begin_file(path, size); });
    }

    void write(std::vector<std::uint8_t> chunk, Done done) override {
        auto data = std::make_shared<std::vector<std::uint8_t>>(std::move(chunk));
        run(done, [data](BatchWriter& w) { return w.write(*data); });
    }

    void end_file(Done done) override {
        run(done, [](BatchWriter& w) { return w.end_file(); });
    }

    void uncommit(Done done) override {
        run(done, [](BatchWriter& w) {
            w.uncommit();
            return std::string{};
        });
    }

    void commit(std::function<void(std::string, std::vector<PlacedItem>)> done) override {
        auto placed = std::make_shared<std::vector<PlacedItem>>();
        auto error = std::make_shared<std::string>();
        queue_.post(
            [writer = writer_, abandoned = abandoned_, placed, error] {
                if (!abandoned->load()) *error = writer->commit(*placed);
            },
            [placed, error, done = std::move(done)] { done(*error, std::move(*placed)); });
    }

private:
    void run(const Done& done, std::function<std::string(BatchWriter&)> step) {
        auto error = std::make_shared<std::string>();
        queue_.post(
            [writer = writer_, abandoned = abandoned_, error, step = std::move(step)] {
                if (!abandoned->load()) *error = step(*writer);
            },
            [error, done] { done(*error); });
    }

    WorkQueue queue_;
    std::shared_ptr<BatchWriter> writer_;
    std::shared_ptr<std::atomic<bool>> abandoned_ = std::make_shared<std::atomic<bool>>(false);
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
        // Compared as 64-bit first: on a 32-bit router, 4 GiB left would narrow to 0.
        std::int64_t left = s.entry.size - s.offset;
        result.second.resize(static_cast<std::size_t>(
            std::min<std::int64_t>(left, static_cast<std::int64_t>(max_bytes))));
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

}  // namespace

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
