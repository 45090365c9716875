// The tail of every download in v4: the client confirms with one byte 01 (SPEC.md 4).
#pragma once

#include <cstdint>
#include <span>

#include "proto/session.hpp"

namespace clipshare {

// Waits for the client's acknowledgement after a download, then ends the session. Before
// v4 there is no acknowledgement and the session ends as soon as the data is queued.
class ClientAck {
public:
    explicit ClientAck(Session& session) : session_(session) {}

    // Call once the whole reply is queued.
    void expect() {
        if (session_.version() < 4) {
            session_.finish();
        } else if (session_.input_ended()) {
            session_.finish("client closed without acknowledging");
        } else {
            waiting_ = true;
            // A pipelined acknowledgement may be held while the reply was being prepared.
            session_.resume_input();
        }
    }
    bool waiting() const { return waiting_; }

    std::size_t feed(std::span<const std::uint8_t> input) {
        if (!waiting_ || input.empty()) return 0;
        waiting_ = false;
        // A wrong acknowledgement changes nothing: a download has no effect to undo.
        session_.finish(input[0] == 0x01 ? "" : "client sent a wrong acknowledgement");
        return 1;
    }
    // For downloads: a client that closed its sending side may still be reading, so only
    // a missing acknowledgement ends the session here.
    void on_peer_end() {
        if (!waiting_) return;
        waiting_ = false;
        session_.finish("client closed without acknowledging");
    }

private:
    Session& session_;
    bool waiting_ = false;
};

}  // namespace clipshare
