#include "files/batch_recovery.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <set>

#include "files/batch_writer.hpp"
#include "files/below.hpp"
#include "files/commit_journal.hpp"
#include "files/placement.hpp"

namespace clipshare {
namespace {

bool exists_at(int dir_fd, const std::string& name) {
    struct stat info {};
    return fstatat(dir_fd, name.c_str(), &info, AT_SYMLINK_NOFOLLOW) == 0;
}

// The journal's text; empty when there is none.
std::string read_journal(int temp_fd) {
    UniqueFd fd{openat(temp_fd, journal_file, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)};
    std::string text;
    if (!fd) return text;
    char buffer[16384];
    for (;;) {
        ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        text.append(buffer, static_cast<std::size_t>(n));
    }
    return text;
}

std::vector<std::string> temporary_directories(int working_fd) {
    std::vector<std::string> names;
    int fd = openat(working_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR* dir = fd >= 0 ? fdopendir(fd) : nullptr;
    if (dir == nullptr) {
        if (fd >= 0) ::close(fd);
        return names;
    }
    while (dirent* entry = readdir(dir)) {
        if (std::strncmp(entry->d_name, upload_dir_prefix, std::strlen(upload_dir_prefix)) == 0) {
            names.emplace_back(entry->d_name);
        }
    }
    closedir(dir);
    return names;
}

void roll_back(int working_fd, int items_fd, const Journal& journal) {
    for (const auto& entry : journal.entries) {
        if (!exists_at(items_fd, entry.item) && exists_at(working_fd, entry.target)) {
            renameat(working_fd, entry.target.c_str(), items_fd, entry.item.c_str());
        }
    }
    fsync(working_fd);
}

}  // namespace

Recovery recover_batches(int working_fd) {
    Recovery recovery;
    for (auto& name : temporary_directories(working_fd)) {
        UniqueFd temp{
            openat(working_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)};
        auto journal = temp ? parse_journal(read_journal(temp.get())) : std::nullopt;
        if (!journal) {
            recovery.leftovers.push_back(std::move(name));
            continue;
        }
        UniqueFd items{open_directory_below(temp.get(), items_dir, true)};
        if (!items) {
            recovery.problems.push_back(name + ": cannot open its items: " + std::strerror(errno));
            continue;  // left alone: neither finished nor removed
        }
        if (exists_at(temp.get(), rollback_file)) {
            roll_back(working_fd, items.get(), *journal);
            recovery.leftovers.push_back(std::move(name));
            continue;
        }
        RecoveredBatch batch{name, journal->sequence, {}};
        std::set<std::string> taken;
        std::string failure;
        for (auto entry : journal->entries) {
            if (exists_at(items.get(), entry.item)) {
                failure = place_entry(temp.get(), items.get(), working_fd, entry, taken);
                if (!failure.empty()) break;
            }
            batch.placed.push_back({entry.target, entry.type == 'd', entry.type == 'p'});
        }
        if (!failure.empty()) {
            recovery.problems.push_back(name + ": cannot finish its placement: " + failure);
            continue;
        }
        fsync(working_fd);
        recovery.finished.push_back(std::move(batch));
    }
    std::sort(recovery.finished.begin(), recovery.finished.end(),
              [](const auto& a, const auto& b) { return a.sequence < b.sequence; });
    return recovery;
}

}  // namespace clipshare
