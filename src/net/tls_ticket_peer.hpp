// The client name a TLS 1.3 ticket vouches for, passed between the daemon's ticket callbacks
// (TlsResumption) and the TlsEngine whose handshake calls them.
//
// mbedTLS 3.6 keeps no client certificate with a TLS 1.3 session it resumes, and it calls the
// ticket callbacks with the ticket alone: nothing in their arguments says whose handshake it
// is. Every handshake step runs inside TlsEngine::handshake on one thread, so the engine
// names itself for that call (TicketPeerScope) and the callbacks find it through current().
#pragma once

#include <optional>
#include <string>

namespace clipshare {

struct TicketPeer {
    // Set by the ticket parser: the allowed client name sealed into the ticket this
    // handshake resumes (or, when several were offered, the last one that opened).
    std::optional<std::string> resumed_name;
};

// Makes `peer` the current one for the lifetime of the scope, on this thread.
class TicketPeerScope {
public:
    explicit TicketPeerScope(TicketPeer& peer) : previous_(current_) { current_ = &peer; }
    ~TicketPeerScope() { current_ = previous_; }
    TicketPeerScope(const TicketPeerScope&) = delete;
    TicketPeerScope& operator=(const TicketPeerScope&) = delete;

    // nullptr outside every scope: then no TLS 1.3 ticket can resume (nobody would learn its
    // client's name).
    static TicketPeer* current() { return current_; }

private:
    TicketPeer* previous_;
    static inline thread_local TicketPeer* current_ = nullptr;
};

}  // namespace clipshare
