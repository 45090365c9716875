#include "files/storage_quota.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <memory>

#include "files/below.hpp"
#include "util/log.hpp"
#include "util/printable.hpp"

namespace clipshare {
namespace {

constexpr std::uint64_t ns_per_s = 1'000'000'000u;

std::uint64_t realtime_ns() {
    timespec now{};
    clock_gettime(CLOCK_REALTIME, &now);
    return static_cast<std::uint64_t>(now.tv_sec) * ns_per_s +
           static_cast<std::uint64_t>(now.tv_nsec);
}

long long ll(std::int64_t value) {
    return static_cast<long long>(value);
}

}  // namespace

// ---- reservations and pins ----

void StorageQuota::Reservation::release() {
    if (quota_ != nullptr) quota_->reserved_ -= bytes_;
    quota_ = nullptr;
    bytes_ = 0;
}

StorageQuota::Pin::Pin(StorageQuota* quota, std::vector<std::string> names)
    : quota_(quota), names_(std::move(names)) {
    for (const auto& name : names_) ++quota_->pins_[name];
}

StorageQuota::Pin::Pin(Pin&& other) noexcept
    : quota_(other.quota_), names_(std::move(other.names_)) {
    other.quota_ = nullptr;
}

StorageQuota::Pin::~Pin() {
    if (quota_ == nullptr) return;
    for (const auto& name : names_) {
        auto found = quota_->pins_.find(name);
        if (found != quota_->pins_.end() && --found->second == 0) quota_->pins_.erase(found);
    }
}

// ---- the quota ----

StorageQuota::StorageQuota(uv_loop_t* loop, std::filesystem::path working_dir,
                           std::set<std::string> daemon_names, MemoryBudget* budget)
    : loop_(loop),
      working_dir_(std::move(working_dir)),
      daemon_names_(std::move(daemon_names)),
      index_charge_(budget),
      counter_(loop),
      remover_(loop) {
    if (uv_timer_init(loop_, timer_.get()) == 0) {
        timer_.mark_initialized();
        timer_.get()->data = this;
    }
}

StorageQuota::~StorageQuota() = default;

void StorageQuota::configure(const StorageSettings& settings) {
    settings_ = settings;
    start_timer();
    if (limited()) recount();
}

void StorageQuota::start_timer() {
    if (!timer_.open()) return;
    uv_timer_stop(timer_.get());
    if (settings_.max_age <= 0) return;
    // A tenth of max_age between sweeps (1 s to 1 h): a batch goes at most that late.
    std::int64_t every_s = std::clamp<std::int64_t>(settings_.max_age / 10, 1, 3600);
    auto every_ms = static_cast<std::uint64_t>(every_s) * 1000;
    uv_timer_start(
        timer_.get(),
        [](uv_timer_t* timer) {
            if (auto* self = static_cast<StorageQuota*>(timer->data)) self->remove_expired();
        },
        every_ms, every_ms);
}

void StorageQuota::recount() {
    if (counting_) {
        count_again_ = true;
        return;
    }
    counting_ = true;
    auto found = std::make_shared<std::vector<StoredEntry>>();
    counter_.post(
        [dir = working_dir_, skip = daemon_names_, found] {
            UniqueFd working{::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
            if (working) *found = scan_stored_entries(working.get(), skip);
        },
        [this, found] { on_counted(std::move(*found)); });
}

void StorageQuota::on_counted(std::vector<StoredEntry> found) {
    std::map<std::string, Entry, std::less<>> next;
    for (auto& entry : found) {
        if (removed_while_counting_.count(entry.name) != 0) continue;
        next[entry.name] = Entry{entry.stamp, entry.bytes, false};
    }
    // What commits placed while the count ran, and batches still being committed, are
    // known better here than by a walk that may have seen them half placed.
    for (const auto& name : added_while_counting_) {
        if (auto known = entries_.find(name); known != entries_.end()) next[name] = known->second;
    }
    for (const auto& [name, entry] : entries_) {
        if (entry.committing) next[name] = entry;
    }
    batches_.clear();  // before its names' strings go with the old entries
    entries_ = std::move(next);
    used_ = 0;
    name_bytes_ = 0;
    for (const auto& [name, entry] : entries_) {
        used_ += entry.bytes;
        name_bytes_ += name.size();
        index(name, entry);
    }
    added_while_counting_.clear();
    removed_while_counting_.clear();
    counting_ = false;
    charge_index();
    LOG_INFO(
        "storage: working_dir holds %lld bytes in %zu entries (max_bytes %lld, max_age %lld s)",
        ll(used_), entries_.size(), ll(settings_.max_bytes), ll(settings_.max_age));
    remove_expired();
    trim();
    if (count_again_) {
        count_again_ = false;
        recount();
    }
}

std::string StorageQuota::reserve(Reservation& reservation, std::int64_t bytes) {
    if (bytes <= 0) return {};
    auto grant = [&] {
        reservation.quota_ = this;
        reservation.bytes_ += bytes;
        reserved_ += bytes;
        return std::string{};
    };
    const std::int64_t limit = settings_.max_bytes;
    if (limit <= 0) return grant();
    if (bytes > limit) {
        return "a file of " + std::to_string(bytes) + " bytes is over [storage] max_bytes " +
               std::to_string(limit);
    }
    // Compared without overflow: used() may already be over the limit (a lowered limit,
    // files put there by hand).
    std::int64_t free = limit - std::min(limit, used());
    if (bytes <= free) return grant();
    std::int64_t missing = bytes - free;
    auto held = [&] {
        return "working_dir holds " + std::to_string(used_) + " bytes and uploads in progress " +
               std::to_string(reserved_) + " of [storage] max_bytes " + std::to_string(limit) +
               "; " + std::to_string(bytes) + " more do not fit";
    };
    if (!settings_.make_room) return held();
    std::int64_t freed = 0;
    auto victims = oldest_removable([&](std::uint64_t, const Batch& batch) {
        if (freed >= missing) return false;
        freed += batch.bytes;
        return true;
    });
    // All or nothing: a batch that cannot fit removes nothing.
    if (freed < missing) return held() + " even after removing every batch that may go";
    for (auto stamp : victims) remove(stamp, "to make room for an upload");
    return grant();
}

void StorageQuota::placed(const std::vector<PlacedItem>& items, std::uint64_t stamp,
                          Reservation& reservation) {
    for (const auto& item : items) {
        forget(item.name);  // a name reused since the last count
        auto [at, added] = entries_.emplace(item.name, Entry{stamp, item.bytes, true});
        index(at->first, at->second);
        used_ += item.bytes;
        name_bytes_ += item.name.size();
        if (counting_) added_while_counting_.insert(item.name);
    }
    reservation.release();
    charge_index();
}

void StorageQuota::settled(const std::vector<PlacedItem>& items, bool current) {
    for (const auto& item : items) {
        if (auto found = entries_.find(item.name); found != entries_.end()) {
            found->second.committing = false;
        }
    }
    if (!current) return;
    current_.clear();
    for (const auto& item : items) current_.insert(item.name);
}

void StorageQuota::withdrawn(const std::vector<PlacedItem>& items) {
    for (const auto& item : items) forget(item.name);
    charge_index();
}

void StorageQuota::charge_index() {
    // A map node is about its entry, its name and four pointers, and each entry has a node
    // in its batch's names too; the names of the current files and of the count's change
    // sets are few beside them.
    constexpr std::size_t node = 4 * sizeof(void*);
    constexpr std::size_t per_entry =
        sizeof(Entry) + sizeof(std::string) + node + sizeof(std::string_view) + node;
    constexpr std::size_t per_batch = sizeof(std::uint64_t) + sizeof(Batch) + node;
    index_charge_.force_resize(entries_.size() * per_entry + batches_.size() * per_batch +
                               name_bytes_);
}

void StorageQuota::set_current(const std::vector<std::string>& names) {
    current_ = std::set<std::string, std::less<>>(names.begin(), names.end());
}

void StorageQuota::forget(const std::string& name) {
    auto found = entries_.find(name);
    if (found == entries_.end()) return;
    used_ -= found->second.bytes;
    name_bytes_ -= name.size();
    unindex(found->first, found->second);
    entries_.erase(found);
    if (counting_) {
        removed_while_counting_.insert(name);
        added_while_counting_.erase(name);
    }
}

void StorageQuota::index(const std::string& name, const Entry& entry) {
    Batch& batch = batches_[entry.stamp];
    batch.bytes += entry.bytes;
    batch.names.insert(name);
}

void StorageQuota::unindex(const std::string& name, const Entry& entry) {
    auto found = batches_.find(entry.stamp);
    if (found == batches_.end()) return;
    found->second.bytes -= entry.bytes;
    found->second.names.erase(name);
    if (found->second.names.empty()) batches_.erase(found);
}

bool StorageQuota::kept(const Batch& batch) const {
    for (auto name : batch.names) {
        if (current_.count(name) != 0 || pins_.count(name) != 0) return true;
        if (auto entry = entries_.find(name); entry != entries_.end() && entry->second.committing) {
            return true;
        }
    }
    return false;
}

template <typename More>
std::vector<std::uint64_t> StorageQuota::oldest_removable(More more) const {
    std::vector<std::uint64_t> out;
    for (const auto& [stamp, batch] : batches_) {
        if (kept(batch)) continue;
        if (!more(stamp, batch)) break;
        out.push_back(stamp);
    }
    return out;
}

void StorageQuota::remove(std::uint64_t stamp, const std::string& why) {
    auto found = batches_.find(stamp);
    if (found == batches_.end()) return;
    // Copied: forgetting the entries takes the batch with them.
    std::vector<std::string> names{found->second.names.begin(), found->second.names.end()};
    std::int64_t bytes = found->second.bytes;
    auto now = realtime_ns();
    auto age_s = now > stamp ? (now - stamp) / ns_per_s : 0;
    // Names put there by hand may hold anything: escaped, one log line stays one line.
    LOG_INFO("storage: removing %s%s (%zu entries, %lld bytes, stored %llu s ago): %s",
             escape_control_bytes(names.front()).c_str(),
             names.size() > 1 ? " and the rest of its batch" : "", names.size(), ll(bytes),
             static_cast<unsigned long long>(age_s), why.c_str());
    for (const auto& name : names) {
        forget(name);
        remover_.post([dir = working_dir_, name] {
            UniqueFd working{::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
            if (!working || !discard_entry(working.get(), name)) {
                LOG_WARN("storage: cannot remove %s/%s: %s", dir.c_str(),
                         escape_control_bytes(name).c_str(), std::strerror(errno));
            }
        });
    }
    charge_index();
}

void StorageQuota::remove_expired() {
    if (settings_.max_age <= 0) return;
    auto max_age_ns = static_cast<std::uint64_t>(settings_.max_age) * ns_per_s;
    auto now = realtime_ns();
    if (now < max_age_ns) return;
    auto expired = oldest_removable(
        [cutoff = now - max_age_ns](std::uint64_t stamp, const Batch&) { return stamp < cutoff; });
    for (auto stamp : expired) remove(stamp, "older than [storage] max_age");
}

void StorageQuota::trim() {
    if (!settings_.make_room || settings_.max_bytes <= 0) return;
    std::int64_t over = used() - settings_.max_bytes;
    auto victims = oldest_removable([&over](std::uint64_t, const Batch& batch) {
        if (over <= 0) return false;
        over -= batch.bytes;
        return true;
    });
    for (auto stamp : victims) remove(stamp, "working_dir is over [storage] max_bytes");
}

}  // namespace clipshare
