// One ClipShare connection as a pure state machine: bytes from the peer go in through
// feed(), and everything the session decides goes out through a SessionHost (bytes to send,
// finish, abort). It knows nothing of sockets or TLS, so the same code serves both listeners
// and runs under unit tests and fuzzers unchanged.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "proto/methods.hpp"
#include "proto/negotiation.hpp"

namespace clipshare {

// The part of the configuration a session needs, copied when the connection starts so that a
// reload never changes the rules in the middle of an exchange.
struct SessionSettings {
    int min_version = lowest_version;
    int max_version = highest_version;
    MethodsSection methods;
    LimitsSection limits;
    std::string info_name;

    static SessionSettings from(const Config& config);
};

class SessionHost {
public:
    // Queues one message; messages go out in order, each in one write.
    virtual void send(std::vector<std::uint8_t> message) = 0;
    // The exchange is over: flush what was sent, then close. A non-empty `note` is logged
    // with the peer address.
    virtual void finish(std::string_view note) = 0;
    // The peer broke the protocol or a limit: log `why` with the peer address, close at once.
    virtual void abort(std::string_view why) = 0;

protected:
    ~SessionHost() = default;
};

// One method's exchange after the method byte.
class MethodHandler {
public:
    virtual ~MethodHandler() = default;
    virtual void start() = 0;
    // Consumes what the method needs of `input`; returns how many bytes were used.
    virtual std::size_t feed(std::span<const std::uint8_t> input) = 0;
    // The peer closed its sending side.
    virtual void on_peer_end() = 0;
};

class Session {
public:
    Session(SessionSettings settings, SessionHost& host);
    ~Session();

    void feed(std::span<const std::uint8_t> input);
    void on_peer_end();

    // False once the session has finished or aborted: later input is ignored.
    bool active() const { return phase_ != Phase::done; }
    int version() const { return negotiation_.version(); }
    const SessionSettings& settings() const { return settings_; }

    // For method handlers: end the session (they call these instead of the host's).
    void finish(std::string_view note = {});
    void abort(std::string_view why);
    SessionHost& host() { return host_; }

private:
    enum class Phase { negotiating, awaiting_method, in_method, done };

    void on_method_byte(std::uint8_t code);
    std::unique_ptr<MethodHandler> make_handler(Method method);

    SessionSettings settings_;
    SessionHost& host_;
    Negotiation negotiation_;
    Phase phase_ = Phase::negotiating;
    std::unique_ptr<MethodHandler> handler_;
};

}  // namespace clipshare
