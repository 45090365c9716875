#include "net/handshake_slots.hpp"

#include <algorithm>

namespace clipshare {

void HandshakeSlots::Queue::push(Member& member) {
    member.previous_ = tail;
    member.next_ = nullptr;
    (tail ? tail->next_ : head) = &member;
    tail = &member;
    ++size;
}

void HandshakeSlots::Queue::remove(Member& member) {
    (member.previous_ ? member.previous_->next_ : head) = member.next_;
    (member.next_ ? member.next_->previous_ : tail) = member.previous_;
    member.previous_ = member.next_ = nullptr;
    --size;
}

HandshakeSlots::Member* HandshakeSlots::Queue::pop() {
    Member* first = head;
    if (first) remove(*first);
    return first;
}

HandshakeSlots::HandshakeSlots(uv_loop_t* loop, std::size_t limit)
    : loop_(loop), limit_(std::max<std::size_t>(limit, 1)) {
    holders_.reserve(limit_);
    if (uv_idle_init(loop, turn_.get()) != 0) return;
    turn_.mark_initialized();
    turn_.get()->data = this;
    if (uv_timer_init(loop, stall_.get()) != 0) return;
    stall_.mark_initialized();
    stall_.get()->data = this;
    usable_ = true;
}

HandshakeSlots::~HandshakeSlots() = default;

void HandshakeSlots::set_limit(std::size_t limit) {
    limit_ = std::max<std::size_t>(limit, 1);
    grant();
}

void HandshakeSlots::join(Member& member) {
    if (member.place_ != Member::Place::outside) return;
    member.place_ = Member::Place::in_line;
    line_.push(member);
    grant();
    watch_for_stalls();
}

void HandshakeSlots::step_due(Member& member) {
    if (member.place_ != Member::Place::waiting) return;
    member.place_ = Member::Place::ready;
    ready_.push(member);
    schedule();
}

void HandshakeSlots::leave(Member& member) {
    switch (member.place_) {
        case Member::Place::outside:
            return;
        case Member::Place::in_line:
            line_.remove(member);
            member.place_ = Member::Place::outside;
            return;
        case Member::Place::ready:
            ready_.remove(member);
            break;
        case Member::Place::waiting:
            break;
    }
    member.place_ = Member::Place::outside;
    holders_.erase(std::find(holders_.begin(), holders_.end(), &member));
    grant();
}

void HandshakeSlots::grant() {
    while (holders_.size() < limit_ && line_.size > 0) {
        Member* member = line_.pop();
        member->place_ = Member::Place::ready;
        holders_.push_back(member);
        ready_.push(*member);
    }
    schedule();
}

void HandshakeSlots::schedule() {
    // An idle handle also keeps the loop from blocking in its poll: I/O is looked at (without
    // waiting) between two steps.
    if (!usable_ || ready_.size == 0) return;
    uv_idle_start(turn_.get(), [](uv_idle_t* idle) {
        auto* self = static_cast<HandshakeSlots*>(idle->data);
        if (self != nullptr) self->run_one_step();
    });
}

void HandshakeSlots::run_one_step() {
    Member* member = ready_.pop();
    if (ready_.size == 0) uv_idle_stop(turn_.get());
    if (member == nullptr) return;
    // Until it says otherwise, it waits for its client.
    member->place_ = Member::Place::waiting;
    member->waiting_since_ = uv_now(loop_);
    member->on_handshake_turn();
}

void HandshakeSlots::watch_for_stalls() {
    if (!usable_ || line_.size == 0 || uv_is_active(stall_.base())) return;
    constexpr std::uint64_t every = stall_grace_ms / 4;
    uv_timer_start(
        stall_.get(),
        [](uv_timer_t* timer) {
            auto* self = static_cast<HandshakeSlots*>(timer->data);
            if (self == nullptr) return;
            if (self->line_.size == 0) {
                uv_timer_stop(timer);
                return;
            }
            self->evict_stalled_holders();
        },
        every, every);
}

void HandshakeSlots::evict_stalled_holders() {
    const std::uint64_t now = uv_now(loop_);
    // One at a time: each eviction grants the slot to the next in line and may change
    // holders_. Only as many as wait in line: a free slot needs no eviction.
    while (line_.size > 0 && holders_.size() >= limit_) {
        Member* victim = nullptr;
        for (Member* holder : holders_) {
            if (holder->place_ != Member::Place::waiting ||
                now - holder->waiting_since_ < stall_grace_ms) {
                continue;
            }
            if (victim == nullptr || holder->waiting_since_ < victim->waiting_since_) {
                victim = holder;
            }
        }
        if (victim == nullptr) return;
        victim->on_handshake_evicted(now - victim->waiting_since_);
        leave(*victim);
    }
}

}  // namespace clipshare
