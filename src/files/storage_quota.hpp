// Limits on what working_dir holds ([storage]): a total of bytes, and an age after which a
// received batch goes. The quota keeps a picture of the top-level entries (their bytes and
// their batch's stamp, files/stored_entries.hpp), counted from the disk in the background at
// start-up and on SIGHUP, and kept up to date by every commit and removal since.
//
// Uploads reserve each file's declared size before its data arrives: a size that does not
// fit is refused at once (the client gets the protocol's close, nothing of the batch stays).
// With make_room, the oldest batches that may go are removed to make it fit; a batch goes
// whole (its entries share a stamp), oldest stamp first. Never removed: a batch being
// committed, the clipboard's current files, and any entry a download is reading (pinned).
//
// Everything here runs on the loop thread; removals run on libuv's thread pool.
#pragma once

#include <uv.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "files/placed_item.hpp"
#include "files/stored_entries.hpp"
#include "util/memory_budget.hpp"
#include "util/uv_handle.hpp"
#include "util/work_queue.hpp"

namespace clipshare {

struct StorageSettings {
    std::int64_t max_bytes = 0;  // 0: no limit
    std::int64_t max_age = 0;    // seconds; 0: batches never age out
    bool make_room = false;      // remove the oldest batches rather than refuse
};

class StorageQuota {
public:
    // `daemon_names`: top-level entries of working_dir that are the daemon's own (state_dir).
    // The index of entries is charged to `budget` (if any).
    StorageQuota(uv_loop_t* loop, std::filesystem::path working_dir,
                 std::set<std::string> daemon_names, MemoryBudget* budget = nullptr);
    ~StorageQuota();
    StorageQuota(const StorageQuota&) = delete;
    StorageQuota& operator=(const StorageQuota&) = delete;

    // Start-up and reload. With a limit set, counts working_dir again (recount()).
    void configure(const StorageSettings& settings);
    // Counts working_dir in the background; then removes what is older than max_age and,
    // with make_room, the oldest batches while over max_bytes. Asked again while counting,
    // it counts once more afterwards.
    void recount();

    // The bytes of one upload's declared files, counted until its batch is placed or dropped.
    class Reservation {
    public:
        Reservation() = default;
        ~Reservation() { release(); }
        Reservation(const Reservation&) = delete;
        Reservation& operator=(const Reservation&) = delete;
        void release();

    private:
        friend class StorageQuota;
        StorageQuota* quota_ = nullptr;
        std::int64_t bytes_ = 0;
    };
    // Adds `bytes` to `reservation` if working_dir can hold them (after removing old batches,
    // with make_room). "" or why not, for the log.
    std::string reserve(Reservation& reservation, std::int64_t bytes);

    // A batch was placed (its reservation becomes its entries): protected until settled().
    void placed(const std::vector<PlacedItem>& items, std::uint64_t stamp,
                Reservation& reservation);
    // Its commit is over; with `current`, its entries are now the clipboard's files.
    void settled(const std::vector<PlacedItem>& items, bool current);
    // A placed batch was taken back out of working_dir (saving the clipboard failed).
    void withdrawn(const std::vector<PlacedItem>& items);
    // The clipboard's files at start-up (the store's saved content).
    void set_current(const std::vector<std::string>& names);

    // Entries a download reads: none of them is removed while a Pin holds it.
    class Pin {
    public:
        Pin() = default;
        Pin(StorageQuota* quota, std::vector<std::string> names);
        ~Pin();
        Pin(Pin&& other) noexcept;
        Pin& operator=(Pin&&) = delete;
        Pin(const Pin&) = delete;

    private:
        StorageQuota* quota_ = nullptr;
        std::vector<std::string> names_;
    };
    Pin pin(std::vector<std::string> names) { return Pin{this, std::move(names)}; }

    // What the quota knows (tests, the log).
    std::int64_t used() const { return used_ + reserved_; }
    bool counting() const { return counting_; }

private:
    struct Entry {
        std::uint64_t stamp = 0;
        std::int64_t bytes = 0;
        bool committing = false;
    };
    // The entries that share a stamp. Kept in stamp order as entries come and go, so that
    // choosing the oldest batches walks from the front and stops when it has enough,
    // instead of grouping and sorting every entry on each upload that needs room.
    struct Batch {
        std::int64_t bytes = 0;
        std::set<std::string_view> names;  // keys of entries_, which outlive them here
    };
    using Batches = std::map<std::uint64_t, Batch>;

    bool limited() const { return settings_.max_bytes > 0 || settings_.max_age > 0; }
    void start_timer();
    void on_counted(std::vector<StoredEntry> found);
    // Adds entries_'s entry to its batch, or takes it out.
    void index(const std::string& name, const Entry& entry);
    void unindex(const std::string& name, const Entry& entry);
    // Whether any entry of the batch is being committed, on the clipboard or pinned.
    bool kept(const Batch& batch) const;
    // The stamps of the batches that may be removed now, oldest first, for as long as
    // `more(stamp, batch)` says so.
    template <typename More>
    std::vector<std::uint64_t> oldest_removable(More more) const;
    void remove(std::uint64_t stamp, const std::string& why);
    void remove_expired();
    void trim();
    void forget(const std::string& name);
    // Puts the index's size on the budget: it grows with what working_dir holds (many
    // small files), so it is counted like every other buffer, though never refused.
    void charge_index();

    uv_loop_t* loop_;
    std::filesystem::path working_dir_;
    std::set<std::string> daemon_names_;
    StorageSettings settings_;
    std::map<std::string, Entry, std::less<>> entries_;
    Batches batches_;             // entries_ by stamp
    std::int64_t used_ = 0;       // the entries' bytes
    std::int64_t reserved_ = 0;   // uploads in progress
    std::size_t name_bytes_ = 0;  // the entries' names, for the index's charge
    std::set<std::string, std::less<>> current_;
    std::map<std::string, int, std::less<>> pins_;
    // A count in progress sees the disk as it was; what changed meanwhile wins over it.
    bool counting_ = false;
    bool count_again_ = false;
    std::set<std::string> added_while_counting_;
    std::set<std::string> removed_while_counting_;
    MemoryCharge index_charge_;
    WorkQueue counter_;
    WorkQueue remover_;
    UvHandle<uv_timer_t> timer_;
};

}  // namespace clipshare
