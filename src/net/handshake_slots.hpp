// Admission for TLS handshakes. A handshake costs the loop thread real work (a signature, a
// key exchange, certificate checks: milliseconds each on a PC, far more on a router); when
// thousands start at once, every one of them waits behind all the others and all of them time
// out together. So at most `limit` handshakes are in progress at a time; a client whose
// ClientHello is whole waits in line (first come, first served) until one ends. And the steps
// of those in progress run one per loop turn, so that the clients already connected are read
// and answered between two handshake steps instead of after all of them.
//
// A slot holder that waits for its client's next flight longer than `stall_grace_ms` while
// others wait in line gives its slot up (on_handshake_evicted): a client that sends a
// ClientHello and then nothing cannot keep others out for a whole handshake timeout.
#pragma once

#include <uv.h>

#include <cstddef>
#include <cstdint>
#include <vector>

#include "util/uv_handle.hpp"

namespace clipshare {

class HandshakeSlots {
public:
    class Member {
    public:
        // A slot is this member's now (the first call), or its next step may run: run it.
        virtual void on_handshake_turn() = 0;
        // It waited too long for its client while others are in line: end the handshake.
        virtual void on_handshake_evicted(std::uint64_t waited_ms) = 0;

    protected:
        ~Member() = default;
        // In line or holding a slot: leave() has something to do.
        bool admitted() const { return place_ != Place::outside; }

    private:
        friend class HandshakeSlots;
        enum class Place {
            outside,  // not admitted, or done
            in_line,  // waiting for a slot
            ready,    // holds a slot, its next step is due
            waiting,  // holds a slot, waits for its client
        };
        Place place_ = Place::outside;
        Member* previous_ = nullptr;  // in the line or the ready queue
        Member* next_ = nullptr;
        std::uint64_t waiting_since_ = 0;  // loop time it began to wait for its client
    };

    static constexpr std::uint64_t stall_grace_ms = 1000;

    HandshakeSlots(uv_loop_t* loop, std::size_t limit);
    ~HandshakeSlots();
    HandshakeSlots(const HandshakeSlots&) = delete;
    HandshakeSlots& operator=(const HandshakeSlots&) = delete;

    // A reload: more slots are granted at once; fewer take effect as handshakes end.
    void set_limit(std::size_t limit);
    // The member's ClientHello is whole. on_handshake_turn comes on a later loop turn, when
    // a slot is free; how long to wait for it is the member's business.
    void join(Member& member);
    // A slot holder has input for its next step: on_handshake_turn on a later turn. After
    // each turn a holder counts as waiting for its client until it calls this again.
    void step_due(Member& member);
    // The handshake ended (done, failed, closed): the member gives up its slot or place.
    // Safe to call more than once.
    void leave(Member& member);

    std::size_t in_progress() const { return holders_.size(); }
    std::size_t in_line() const { return line_.size; }

private:
    // An intrusive first-in-first-out list: joining and leaving allocate nothing.
    struct Queue {
        Member* head = nullptr;
        Member* tail = nullptr;
        std::size_t size = 0;
        void push(Member& member);
        void remove(Member& member);
        Member* pop();
    };

    void grant();
    void schedule();
    void run_one_step();
    void watch_for_stalls();
    void evict_stalled_holders();
    bool usable_ = false;

    uv_loop_t* loop_;
    std::size_t limit_;
    Queue line_;   // waiting for a slot
    Queue ready_;  // slot holders whose next step is due
    std::vector<Member*> holders_;
    UvHandle<uv_idle_t> turn_;    // runs one step per loop turn while ready_ is not empty
    UvHandle<uv_timer_t> stall_;  // looks for stalled holders while someone is in line
};

}  // namespace clipshare
