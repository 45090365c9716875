// Version negotiation (SPEC.md section 3) as a pure state machine: one byte in, the reply
// bytes out. It never sees a socket, so every branch is unit-testable.
#pragma once

#include <cstdint>
#include <vector>

namespace clipshare {

class Negotiation {
public:
    enum class State {
        awaiting_version,      // nothing received yet
        awaiting_offer_reply,  // we offered our max; the client must echo it
        accepted,              // version() is the agreed version
        refused,               // close the connection after sending the reply
    };

    Negotiation(int min_version, int max_version) : min_(min_version), max_(max_version) {}

    // Advances by one received byte; returns what must be sent in answer (possibly nothing).
    // Must not be called once done().
    std::vector<std::uint8_t> on_byte(std::uint8_t byte);

    State state() const { return state_; }
    bool done() const { return state_ == State::accepted || state_ == State::refused; }
    int version() const { return version_; }
    // The version byte the client first sent (for logs).
    int requested() const { return requested_; }

private:
    int min_;
    int max_;
    State state_ = State::awaiting_version;
    int version_ = 0;
    int requested_ = -1;
};

}  // namespace clipshare
