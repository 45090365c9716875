// A server-side TLS session over another Stream (the accepted TcpStream): an adapter that
// moves ciphertext between the inner stream and a TlsEngine, which works on memory only. It
// owns what is about sockets and time: the handshake deadline, quick ACKs, backpressure,
// pausing and resuming delivery, and lingering after a refusal so its alert is read. The
// session above sees the same Stream interface as plain TCP, and a slow handshake costs other
// clients nothing.
//
// For the outer user it is a Stream; for the inner stream it is the StreamHandler.
// Byte accounting: pending_write_bytes() counts plaintext not yet sealed plus ciphertext not
// yet handed to the kernel, so a producer that pauses on it pauses on the real socket.
#pragma once

#include <uv.h>

#include <cstdint>
#include <deque>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "net/handshake_slots.hpp"
#include "net/stream.hpp"
#include "util/uv_handle.hpp"

namespace clipshare {

class MemoryBudget;
class RecordOffload;
class SealOffload;
class TlsContext;
class TlsEngine;

class TlsStream final : public Stream, private StreamHandler, private HandshakeSlots::Member {
public:
    // nullptr if mbedTLS cannot set up the session (out of memory). With `slots`, the
    // handshake waits for one of them once the ClientHello is whole, and its deadline starts
    // again when it gets one; without, it starts at once (tests and benchmarks). With
    // `offload_budget`, a bulk upload's records may be opened on the thread pool
    // (RecordOffload), if that budget has room for it.
    static std::unique_ptr<TlsStream> create(std::unique_ptr<Stream> inner,
                                             std::shared_ptr<const TlsContext> context,
                                             uv_loop_t* loop, HandshakeSlots* slots = nullptr,
                                             MemoryBudget* offload_budget = nullptr);
    // As for every Stream: destroy it before close() or after on_stream_closed().
    ~TlsStream() override;

    void set_handler(StreamHandler* handler) override { handler_ = handler; }
    void read_start() override;
    void read_stop() override;
    void write(std::vector<std::uint8_t> bytes) override;
    std::size_t pending_write_bytes() const override;
    std::size_t write_ahead() const override;
    void shutdown_write() override;
    void close() override;
    // The address until the handshake is done, then "address CN=name".
    const std::string& peer() const override { return peer_; }
    bool established() const override { return phase_ == Phase::established; }
    bool handshake_pending() const override {
        return phase_ == Phase::handshake && (in_line_ || engine_ != nullptr);
    }

    // Received ciphertext held in memory, consumed or not (for tests: it must stay bounded).
    std::size_t held_ciphertext_bytes() const;
    // Whether an mbedTLS session exists yet: not before a whole ClientHello (for tests).
    bool has_session() const { return engine_ != nullptr; }
    // Plaintext bytes opened on the thread pool (for tests).
    std::uint64_t offloaded_bytes() const;
    // Plaintext bytes sealed on the thread pool (for tests).
    std::uint64_t sealed_offloaded_bytes() const;

private:
    enum class Phase {
        handshake,    // waiting for the client to finish the handshake
        established,  // application data flows
        failed,       // refused or broken: flushing the alert, then reporting the end
    };

    TlsStream(std::unique_ptr<Stream> inner, std::shared_ptr<const TlsContext> context,
              HandshakeSlots* slots, MemoryBudget* offload_budget);
    bool init(uv_loop_t* loop);
    void start_deadline();
    // Creates the engine once the client's cipher suites are known (or cannot be):
    // TlsContext::ssl_config picks the configuration by them. Until then there is no mbedTLS
    // session and no record buffers, so a port scanner costs almost nothing.
    bool set_up_session();

    // The inner stream's events (ciphertext side).
    void on_stream_data(std::span<const std::uint8_t> data) override;
    void on_stream_end(int status) override;
    void on_stream_drained() override;
    void on_stream_closed() override;

    // HandshakeSlots::Member: a slot (first call) or the next step; a stall while others wait.
    void on_handshake_turn() override;
    void on_handshake_evicted(std::uint64_t waited_ms) override;
    void leave_slots();

    // Does everything that can be done now: handshake, sealing, close_notify, delivery.
    void advance();
    void continue_handshake();
    void on_handshake_done();
    // Logs why the engine failed, as the daemon always has, and fails the stream.
    void fail_with_engine_reason();
    void seal_plaintext();
    void send_close_notify_if_due();
    void deliver_plaintext();
    // With records opened on the pool: delivers what jobs opened, then starts the next job.
    void deliver_offloaded();
    void start_offload_job();
    // With records sealed on the pool: the next job, if the engine is free and there is
    // plaintext; the worker's ciphertext to the socket.
    void start_seal_job();
    void on_seal_progress();
    // Some of what the pool sealed reached the socket: a producer may queue more.
    void notify_room();
    // The pool's worker opened records, took the queued ciphertext, or ended.
    void on_offload_progress();
    // The engine is the thread pool's while an offloaded job runs.
    bool engine_free() const;
    void flush_ciphertext();
    void update_inner_reading();
    void notify_drained_if_empty();
    // Reports the end to the handler once; a failure waits until its alert is out.
    void end(int status);
    void fail(int status);
    void finish_failure_if_flushed();

    std::unique_ptr<Stream> inner_;
    // Declared before engine_: the engine points into the context's configuration.
    std::shared_ptr<const TlsContext> context_;
    // From the first ClientHello on (set_up_session); shared with a RecordOffload job.
    std::shared_ptr<TlsEngine> engine_;
    HandshakeSlots* slots_;  // nullptr: no admission, steps run at once
    uv_loop_t* loop_ = nullptr;
    MemoryBudget* offload_budget_;  // nullptr: records are opened on the loop
    // Once a bulk upload begins (its handler lends a buffer), if the budget allows.
    std::unique_ptr<RecordOffload> offload_;
    // Once a bulk reply begins (a write of SealOffload::bulk_write or more), where records
    // may be opened on the pool too, its records are sealed there.
    std::unique_ptr<SealOffload> sealing_;
    bool may_seal_off_loop_ = false;
    UvHandle<uv_timer_t> handshake_timer_;
    // Restarts delivery after read_start(): what the engine already holds brings no new
    // socket event, so an idle callback on the next loop turn drains it.
    UvHandle<uv_idle_t> resume_;
    StreamHandler* handler_ = nullptr;
    std::string peer_;

    Phase phase_ = Phase::handshake;
    // Ciphertext before the engine exists, and what arrives while SealOffload's worker owns
    // the engine (fed to it once the worker is over).
    std::vector<std::uint8_t> hello_;
    std::deque<std::vector<std::uint8_t>> plaintext_;  // written, not yet sealed
    std::size_t plaintext_offset_ = 0;                 // into plaintext_.front()
    std::size_t plaintext_bytes_ = 0;

    bool started_ = false;      // the user called read_start: the handshake may begin
    bool reading_ = false;      // the user wants data
    bool delivering_ = false;   // inside deliver_plaintext (it calls out to the user)
    bool inner_ended_ = false;  // no more ciphertext will come
    bool user_wrote_ = false;   // a write since the last on_stream_drained
    bool shutdown_requested_ = false;
    bool close_notify_sent_ = false;
    bool ended_ = false;            // on_stream_end was reported
    bool failure_pending_ = false;  // failed, end not reported until the alert has drained
    int failure_status_ = 0;
    bool closing_ = false;
    bool received_any_ = false;    // the first byte of the session has come
    bool in_line_ = false;         // the ClientHello is whole, waiting for a handshake slot
    bool my_turn_ = false;         // inside on_handshake_turn: a step may run now
    bool fed_since_step_ = false;  // the engine got input its handshake has not looked at
    bool lending_ = false;         // the engine reads the inner stream's buffer in place
    bool end_fed_ = false;         // the engine was told of the inner stream's end
    // A refused client: after the alert, shut our side and read on until the client closes
    // (or the handshake timer fires), so that closing on unread bytes cannot turn into a TCP
    // reset that destroys the alert before the client reads it.
    bool lingering_ = false;
    bool write_shut_ = false;
};

}  // namespace clipshare
