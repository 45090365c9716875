// One ClipShare connection as a pure state machine: bytes from the peer go in through
// feed(), and everything the session decides goes out through a SessionHost (bytes to send,
// finish, abort). It knows nothing of sockets or TLS, so the same code serves both listeners
// and runs under unit tests and fuzzers unchanged.
//
// Its services answer by the callback rule of clipboard/clipboard.hpp: never inside the
// call, always on a later loop turn. So a handler's answer never arrives while the session
// is feeding it, and resume_input() is only ever called from outside a feed.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "clipboard/clipboard.hpp"
#include "files/transfer.hpp"
#include "proto/methods.hpp"
#include "proto/negotiation.hpp"
#include "util/memory_budget.hpp"

namespace clipshare {

// The limits a session enforces on what a client sends or asks for.
struct SessionLimits {
    std::int64_t max_text_length = 4194304;
    std::int64_t max_file_size = 68719476736;
    std::int64_t max_file_count = 4294967294;
    std::int64_t max_path_depth = 128;                     // segments of one path
    std::int64_t max_batch_name_bytes = 64 * 1024 * 1024;  // all names of one batch
};

// What a session needs of the daemon's configuration (the server fills it in:
// server/session_settings.hpp), copied when the connection starts so that a reload never
// changes the rules in the middle of an exchange.
struct SessionSettings {
    int min_version = lowest_version;
    int max_version = highest_version;
    // Bit c stands for the method whose code is c (util/method_table.hpp).
    MethodSet methods = default_methods();
    SessionLimits limits;
    std::string info_name;

    bool client_selects_display = false;
    std::int64_t display = 1;
};

class BatchCommitter;

// What methods work on. Clipboard and files may be missing (unit tests of negotiation): a
// method that needs a missing service answers 04. Without a budget nothing is counted;
// without a committer the session finishes its batches itself (tests, fuzzers).
struct Services {
    Clipboard* clipboard = nullptr;
    FileService* files = nullptr;
    MemoryBudget* budget = nullptr;
    BatchCommitter* commits = nullptr;
};

// What one exchange did, for the log line that ends it.
struct ExchangeSummary {
    std::optional<Method> method;
    std::uint64_t bytes_in = 0;   // payload received after the method byte
    std::uint64_t bytes_out = 0;  // everything sent
    std::int64_t entries = -1;    // files and directories, where the method has them
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
    // What a bulk producer may queue beyond its window (Stream::write_ahead).
    virtual std::size_t write_ahead() const { return 0; }

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
    // Where the transport may read the next bytes in place, when the handler would only copy
    // them there (an upload's content into its chunk): as much as it takes, never more.
    // Empty: the bytes come through feed().
    virtual std::span<std::uint8_t> read_target() { return {}; }
    // `size` bytes were read into the start of the last read_target(), and are consumed.
    // False: the handler cannot take more until it calls Session::resume_input.
    virtual bool filled(std::size_t size) {
        (void)size;
        return true;
    }
    // The peer closed its sending side.
    virtual void on_peer_end() = 0;
    // Everything sent so far has left, or some of it while more waits (Stream::on_stream_room):
    // a producer looks at SessionHost::pending_output again.
    virtual void on_output_drained() {}
    // The handler is reading a request header (sizes, names): the header deadline runs,
    // and bytes that trickle in do not count as progress.
    virtual bool reading_header() const { return false; }
    // The handler waits for the daemon's own work (the disk, a command) on the client's
    // behalf: that is never the client's idleness.
    virtual bool waiting_for_daemon() const { return false; }
};

class Session {
public:
    Session(SessionSettings settings, SessionHost& host, Services services = {});
    ~Session();

    void feed(std::span<const std::uint8_t> input);
    // Reading in place (MethodHandler::read_target): a buffer the transport may read into
    // instead of calling feed(), empty when the bytes must come through feed(); then
    // filled() once `size` bytes are there.
    std::span<std::uint8_t> read_target();
    void filled(std::size_t size);
    void on_peer_end();
    void on_output_drained();

    // False once the session has finished or aborted: later input is ignored.
    bool active() const { return phase_ != Phase::done; }
    // Reading the version, the method or a method's header fields (see
    // MethodHandler::reading_header). Each new header (the next entry of a batch) gets a new
    // epoch, so the caller can give each its own deadline.
    bool in_request_header() const;
    std::uint64_t header_epoch() const { return header_epoch_; }
    // For handlers: a new header begins (the next entry of a batch).
    void begin_header() { ++header_epoch_; }
    bool waiting_for_daemon() const;
    ExchangeSummary& summary() { return summary_; }
    const ExchangeSummary& summary() const { return summary_; }
    int version() const { return negotiation_.version(); }
    // The peer has closed its sending side (delivered after all input before it).
    bool input_ended() const { return peer_end_ == PeerEnd::delivered; }
    const SessionSettings& settings() const { return settings_; }

    // For method handlers: end the session (they call these instead of the host's).
    void finish(std::string_view note = {});
    void abort(std::string_view why);
    // A handler's callback ran out of memory: the exchange ends, the daemon goes on.
    void out_of_memory() { abort("out of memory: the exchange is dropped"); }
    const Services& services() const { return services_; }
    // Sends through the host, counting the bytes for the exchange's log line.
    void send(std::vector<std::uint8_t> message);
    // Bytes sent but not yet taken by the transport (SessionHost::pending_output).
    std::size_t pending_output() const { return host_.pending_output(); }
    std::size_t write_ahead() const { return host_.write_ahead(); }
    // A charge on the daemon's memory budget (uncounted without one).
    MemoryCharge charge() const { return MemoryCharge{services_.budget}; }
    // The daemon's committer, or the session's own when it runs without one.
    BatchCommitter& commits();
    // A handler that returned 0 from feed() calls this once it can take input again (from
    // an answer or the output draining, never from inside its own feed()); what arrived
    // meanwhile is fed first.
    void resume_input();

private:
    enum class Phase { negotiating, awaiting_method, in_method, done };

    void on_method_byte(std::uint8_t code);
    std::unique_ptr<MethodHandler> make_handler(Method method);

    void feed_input(std::span<const std::uint8_t> input);
    void pause();

    SessionSettings settings_;
    SessionHost& host_;
    Services services_;
    // Input is paused while the handler cannot take more: input that arrives meanwhile (at
    // most one read's worth after the pause) is held, and so is the peer's end after it.
    // A pause after a feed() holds what the handler left; one after filled() holds nothing.
    enum class PeerEnd { open, held, delivered };
    bool paused_ = false;
    std::vector<std::uint8_t> held_;
    PeerEnd peer_end_ = PeerEnd::open;
    Negotiation negotiation_;
    Phase phase_ = Phase::negotiating;
    std::unique_ptr<MethodHandler> handler_;
    std::uint64_t header_epoch_ = 1;
    ExchangeSummary summary_;
    MemoryCharge held_charge_;  // held_, on the budget
    std::unique_ptr<BatchCommitter> own_commits_;
};

}  // namespace clipshare
