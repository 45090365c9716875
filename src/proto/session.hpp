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

#include "clipboard/clipboard.hpp"
#include "config/config.hpp"
#include "files/transfer.hpp"
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

    bool client_selects_display = false;
    std::int64_t display = 1;

    static SessionSettings from(const Config& config);
};

// What methods work on. Either may be missing (unit tests of negotiation): a method that
// needs a missing service answers 04.
struct Services {
    Clipboard* clipboard = nullptr;
    FileService* files = nullptr;
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
    // Stop and restart delivering input (the session is waiting for the disk or a command).
    virtual void pause_input() = 0;
    virtual void resume_input() = 0;
    // Bytes sent but not yet taken by the transport: producers pause above a threshold and
    // continue from Session::on_output_drained().
    virtual std::size_t pending_output() const = 0;

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
    // Everything sent so far has left (see SessionHost::pending_output).
    virtual void on_output_drained() {}
};

class Session {
public:
    Session(SessionSettings settings, SessionHost& host, Services services = {});
    ~Session();

    void feed(std::span<const std::uint8_t> input);
    void on_peer_end();
    void on_output_drained();

    // False once the session has finished or aborted: later input is ignored.
    bool active() const { return phase_ != Phase::done; }
    int version() const { return negotiation_.version(); }
    // The peer has closed its sending side (delivered after all input before it).
    bool input_ended() const { return input_ended_; }
    const SessionSettings& settings() const { return settings_; }

    // For method handlers: end the session (they call these instead of the host's).
    void finish(std::string_view note = {});
    void abort(std::string_view why);
    SessionHost& host() { return host_; }
    const Services& services() const { return services_; }
    // A handler that returned 0 from feed() calls this once it can take input again; what
    // arrived meanwhile is fed first.
    void resume_input();

private:
    enum class Phase { negotiating, awaiting_method, in_method, done };

    void on_method_byte(std::uint8_t code);
    std::unique_ptr<MethodHandler> make_handler(Method method);

    void feed_input(std::span<const std::uint8_t> input);

    SessionSettings settings_;
    SessionHost& host_;
    Services services_;
    // Input that arrived while the handler could not take it; at most one read's worth,
    // because input is paused as soon as it is set aside.
    std::vector<std::uint8_t> held_;
    bool paused_ = false;
    bool peer_ended_ = false;
    bool resuming_ = false;
    bool input_ended_ = false;
    bool resume_again_ = false;
    Negotiation negotiation_;
    Phase phase_ = Phase::negotiating;
    std::unique_ptr<MethodHandler> handler_;
};

}  // namespace clipshare
