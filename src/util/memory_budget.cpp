#include "util/memory_budget.hpp"

namespace clipshare {

bool MemoryBudget::try_take(std::size_t bytes, Share share) {
    auto used = used_.load(std::memory_order_relaxed);
    do {
        auto limit = limit_for(share);
        if (used > limit || bytes > limit - used) return false;
    } while (!used_.compare_exchange_weak(used, used + bytes, std::memory_order_relaxed));
    return true;
}

bool MemoryCharge::resize(std::size_t total) {
    if (budget_ == nullptr) {
        bytes_ = total;
        return true;
    }
    if (total > bytes_ && !budget_->try_take(total - bytes_, share_)) return false;
    if (total < bytes_) budget_->give_back(bytes_ - total);
    bytes_ = total;
    return true;
}

void MemoryCharge::force_resize(std::size_t total) {
    if (budget_ != nullptr) {
        if (total > bytes_) budget_->take(total - bytes_);
        if (total < bytes_) budget_->give_back(bytes_ - total);
    }
    bytes_ = total;
}

}  // namespace clipshare
