#include "files/batch_writer.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <mutex>
#include <vector>

#include "files/placement.hpp"
#include "files/remove_tree.hpp"

namespace clipshare {
namespace {

std::string errno_text(const std::string& what) {
    return what + ": " + std::strerror(errno);
}

constexpr std::uint8_t png_signature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

// Commits in one process choose names and move entries one at a time, so two batches never
// pick the same free name; only a name taken by someone else between the choice and the
// move needs the journal's amendment.
std::mutex commit_mutex;

std::uint64_t realtime_ns() {
    timespec now{};
    clock_gettime(CLOCK_REALTIME, &now);
    return static_cast<std::uint64_t>(now.tv_sec) * 1'000'000'000u +
           static_cast<std::uint64_t>(now.tv_nsec);
}

char type_of(bool directory, bool png) {
    return directory ? 'd' : (png ? 'p' : 'f');
}

}  // namespace

// ---- placement (shared with start-up recovery) ----

std::string free_name(int target_fd, const std::string& name, const std::set<std::string>& taken) {
    int first = name.rfind(upload_dir_prefix, 0) == 0 ? 1 : 0;
    for (int n = first; n < 100000; ++n) {
        std::string candidate = n == 0 ? name : std::to_string(n) + "_" + name;
        if (candidate.size() > 255) return {};
        struct stat info {};
        if (taken.count(candidate) == 0 &&
            fstatat(target_fd, candidate.c_str(), &info, AT_SYMLINK_NOFOLLOW) != 0 &&
            errno == ENOENT) {
            return candidate;
        }
    }
    return {};
}

std::string write_durably(int dir_fd, const char* name, std::string_view text, bool append) {
    int flags = O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC | (append ? O_APPEND : O_EXCL);
    UniqueFd fd{openat(dir_fd, name, flags, 0600)};
    if (!fd) return errno_text(std::string{"cannot write the "} + name);
    while (!text.empty()) {
        ssize_t n = ::write(fd.get(), text.data(), text.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return errno_text(std::string{"cannot write the "} + name);
        text.remove_prefix(static_cast<std::size_t>(n));
    }
    if (fsync(fd.get()) != 0) return errno_text(std::string{"cannot sync the "} + name);
    if (!append && fsync(dir_fd) != 0) return errno_text("cannot sync the temporary directory");
    return {};
}

std::string place_entry(int temp_fd, int items_fd, int target_fd, JournalEntry& entry,
                        std::set<std::string>& taken) {
    // RENAME_NOREPLACE makes "free" atomic, so an existing file (or a symlink planted
    // there) is never replaced.
    while (renameat2(items_fd, entry.item.c_str(), target_fd, entry.target.c_str(),
                     RENAME_NOREPLACE) != 0) {
        if (errno != EEXIST) return errno_text("cannot move '" + entry.item + "' into place");
        taken.insert(entry.target);
        entry.target = free_name(target_fd, entry.item, taken);
        if (entry.target.empty()) return "no free name for '" + entry.item + "'";
        if (auto error = write_durably(temp_fd, journal_file, journal_amendment(entry), true);
            !error.empty()) {
            return error;
        }
    }
    taken.insert(entry.target);
    return {};
}

// ---- the writer ----

BatchWriter::BatchWriter(std::filesystem::path target, std::string target_name,
                         WindowLimits write_window, DiskSync& sync)
    : target_(std::move(target)),
      target_name_(std::move(target_name)),
      window_(std::make_shared<WriteWindow>(write_window, sync)) {}

BatchWriter::~BatchWriter() {
    file_fd_.reset();
    if (committed_) {
        finish();
        return;
    }
    items_fd_.reset();
    temp_fd_.reset();
    if (!temp_name_.empty() && target_fd_) remove_tree_at(target_fd_.get(), temp_name_.c_str());
}

void BatchWriter::finish() {
    if (!committed_ || temp_name_.empty()) return;
    // The batch is placed and whatever followed (the clipboard) is done: the journal has
    // served its purpose. Nothing else is left in the temporary directory.
    unlinkat(temp_fd_.get(), journal_file, 0);
    unlinkat(temp_fd_.get(), items_dir, AT_REMOVEDIR);
    items_fd_.reset();
    temp_fd_.reset();
    unlinkat(target_fd_.get(), temp_name_.c_str(), AT_REMOVEDIR);
    temp_name_.clear();
}

std::string BatchWriter::fail_with(std::string error) {
    if (failure_.empty()) failure_ = std::move(error);
    return failure_;
}

std::string BatchWriter::ensure_temp_dir() {
    if (items_fd_) return {};
    if (!target_fd_) target_fd_.reset(::open(target_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!target_fd_) return errno_text(target_name_ + " " + target_.string());
    // The batch lives in a directory of the target, so on its file system.
    if (!window_->sync().writes_back(target_fd_.get())) window_->no_write_back();
    for (int attempt = 0; attempt < 100; ++attempt) {
        // Unguessable is not needed (the directory is created with O_EXCL semantics and
        // 0700); distinct is, across connections and restarts.
        static std::atomic<unsigned> counter{static_cast<unsigned>(time(nullptr))};
        char suffix[24];
        std::snprintf(suffix, sizeof suffix, "%x-%x", static_cast<unsigned>(getpid()),
                      counter.fetch_add(1));
        std::string name = std::string{upload_dir_prefix} + suffix;
        if (mkdirat(target_fd_.get(), name.c_str(), 0700) == 0) {
            temp_name_ = name;
            temp_fd_.reset(openat(target_fd_.get(), name.c_str(),
                                  O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
            if (!temp_fd_) return errno_text("cannot open the temporary directory");
            items_fd_.reset(open_directory_below(temp_fd_.get(), items_dir, true));
            if (!items_fd_) return errno_text("cannot create the temporary directory");
            return {};
        }
        if (errno != EEXIST) return errno_text("cannot create a temporary directory");
    }
    return "cannot create a temporary directory";
}

void BatchWriter::note_top_level(const std::string& path, bool directory) {
    std::string top = path.substr(0, path.find('/'));
    bool is_top = top.size() == path.size();
    if (top_index_.count(top) != 0) return;
    top_index_.emplace(top, top_level_.size());
    top_level_.push_back({top, directory || !is_top, false});
}

std::string BatchWriter::add_directory(const std::string& path) {
    if (!failure_.empty()) return failure_;
    if (auto error = ensure_temp_dir(); !error.empty()) return fail_with(error);
    UniqueFd fd{open_directory_below(items_fd_.get(), path, true)};
    if (!fd) return fail_with(errno_text("cannot create directory '" + path + "'"));
    note_top_level(path, true);
    return {};
}

std::string BatchWriter::begin_file(const std::string& path, std::int64_t size) {
    if (!failure_.empty()) return failure_;
    if (auto error = ensure_temp_dir(); !error.empty()) return fail_with(error);
    if (file_fd_) return fail_with("'" + file_path_ + "' is still open");
    auto slash = path.rfind('/');
    std::string parent = slash == std::string::npos ? "" : path.substr(0, slash);
    std::string leaf = slash == std::string::npos ? path : path.substr(slash + 1);
    if (leaf.empty() || leaf == "." || leaf == "..") {
        return fail_with("bad file name '" + path + "'");
    }
    UniqueFd dir{open_directory_below(items_fd_.get(), parent, true)};
    if (!dir) return fail_with(errno_text("cannot create directory '" + parent + "'"));
    file_fd_.reset(openat(dir.get(), leaf.c_str(),
                          O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644));
    if (!file_fd_) return fail_with(errno_text("cannot create '" + path + "'"));
    file_path_ = path;
    file_size_ = size;
    file_written_ = 0;
    std::fill(std::begin(file_head_), std::end(file_head_), 0);
    note_top_level(path, false);
    top_level_[top_index_.at(path.substr(0, path.find('/')))].bytes += size;
    return {};
}

std::string BatchWriter::write(std::span<const std::uint8_t> bytes) {
    std::span<const std::uint8_t> parts[] = {bytes};
    return write(parts);
}

std::string BatchWriter::write(std::span<const std::span<const std::uint8_t>> parts) {
    if (!failure_.empty()) return failure_;
    if (!file_fd_) return fail_with("no file is open");
    std::vector<iovec> vectors;
    vectors.reserve(parts.size());
    std::int64_t at = file_written_;
    for (auto part : parts) {
        if (at < 8) {
            auto head = std::min<std::size_t>(part.size(), 8 - static_cast<std::size_t>(at));
            std::memcpy(file_head_ + at, part.data(), head);
        }
        at += static_cast<std::int64_t>(part.size());
        // const_cast: iovec has one pointer type for reading and writing; writev only reads.
        if (!part.empty()) vectors.push_back({const_cast<std::uint8_t*>(part.data()), part.size()});
    }
    std::span<iovec> rest{vectors};
    while (!rest.empty()) {
        int count = static_cast<int>(std::min<std::size_t>(rest.size(), IOV_MAX));
        ssize_t n = ::writev(file_fd_.get(), rest.data(), count);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return fail_with(errno_text("cannot write '" + file_path_ + "'"));
        file_written_ += n;
        // Past what was written whole; a part written in part goes on from where it stopped.
        auto done = static_cast<std::size_t>(n);
        while (!rest.empty() && done >= rest.front().iov_len) {
            done -= rest.front().iov_len;
            rest = rest.subspan(1);
        }
        if (!rest.empty()) {
            rest.front().iov_base = static_cast<char*>(rest.front().iov_base) + done;
            rest.front().iov_len -= done;
        }
    }
    if (int error = window_->wrote(file_fd_.get(), file_written_); error != 0) {
        errno = error;
        return fail_with(errno_text("cannot write '" + file_path_ + "' to disk"));
    }
    return {};
}

std::string BatchWriter::end_file() {
    if (!failure_.empty()) return failure_;
    if (!file_fd_) return fail_with("no file is open");
    if (file_written_ != file_size_) {
        return fail_with("'" + file_path_ + "' has " + std::to_string(file_written_) +
                         " bytes, not " + std::to_string(file_size_));
    }
    // What of a big file is not on disk yet starts on its way now, and is waited for when
    // the window needs room; small ones wait for a syncfs of many.
    if (int error = window_->file_ended(file_fd_.get(), file_written_); error != 0) {
        errno = error;
        return fail_with(errno_text("cannot write '" + file_path_ + "' to disk"));
    }
    int rc = ::close(file_fd_.release());
    if (rc != 0) return fail_with(errno_text("cannot close '" + file_path_ + "'"));
    if (file_path_.find('/') == std::string::npos && file_written_ >= 8 &&
        std::equal(std::begin(file_head_), std::end(file_head_), std::begin(png_signature))) {
        top_level_[top_index_.at(file_path_)].png = true;
    }
    return {};
}

std::string BatchWriter::commit(std::vector<PlacedItem>& placed) {
    if (!failure_.empty()) return failure_;
    return fail_with(place_all(placed));
}

std::string BatchWriter::place_all(std::vector<PlacedItem>& placed) {
    if (!items_fd_) return "nothing was received";
    if (file_fd_) return "'" + file_path_ + "' is still open";
    // Stamped before the sync, so that the stamp is on disk before the journal names it
    // and a batch finished by start-up recovery carries it too. Renames keep an mtime.
    stamp_ = realtime_ns();
    const timespec times[2] = {
        {0, UTIME_OMIT},
        {static_cast<time_t>(stamp_ / 1'000'000'000u), static_cast<long>(stamp_ % 1'000'000'000u)}};
    for (const auto& item : top_level_) {
        if (utimensat(items_fd_.get(), item.name.c_str(), times, AT_SYMLINK_NOFOLLOW) != 0) {
            return errno_text("cannot stamp '" + item.name + "'");
        }
    }
    // "Stored" means on disk, and the journal must never name data that is not: one
    // syncfs covers every file and directory of the batch.
    // The window left at most its size of data to write here. A wait that failed on
    // another thread (after this batch's last write) fails the batch here.
    if (int error = window_->error(); error != 0) {
        errno = error;
        return errno_text("cannot write the received files to disk");
    }
    if (int error = window_->sync().sync_all(items_fd_.get()); error != 0) {
        errno = error;
        return errno_text("cannot sync the received files");
    }
    window_->all_synced();

    std::lock_guard lock{commit_mutex};
    Journal journal;
    journal.sequence = realtime_ns();
    std::set<std::string> taken;
    for (const auto& item : top_level_) {
        std::string target = free_name(target_fd_.get(), item.name, taken);
        if (target.empty()) return "no free name for '" + item.name + "'";
        taken.insert(target);
        journal.entries.push_back({type_of(item.directory, item.png), item.name, target});
    }
    // The commit point: from here on, a crash finishes this batch at the next start.
    if (auto error = write_durably(temp_fd_.get(), journal_file, journal_text(journal));
        !error.empty()) {
        return error;
    }
    std::string failure;
    taken.clear();
    for (auto& entry : journal.entries) {
        failure = place_entry(temp_fd_.get(), items_fd_.get(), target_fd_.get(), entry, taken);
        if (!failure.empty()) break;
        std::int64_t bytes = top_level_[top_index_.at(entry.item)].bytes;
        placed.push_back({entry.target, entry.type == 'd', entry.type == 'p', bytes});
    }
    if (!failure.empty()) {
        take_back(placed);
        placed.clear();
        return failure;
    }
    fsync(target_fd_.get());
    committed_ = true;
    placed_ = placed;
    return {};
}

void BatchWriter::take_back(const std::vector<PlacedItem>& placed) {
    // Marked first: a crash from here on takes the rest back at the next start instead of
    // finishing the placement.
    write_durably(temp_fd_.get(), rollback_file, "");
    // Entries are placed in top_level_ order, so the i-th placed item is the i-th received;
    // its received name in items/ is free again.
    for (std::size_t i = 0; i < placed.size() && i < top_level_.size(); ++i) {
        const auto& from = placed[i].name;
        if (renameat(target_fd_.get(), from.c_str(), items_fd_.get(), top_level_[i].name.c_str()) !=
            0) {
            remove_tree_at(target_fd_.get(), from.c_str());
        }
    }
    fsync(target_fd_.get());
}

void BatchWriter::uncommit() {
    if (!committed_) return;
    take_back(placed_);
    placed_.clear();
    committed_ = false;
    // Gone at once, with its journal and rollback mark: nothing of the batch is left.
    items_fd_.reset();
    temp_fd_.reset();
    remove_tree_at(target_fd_.get(), temp_name_.c_str());
    temp_name_.clear();
}

}  // namespace clipshare
