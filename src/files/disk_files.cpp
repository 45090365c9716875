#include "files/disk_files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <memory>
#include <mutex>
#include <span>

#include "files/batch_writer.hpp"
#include "files/below.hpp"
#include "files/listing.hpp"
#include "files/remove_tree.hpp"
#include "util/log.hpp"

// pread offsets and st_size are compared with 64-bit sizes: a 32-bit off_t (a build without
// _FILE_OFFSET_BITS=64) would fail or wrap past 2 GiB on armhf and mipsel routers.
static_assert(sizeof(off_t) == 8, "large file support: build with -D_FILE_OFFSET_BITS=64");

namespace clipshare {
namespace {

std::string errno_text(const std::string& what) {
    return what + ": " + std::strerror(errno);
}

// ---- receiving ----

// How much one turn of the flusher confirms before the next batch's turn: the flusher is
// shared by all uploads, and a turn on a 5 MB/s disk takes as long as this takes to write.
constexpr std::int64_t flush_turn = 4 << 20;

// A BatchWriter on the thread pool: each call becomes one task of the batch's queue, so the
// writer is only ever touched by one thread at a time.
class DiskBatch final : public IncomingBatch {
public:
    // The writer starts writing back what it wrote and goes on; the waits for the disk run
    // on `flusher` (one for all batches, so at most one pool thread ever waits for a disk).
    // While more than the window is unflushed, the completions of writes are held back: the
    // handler's bound on chunks in flight stops it reading, the client sends at the disk's
    // pace, and what is left to sync at the commit stays within the window.
    DiskBatch(uv_loop_t* loop, std::filesystem::path working_dir, StorageQuota& quota,
              WindowLimits write_window, WorkQueue& flusher)
        : queue_(loop),
          flusher_(flusher),
          writer_(
              std::make_shared<BatchWriter>(std::move(working_dir), "working_dir", write_window)),
          window_(writer_->write_window()),
          quota_(quota) {
        window_->wait_elsewhere();
    }
    ~DiskBatch() override {
        // Placed and never settled (the daemon is stopping): an ordinary batch from now on.
        if (!placed_.empty()) quota_.settled(placed_, false);
        // Steps still queued have nobody to report to: skip them rather than write what is
        // about to be removed. A commit is never abandoned: its owner keeps the batch until
        // it is done. The writer (and with it the temporary directory, unless committed)
        // goes on the pool after the step running now, never under its feet.
        abandoned_->store(true);
        queue_.post([writer = std::move(writer_)]() mutable { writer.reset(); });
    }

    void add_directory(std::string path, Done done) override {
        run(std::move(done), [path](BatchWriter& w) { return w.add_directory(path); });
    }

    void begin_file(std::string path, std::int64_t size, Done done) override {
        run(std::move(done), [path, size](BatchWriter& w) { return w.begin_file(path, size); });
    }

    void write(std::vector<std::uint8_t> chunk, Done done) override {
        write_reusing(std::move(chunk), [done = std::move(done)](std::string error, auto) {
            done(std::move(error));
        });
    }

    // Chunks that arrive while the batch's last write waits for its pool thread join it:
    // one trip to the pool and one writev for all of them instead of a trip (two thread
    // wake-ups) each. The producer's bound on bytes in flight bounds what gathers here.
    void write_reusing(std::vector<std::uint8_t> chunk, Reusing done) override {
        if (open_write_) {
            std::lock_guard lock{open_write_->mutex};
            if (!open_write_->taken) {
                open_write_->chunks.push_back(std::move(chunk));
                open_write_->dones.push_back(std::move(done));
                return;
            }
        }
        auto step = std::make_shared<WriteStep>();
        step->chunks.push_back(std::move(chunk));
        step->dones.push_back(std::move(done));
        run(
            [this, step, abandoned = abandoned_](std::string error) {
                flush();
                // The step is over: the buffers are the loop's again.
                if (error.empty() && window_->over() && window_->in_flight() > 0) {
                    // Too much unflushed: the reports wait for the disk (release_held).
                    for (std::size_t i = 0; i < step->dones.size(); ++i) {
                        held_.push_back(
                            [data = std::move(step->chunks[i]),
                             done = std::move(step->dones[i])](std::string result) mutable {
                                done(std::move(result), std::move(data));
                            });
                    }
                    return;
                }
                // Each `done` may end the batch's life, which abandons it: the chunks after
                // that one have nobody left to report to.
                for (std::size_t i = 0; i < step->dones.size() && !abandoned->load(); ++i) {
                    Reusing done = std::move(step->dones[i]);
                    done(error, std::move(step->chunks[i]));
                }
            },
            [step](BatchWriter& w) {
                {
                    // From here the step is closed: later chunks take a step of their own.
                    std::lock_guard lock{step->mutex};
                    step->taken = true;
                }
                std::vector<std::span<const std::uint8_t>> parts{step->chunks.begin(),
                                                                 step->chunks.end()};
                return w.write(parts);
            });
        open_write_ = std::move(step);
    }

    std::string reserve(std::int64_t bytes) override { return quota_.reserve(reservation_, bytes); }

    void end_file(Done done) override {
        run(std::move(done), [](BatchWriter& w) { return w.end_file(); });
    }

    void uncommit(Done done) override {
        run(
            [this, done = std::move(done)](std::string error) {
                quota_.withdrawn(placed_);
                placed_.clear();
                done(std::move(error));
            },
            [](BatchWriter& w) {
                w.uncommit();
                return std::string{};
            });
    }

    void finish(Done done) override {
        run(
            [this, done = std::move(done)](std::string error) {
                // Placed and on the clipboard: its files are the current ones.
                quota_.settled(placed_, true);
                placed_.clear();
                done(std::move(error));
            },
            [](BatchWriter& w) {
                w.finish();
                return std::string{};
            });
    }

    void commit(std::function<void(std::string, std::vector<PlacedItem>)> done) override {
        auto placed = std::make_shared<std::vector<PlacedItem>>();
        auto error = std::make_shared<std::string>();
        auto stamp = std::make_shared<std::uint64_t>(0);
        open_write_.reset();
        ++pending_;
        queue_.post(
            [writer = writer_, abandoned = abandoned_, placed, error, stamp] {
                if (!abandoned->load()) *error = writer->commit(*placed);
                *stamp = writer->stamp();
            },
            [this, placed, error, stamp, done = std::move(done)] {
                --pending_;
                // Its syncfs confirmed what held writes waited for: they report first.
                if (!release_held()) return;
                if (error->empty()) {
                    // Counted as stored from now on, and kept until its commit settles.
                    placed_ = *placed;
                    quota_.placed(placed_, *stamp, reservation_);
                }
                done(*error, std::move(*placed));
            });
    }

    std::size_t pending_steps() const override { return pending_; }

private:
    void run(Done done, std::function<std::string(BatchWriter&)> step) {
        // Whatever comes after this step (another write too) must not join one before it.
        open_write_.reset();
        auto error = std::make_shared<std::string>();
        ++pending_;
        queue_.post(
            [writer = writer_, abandoned = abandoned_, error, step = std::move(step)] {
                if (!abandoned->load()) *error = step(*writer);
            },
            [this, error, done = std::move(done)] {
                --pending_;
                done(*error);
            });
    }

    // Keeps a turn of the flusher coming while write-back is in flight: the unflushed count
    // the writes are held on stays close to what the disk has really not written yet.
    void flush() {
        if (flushing_ || window_->in_flight() == 0) return;
        flushing_ = true;
        flusher_.post(
            [window = window_, abandoned = abandoned_] {
                std::int64_t confirmed = 0;
                while (confirmed < flush_turn && !abandoned->load()) {
                    std::int64_t bytes = window->confirm_oldest();
                    if (bytes <= 0) break;  // nothing in flight, or a failure (kept)
                    confirmed += bytes;
                }
            },
            // The flusher outlives batches: this one may be gone when its turn ends.
            [this, abandoned = abandoned_] {
                if (abandoned->load()) return;
                flushing_ = false;
                // Nothing left in flight to wait for: the writer's next step syncs what is
                // over (small files, an unstarted rest), so holding on would wait forever.
                if (!window_->over() || window_->in_flight() == 0 || window_->error() != 0) {
                    if (!release_held()) return;
                }
                flush();
            });
    }

    // Reports the writes held back; false when that ended the batch's life.
    bool release_held() {
        auto held = std::move(held_);
        held_.clear();
        auto abandoned = abandoned_;
        for (auto& done : held) {
            if (abandoned->load()) return false;
            // A failed wait is reported by the next step (or the commit): the writer has it.
            done({});
        }
        return !abandoned->load();
    }

    // Chunks for one trip to the pool. The loop adds to it until the pool thread takes it.
    struct WriteStep {
        std::mutex mutex;
        bool taken = false;
        std::vector<std::vector<std::uint8_t>> chunks;
        std::vector<Reusing> dones;  // the loop's alone
    };

    WorkQueue queue_;
    WorkQueue& flusher_;
    std::shared_ptr<WriteStep> open_write_;  // the last step posted, when it is a write
    std::shared_ptr<BatchWriter> writer_;
    std::shared_ptr<WriteWindow> window_;
    bool flushing_ = false;   // a turn of the flusher is queued or running
    std::vector<Done> held_;  // completed writes not reported while over the window
    std::shared_ptr<std::atomic<bool>> abandoned_ = std::make_shared<std::atomic<bool>>(false);
    std::size_t pending_ = 0;
    StorageQuota& quota_;
    StorageQuota::Reservation reservation_;  // its files' declared sizes, until placed
    std::vector<PlacedItem> placed_;         // placed, until the commit settles
};

// The top-level entries of working_dir among `paths` (paths in it, or below it), for pins.
std::vector<std::string> names_in(const std::filesystem::path& working_dir,
                                  const std::vector<std::filesystem::path>& paths) {
    std::vector<std::string> names;
    for (const auto& path : paths) {
        auto relative = path.lexically_relative(working_dir);
        if (relative.empty() || relative.is_absolute()) continue;
        auto first = relative.begin()->string();
        if (first != ".." && first != ".") names.push_back(first);
    }
    return names;
}

// ---- listing ----

struct ListingState {
    ListingState(const std::vector<std::filesystem::path>& roots, int version, std::size_t depth)
        : counter(roots, version, depth), sender(roots, version, depth) {}
    TreeWalker counter;
    TreeWalker sender;
    bool sender_done = false;
    std::atomic<bool> cancelled{false};
};

class DiskListing final : public FileListing {
public:
    DiskListing(uv_loop_t* loop, std::vector<std::filesystem::path> roots, int version,
                std::size_t max_depth, StorageQuota::Pin pin)
        : queue_(loop),
          state_(std::make_shared<ListingState>(roots, version, max_depth)),
          pin_(std::move(pin)) {}
    ~DiskListing() override {
        // A walk of a large tree has nobody to report to any more: stop it early.
        state_->cancelled.store(true);
    }

    void count(std::function<void(std::string, std::int64_t)> done) override {
        auto count = std::make_shared<std::int64_t>(0);
        queue_.post(
            [state = state_, count] {
                std::vector<FileEntry> scratch;
                bool more = true;
                while (more && !state->cancelled.load()) {
                    scratch.clear();
                    more = state->counter.next(scratch, 1024);
                    *count += static_cast<std::int64_t>(scratch.size());
                }
                if (state->counter.too_deep() > 0) {
                    LOG_INFO("Get Files: %llu entries deeper than max_path_depth left out",
                             static_cast<unsigned long long>(state->counter.too_deep()));
                }
            },
            [count, done = std::move(done)] { done({}, *count); });
    }

    void next(std::function<void(std::string, std::vector<FileEntry>)> done) override {
        auto entries = std::make_shared<std::vector<FileEntry>>();
        queue_.post(
            [state = state_, entries] {
                if (!state->sender_done && !state->cancelled.load()) {
                    state->sender_done = !state->sender.next(*entries, 256);
                }
            },
            [entries, done = std::move(done)] { done({}, std::move(*entries)); });
    }

private:
    WorkQueue queue_;
    std::shared_ptr<ListingState> state_;
    // A reply reads these from its count to its last byte: the quota leaves them alone.
    StorageQuota::Pin pin_;
};

// ---- sending ----

struct ReaderState {
    FileEntry entry;
    UniqueFd fd;
    std::int64_t offset = 0;
};

class DiskReader final : public OutgoingFile {
public:
    DiskReader(uv_loop_t* loop, FileEntry entry, StorageQuota::Pin pin)
        : queue_(loop), state_(std::make_shared<ReaderState>()), pin_(std::move(pin)) {
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
        if (!s.fd) {
            // From the root's parent down, no symlink followed: the entry is what the
            // listing saw, or nothing.
            s.fd.reset(open_below(s.entry.base, s.entry.relative, O_RDONLY));
            if (!s.fd) {
                result.first = errno_text("cannot open '" + name + "'");
                return;
            }
            if (fstat(s.fd.get(), &info) != 0 || !S_ISREG(info.st_mode) ||
                info.st_size != s.entry.size) {
                result.first = "'" + name + "' changed since it was listed";
                return;
            }
        }
        // Compared as 64-bit first: on a 32-bit router, 4 GiB left would narrow to 0.
        std::int64_t left = s.entry.size - s.offset;
        result.second.resize(static_cast<std::size_t>(
            std::min<std::int64_t>(left, static_cast<std::int64_t>(max_bytes))));
        std::size_t got = 0;
        while (got < result.second.size()) {
            ssize_t n = pread(s.fd.get(), result.second.data() + got, result.second.size() - got,
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
        if (s.offset == s.entry.size &&
            (fstat(s.fd.get(), &info) != 0 || info.st_size != s.entry.size)) {
            result.first = "'" + name + "' changed size while being sent";
        }
    }

    WorkQueue queue_;
    std::shared_ptr<ReaderState> state_;
    StorageQuota::Pin pin_;
};

}  // namespace

DiskFiles::DiskFiles(uv_loop_t* loop, std::filesystem::path working_dir, std::size_t max_depth,
                     std::set<std::string> daemon_names, MemoryBudget* budget,
                     WindowLimits write_window)
    : loop_(loop),
      working_dir_(std::move(working_dir)),
      max_depth_(max_depth),
      write_window_(write_window),
      cleaner_(loop),
      flusher_(loop),
      quota_(loop, working_dir_, std::move(daemon_names), budget) {}

DiskFiles::~DiskFiles() = default;

std::string DiskFiles::open() {
    UniqueFd working{::open(working_dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
    if (!working) return errno_text("working_dir " + working_dir_.string());
    recovery_ = recover_batches(working.get());
    for (const auto& problem : recovery_.problems) LOG_ERROR("%s", problem.c_str());
    for (const auto& batch : recovery_.finished) {
        LOG_WARN(
            "finished placing a batch of %zu entries that a crash interrupted after its "
            "commit point",
            batch.placed.size());
    }
    return {};
}

void DiskFiles::clean_up_leftovers() {
    auto names = std::move(recovery_.leftovers);
    for (auto& batch : recovery_.finished) names.push_back(batch.temp_name);
    recovery_.leftovers.clear();
    recovery_.finished.clear();
    for (auto& name : names) {
        cleaner_.post([dir = working_dir_, name = std::move(name)] {
            UniqueFd working{::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
            if (working && remove_tree_at(working.get(), name.c_str())) {
                LOG_INFO("removed %s/%s, left by an interrupted upload", dir.c_str(), name.c_str());
            } else {
                LOG_WARN("cannot remove %s/%s, left by an interrupted upload: %s", dir.c_str(),
                         name.c_str(), std::strerror(errno));
            }
        });
    }
}

std::unique_ptr<IncomingBatch> DiskFiles::begin_batch() {
    return std::make_unique<DiskBatch>(loop_, working_dir_, quota_, write_window_, flusher_);
}

std::unique_ptr<FileListing> DiskFiles::list(std::vector<std::filesystem::path> roots,
                                             int version) {
    auto pin = quota_.pin(names_in(working_dir_, roots));
    return std::make_unique<DiskListing>(loop_, std::move(roots), version, max_depth_,
                                         std::move(pin));
}

std::unique_ptr<OutgoingFile> DiskFiles::open(FileEntry entry) {
    auto pin = quota_.pin(names_in(working_dir_, {entry.base / entry.relative}));
    return std::make_unique<DiskReader>(loop_, std::move(entry), std::move(pin));
}

}  // namespace clipshare
