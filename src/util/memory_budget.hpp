// The daemon's buffer memory as one budget ([limits] memory_budget): every per-connection,
// per-reply and per-batch buffer is charged to it while it exists, so the total stays under
// a figure an administrator chose for the box, whatever clients do. Work that cannot get its
// memory is refused, never started on credit.
//
// Charges are taken and returned on the loop thread; the counter is atomic only so that a
// charge released by the last owner of some shared buffer on another thread stays correct.
#pragma once

#include <atomic>
#include <cstddef>

namespace clipshare {

class MemoryBudget {
public:
    // Replies, uploads and batches may use all but an eighth of the budget; the rest is kept
    // for connections themselves, so that a budget spent on work still lets a new client in
    // to hear Info (or a refusal) rather than be dropped at the door.
    enum class Share { work, connections };

    explicit MemoryBudget(std::size_t limit) : limit_(limit) {}
    MemoryBudget(const MemoryBudget&) = delete;
    MemoryBudget& operator=(const MemoryBudget&) = delete;

    std::size_t limit() const { return limit_.load(std::memory_order_relaxed); }
    std::size_t used() const { return used_.load(std::memory_order_relaxed); }
    std::size_t available(Share share = Share::connections) const {
        auto limit = limit_for(share);
        auto used = this->used();
        return used < limit ? limit - used : 0;
    }
    // The share of the free work share that memory taken only for speed may have: TLS
    // records opened on the pool, a download's write-ahead.
    static constexpr std::size_t speed_divisor = 8;
    // Whether `bytes` more for speed (not for a client to be served at all) is at most
    // 1/`divisor` of what the work share has free: a small box's budget goes to clients
    // before it goes to speed.
    bool can_spare(std::size_t bytes, std::size_t divisor = speed_divisor) const {
        return bytes <= available(Share::work) / divisor;
    }
    std::size_t limit_for(Share share) const {
        auto limit = this->limit();
        return share == Share::work ? limit - limit / 8 : limit;
    }
    // A reload may change the limit; charges already taken stay until given back.
    void set_limit(std::size_t limit) { limit_.store(limit, std::memory_order_relaxed); }

    // Takes `bytes` if they fit under the share's limit.
    bool try_take(std::size_t bytes, Share share = Share::work);
    // Takes `bytes` even over the limit: for the few bytes of a status reply, which must
    // go out whatever the budget says (refusing is itself a reply).
    void take(std::size_t bytes) { used_.fetch_add(bytes, std::memory_order_relaxed); }
    void give_back(std::size_t bytes) { used_.fetch_sub(bytes, std::memory_order_relaxed); }

private:
    std::atomic<std::size_t> limit_;
    std::atomic<std::size_t> used_{0};
};

// One owner's share of a budget, returned when the charge goes. Without a budget (unit
// tests, the client) every request succeeds and nothing is counted.
class MemoryCharge {
public:
    MemoryCharge() = default;
    explicit MemoryCharge(MemoryBudget* budget,
                          MemoryBudget::Share share = MemoryBudget::Share::work)
        : budget_(budget), share_(share) {}
    MemoryCharge(MemoryCharge&& other) noexcept
        : budget_(other.budget_), share_(other.share_), bytes_(other.bytes_) {
        other.bytes_ = 0;
    }
    MemoryCharge& operator=(MemoryCharge&& other) noexcept {
        if (this != &other) {
            release();
            budget_ = other.budget_;
            share_ = other.share_;
            bytes_ = other.bytes_;
            other.bytes_ = 0;
        }
        return *this;
    }
    MemoryCharge(const MemoryCharge&) = delete;
    MemoryCharge& operator=(const MemoryCharge&) = delete;
    ~MemoryCharge() { release(); }

    std::size_t bytes() const { return bytes_; }
    MemoryBudget* budget() const { return budget_; }

    // Grows (or shrinks) the charge to `total`; false, and unchanged, when the budget has
    // no room for the growth.
    bool resize(std::size_t total);
    // The same, over the limit if need be (small control replies only).
    void force_resize(std::size_t total);
    void release() { force_resize(0); }

private:
    MemoryBudget* budget_ = nullptr;
    MemoryBudget::Share share_ = MemoryBudget::Share::work;
    std::size_t bytes_ = 0;
};

}  // namespace clipshare
