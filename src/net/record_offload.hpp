// Opens a bulk upload's TLS records on libuv's thread pool, so that on a machine with more
// than one core the loop thread receives, delivers and hands chunks to the disk while another
// thread decrypts. Measured on the 2-core test VM (bench/README.md), the loop thread was the
// limit of a TLS upload: it spent most of its time opening records, and the upload went at
// about half the cipher's single-core speed.
//
// One worker at a time (a job on the pool) owns the engine: it opens whatever ciphertext the
// loop has queued, into plaintext blocks it hands back, and goes on as long as ciphertext
// keeps coming and a block is free; then it ends, and the TlsStream that owns the engine may
// touch it again (busy() is false). A job per block instead costs two thread wake-ups per
// block: with 128 KiB blocks a 1.5 GiB upload went at 190 MiB/s, with 512 KiB at 249 (a
// ChaCha20 TLS 1.2 upload on the 2-core VM, OpenSSL client). The loop and the worker meet
// under a mutex: the queue of ciphertext, the blocks opened, the free ones.
//
// A job owns what it works on (the engine and its context by shared pointer, the shared
// state), so the stream may go at any moment: a running job finishes on its own and only its
// reports are dropped.
//
// Memory is bounded and charged: `blocks` plaintext blocks and the queued ciphertext, which
// stops the socket's reads once it holds ciphertext_cap bytes (a read may bring one more
// read's worth), plus the queue the worker has taken.
#pragma once

#include <uv.h>

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "net/mbedtls_compat.hpp"
#include "net/tls_engine.hpp"
#include "util/memory_budget.hpp"
#include "util/work_queue.hpp"
#include "util/worker_wake.hpp"

namespace clipshare {

class TlsContext;

class RecordOffload {
public:
    // Above this much queued ciphertext the socket is not read. At 128 KiB the worker ran
    // dry between rounds: in a 512 MiB upload the loop stopped at the cap 4673 times and the
    // worker ended for want of input 679 times (252-260 MiB/s); at 256 KiB, 200 times
    // (280-286 MiB/s). 512 KiB measured alike and holds twice as much.
    static constexpr std::size_t ciphertext_cap = 256 * 1024;
    static constexpr std::size_t read_size = 64 * 1024;  // one libuv read, at most
    // A round takes the whole queue; what its block has no room for stays in the engine, and
    // the next round opens that before it takes more.
    static constexpr std::size_t block_size = 256 * 1024;
    static constexpr std::size_t blocks = 3;  // one delivered, one filled, one to go on with
    static constexpr std::size_t memory = blocks * block_size + 2 * (ciphertext_cap + read_size);
    // It is taken only while this fraction (1/n) of the budget's work share is still free, so
    // that a router's budget goes to clients before it goes to speed (MemoryBudget::can_spare).
    static constexpr std::size_t share_divisor = MemoryBudget::speed_divisor;

    // Whether this build's mbedTLS may open one session's records on another thread.
    static constexpr bool supported() { return mbedtls_compat::has_threading; }

    // nullptr when the budget has no room to spare for it (the stream then opens records on
    // the loop thread, as without a budget). `progress` runs on the loop when the worker has
    // opened a block or taken the queue, and when it has ended; `this` is gone, not it.
    static std::unique_ptr<RecordOffload> create(uv_loop_t* loop, MemoryBudget& budget,
                                                 std::function<void()> progress);
    ~RecordOffload();
    RecordOffload(const RecordOffload&) = delete;
    RecordOffload& operator=(const RecordOffload&) = delete;

    // A worker runs: the engine is not the loop's to touch.
    bool busy() const { return busy_; }

    // Ciphertext read from the socket, copied for the worker.
    void queue_ciphertext(std::span<const std::uint8_t> bytes);
    bool wants_ciphertext() const;
    std::size_t queued_ciphertext() const;
    // Ciphertext queued and plaintext not yet delivered.
    std::size_t held_bytes() const;
    // The engine was given input the loop's way (the connection's end): worth a worker again.
    void more_input() { starved_ = false; }

    // Starts a worker unless one runs or no block is free, when there is something to open:
    // queued ciphertext, or `engine_pending` (TlsEngine::input_pending) after the last worker
    // stopped for want of a block rather than of input.
    void start(const std::shared_ptr<TlsEngine>& engine,
               const std::shared_ptr<const TlsContext>& context, bool engine_pending);

    // Takes the blocks the worker opened since the last call (it wakes the loop for each).
    void collect();
    // Plaintext collected and not yet delivered, in order (a part of it: call again after
    // delivered()).
    std::span<const std::uint8_t> plaintext() const;
    void delivered(std::size_t bytes);
    // Once every byte before it is delivered: what ended the session's input (ended, or
    // failed: TlsEngine::failure() says why). Nothing while the session goes on.
    std::optional<TlsEngine::ReadResult::Kind> outcome() const;

    // Bytes opened on the pool so far (tests check that the pool did the work).
    std::uint64_t opened_bytes() const;

private:
    struct Block {
        std::vector<std::uint8_t> bytes;
        std::size_t size = 0;    // opened
        std::size_t offset = 0;  // delivered
        TlsEngine::ReadResult::Kind stop = TlsEngine::ReadResult::Kind::want_more;
    };
    struct Shared;
    struct Worker;

    RecordOffload(uv_loop_t* loop, MemoryCharge charge, std::function<void()> progress);
    void on_worker_done(bool starved, bool stopped);
    void drop_spent_blocks();

    MemoryCharge charge_;
    std::function<void()> progress_;
    WorkQueue queue_;
    WorkerWake wake_;
    std::shared_ptr<Shared> shared_;
    bool busy_ = false;
    // The last worker found no more input: without new ciphertext (or the end) another one
    // would only find the same.
    bool starved_ = false;
    bool stopped_ = false;  // a worker met the end or a failure: no more workers
    std::deque<Block> ready_;
};

}  // namespace clipshare
