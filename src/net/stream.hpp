// One byte-stream interface for everything above the transport: the session code talks to a
// Stream and cannot tell plain TCP from TLS (the TLS layer is itself a Stream over a Stream).
#pragma once

#include <cstddef>
#include <cstdint>
#include <new>
#include <span>
#include <string>
#include <vector>

namespace clipshare {

class StreamHandler {
public:
    virtual void on_stream_data(std::span<const std::uint8_t> data) = 0;
    // Where the next read may land. A handler that would only copy the bytes into a buffer
    // of its own (an upload's chunk) lends that buffer, so they are read there instead; the
    // span stays valid until on_stream_filled or the next call. Empty (the default): the
    // stream reads into its own buffer and calls on_stream_data. A stream that transforms
    // what it reads (TLS) puts its output there: the plaintext it would have delivered.
    virtual std::span<std::uint8_t> read_target() { return {}; }
    // `size` bytes (never 0) were read into the start of the span read_target() lent last.
    virtual void on_stream_filled(std::size_t size) { (void)size; }
    // No more data will come: 0 for an orderly end from the peer, a negative libuv error code
    // otherwise (reset, failed write, TLS failure).
    virtual void on_stream_end(int status) = 0;
    // Every queued write has reached the kernel (or failed).
    virtual void on_stream_drained() = 0;
    // Some queued bytes reached the kernel while more wait (a stream that seals them on the
    // thread pool first): a producer that waits for pending_write_bytes() to fall may look
    // again. on_stream_drained still follows once all are out.
    virtual void on_stream_room() {}
    // The stream is closed for good; the handler may destroy it now.
    virtual void on_stream_closed() = 0;
    // A stream with a handshake (TLS): it is done, data may flow from now on.
    virtual void on_stream_established() {}

protected:
    ~StreamHandler() = default;
};

// The span `handler` lends for the next read (StreamHandler::read_target), or empty: the
// stream's own buffer takes it. Streams call this from inside a libuv callback (TCP) or while
// delivering plaintext (TLS), where no exception may escape: a handler that runs out of
// memory lending lends nothing, and meets its shortage again in on_stream_data, where the
// stream catches it and ends only this connection.
inline std::span<std::uint8_t> lent_read_target(StreamHandler* handler) noexcept {
    if (handler == nullptr) return {};
    try {
        return handler->read_target();
    } catch (const std::bad_alloc&) {
        return {};
    }
}

class Stream {
public:
    virtual ~Stream() = default;

    virtual void set_handler(StreamHandler* handler) = 0;
    virtual void read_start() = 0;
    virtual void read_stop() = 0;
    // Queues bytes; they go out in order. Ownership of the buffer moves to the stream.
    virtual void write(std::vector<std::uint8_t> bytes) = 0;
    // Bytes queued but not yet handed to the kernel.
    virtual std::size_t pending_write_bytes() const = 0;
    // How much a bulk producer may queue beyond its usual window so that the stream's own
    // pipeline (TLS records sealed on the thread pool) does not run dry; the producer
    // charges it to the budget. 0: nothing to gain.
    virtual std::size_t write_ahead() const { return 0; }
    // After the queued writes, tell the peer we will send nothing more.
    virtual void shutdown_write() = 0;
    // Closes at once (queued writes are dropped); on_stream_closed follows.
    virtual void close() = 0;
    // "address:port" of the peer, for logs.
    virtual const std::string& peer() const = 0;
    // While enabled, acknowledge every received segment at once instead of delaying the ACK.
    // For exchanges of many small messages (a TLS handshake) with peers that write each
    // message separately: their Nagle algorithm would otherwise wait up to 40 ms for our
    // delayed ACK before sending the next one.
    virtual void set_quick_ack(bool enabled) { (void)enabled; }
    // A TLS handshake that has begun (its ClientHello is whole) and not ended: it waits for a
    // handshake slot or holds one. The server never closes such a connection to make room.
    virtual bool handshake_pending() const { return false; }
    // False until a stream with a handshake has finished it: no data can come before.
    virtual bool established() const { return true; }
};

}  // namespace clipshare
