// Seals a bulk reply's TLS records on libuv's thread pool, so that on a machine with more
// than one core the loop thread reads the disk's chunks and writes ciphertext while another
// thread encrypts. Measured on the 2-core test VM (bench/README.md), a TLS download's loop
// thread was about one core busy, three quarters of it sealing, and that was the limit.
//
// One worker at a time (a job on the pool) owns the engine: it seals whatever plaintext the
// loop has queued, in order, and goes on as long as more keeps coming; then it ends, and the
// TlsStream that owns the engine may touch it again (busy() is false). It wakes the loop for
// each piece it seals. Sealing each chunk in a job of its own left the thread idle between
// trips, and so did a worker whose producer kept only one chunk ahead: the producer may queue
// write_ahead more (Stream::write_ahead), charged to the budget by it.
//
// A job owns what it works on (the engine and its context by shared pointer, the shared
// state), so the stream may go at any moment: a running job finishes on its own and only its
// reports are dropped. Memory: the plaintext is the producer's (already charged), and each
// piece's ciphertext lives until the loop hands it to the socket.
#pragma once

#include <uv.h>

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <vector>

#include "net/mbedtls_compat.hpp"
#include "net/tls_engine.hpp"
#include "util/work_queue.hpp"
#include "util/worker_wake.hpp"

namespace clipshare {

class TlsContext;

class SealOffload {
public:
    // Whether this build's mbedTLS may seal one session's records on another thread.
    static constexpr bool supported() { return mbedtls_compat::has_threading; }
    // A write this large starts it (a file chunk is 128 KiB, a text reply's piece 64 KiB).
    static constexpr std::size_t bulk_write = 64 * 1024;
    // Two file chunks: one queued behind the one being sealed, one being read from the disk.
    // With none, a 2 GiB ChaCha20 download went at the speed of sealing on the loop.
    static constexpr std::size_t write_ahead = 256 * 1024;

    // nullptr if the wake-up handle cannot be set up. `progress` runs on the loop when the
    // worker sealed something or ended; `this` is gone, not it.
    static std::unique_ptr<SealOffload> create(uv_loop_t* loop, std::function<void()> progress);
    ~SealOffload();
    SealOffload(const SealOffload&) = delete;
    SealOffload& operator=(const SealOffload&) = delete;

    bool busy() const { return busy_; }
    bool failed() const { return failed_; }
    void queue(std::vector<std::uint8_t> plaintext);
    // Plaintext queued, being sealed, or sealed and not yet collected.
    std::size_t pending_bytes() const { return pending_; }
    void start(const std::shared_ptr<TlsEngine>& engine,
               const std::shared_ptr<const TlsContext>& context);
    // Ciphertext sealed since the last call, in order.
    std::vector<std::vector<std::uint8_t>> collect();
    // Plaintext bytes sealed on the pool so far (tests check that the pool did the work).
    std::uint64_t sealed_bytes() const { return sealed_; }

private:
    struct Shared;
    struct Worker;
    SealOffload(uv_loop_t* loop, std::function<void()> progress);

    std::function<void()> progress_;
    WorkQueue queue_;
    WorkerWake wake_;
    std::shared_ptr<Shared> shared_;
    std::size_t pending_ = 0;
    std::uint64_t sealed_ = 0;
    bool busy_ = false;
    bool failed_ = false;
};

}  // namespace clipshare
