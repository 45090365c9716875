// TlsStream on its own, in this process: a libuv loop with a listener and a TlsStream on the
// server side, a blocking mbedTLS client in a thread. These exercise what the daemon's
// methods will lean on: pausing and resuming delivery (bytes already inside the TLS layer
// must come out with no new socket event), backpressure through pending_write_bytes and
// on_stream_drained, and close_notify after the last byte.
#include <gtest/gtest.h>
#include <uv.h>

#include <algorithm>
#include <functional>
#include <memory>
#include <thread>

#include "daemon_fixture.hpp"
#include "net/listener.hpp"
#include "net/record_offload.hpp"
#include "net/seal_offload.hpp"
#include "net/tls.hpp"
#include "net/tls_stream.hpp"
#include "support/busy_pool.hpp"
#include "test_certificates.hpp"
#include "tls_client.hpp"
#include "util/memory_budget.hpp"

namespace clipshare::test {
namespace {

std::uint8_t pattern(std::size_t index) {
    return static_cast<std::uint8_t>(index % 251);
}

// The server side: accepts one connection on 127.0.0.1, wraps it in TLS, and hands the
// stream to `on_stream`. The loop runs until every handle is closed.
class LoopServer final : public ListenerHandler {
public:
    // With `offload_budget` bytes, a budget the stream may take a RecordOffload's memory from.
    explicit LoopServer(const TestCertificates& certs, std::size_t offload_budget = 0) {
        if (offload_budget != 0) budget_ = std::make_unique<MemoryBudget>(offload_budget);
        uv_loop_init(&loop_);
        TlsSection settings;
        settings.certificate = certs.dir / "server.crt";
        settings.private_key = certs.dir / "server.key";
        settings.ca = certs.dir / "ca.crt";
        settings.allowed_clients_inline = std::vector<std::string>{"phone"};
        if (auto version = test_tls_max_version(); !version.empty()) {
            settings.max_version = version;
        }
        std::string error;
        context_ = make_tls_context(settings, error);
        EXPECT_TRUE(context_) << error;
        port_ = pick_free_port();
        EXPECT_EQ(listener_.open(&loop_, "127.0.0.1", port_, false), "");
        EXPECT_EQ(listener_.listen(), "");
    }

    ~LoopServer() {
        listener_.close();
        uv_run(&loop_, UV_RUN_DEFAULT);
        uv_loop_close(&loop_);
    }

    std::uint16_t port() const { return port_; }
    uv_loop_t* loop() { return &loop_; }
    std::function<void(std::unique_ptr<Stream>)> on_stream;
    MemoryBudget& budget() { return *budget_; }

    // Runs the loop until `done`; a safety net (never a wait) gives up after a minute, so a
    // broken stream fails the test instead of hanging it.
    bool run_until(const bool& done) {
        bool gave_up = false;
        UvHandle<uv_timer_t> watchdog;
        uv_timer_init(&loop_, watchdog.get());
        watchdog.mark_initialized();
        watchdog.get()->data = &gave_up;
        uv_timer_start(
            watchdog.get(), [](uv_timer_t* timer) { *static_cast<bool*>(timer->data) = true; },
            60000, 0);
        while (!done && !gave_up) uv_run(&loop_, UV_RUN_ONCE);
        return !gave_up;
    }

private:
    void on_incoming(Listener& listener) override {
        int error = 0;
        auto tcp = listener.accept(error);
        ASSERT_TRUE(tcp) << uv_strerror(error);
        listener_.close();  // one client per test
        auto tls = wrap_in_tls(std::move(tcp), context_, &loop_, nullptr, budget_.get());
        ASSERT_TRUE(tls);
        on_stream(std::move(tls));
    }

    uv_loop_t loop_{};
    std::unique_ptr<MemoryBudget> budget_;
    std::shared_ptr<const TlsContext> context_;
    Listener listener_{"tls", *this};
    std::uint16_t port_ = 0;
};

// A StreamHandler made of lambdas; it owns the stream and drops it once closed.
class Handler final : public StreamHandler {
public:
    std::unique_ptr<Stream> stream;
    std::function<void(std::span<const std::uint8_t>)> data = [](auto) {};
    std::function<void(int)> ended = [this](int) { stream->close(); };
    std::function<void()> drained = [] {};
    std::function<void()> room = [] {};

    std::function<std::span<std::uint8_t>()> target = [] { return std::span<std::uint8_t>{}; };
    std::function<void(std::size_t)> filled = [](std::size_t) {};

    // Takes the server's stream and starts reading it.
    void adopt(std::unique_ptr<Stream> accepted) {
        stream = std::move(accepted);
        stream->set_handler(this);
        stream->read_start();
    }
    // For LoopServer::on_stream, when adopting is all the test does there.
    std::function<void(std::unique_ptr<Stream>)> adopting() {
        return [this](std::unique_ptr<Stream> accepted) { adopt(std::move(accepted)); };
    }

    void on_stream_data(std::span<const std::uint8_t> bytes) override { data(bytes); }
    std::span<std::uint8_t> read_target() override { return target(); }
    void on_stream_filled(std::size_t size) override { filled(size); }
    void on_stream_end(int status) override { ended(status); }
    void on_stream_drained() override { drained(); }
    void on_stream_room() override { room(); }
    void on_stream_closed() override { closed = true; }
    bool closed = false;
};

// Runs the server's loop while `client` runs in a thread, until the handler's stream has
// closed. If the safety net gives up first, closing the stream unblocks the client. False
// then.
bool serve_client(LoopServer& server, Handler& handler, const std::function<void()>& client) {
    std::thread client_thread{client};
    const bool finished = server.run_until(handler.closed);
    if (!finished) handler.stream->close();
    client_thread.join();
    server.run_until(handler.closed);
    return finished;
}

// The allowed client "phone", its handshake with `server` done; nullptr if it failed, with
// the client's reason in `error`.
std::unique_ptr<TlsClient> connect_phone(LoopServer& server, const TestCertificates& certs,
                                         std::string& error) {
    auto client = TlsClient::connect(server.port(), certs.client("phone"));
    if (client->handshake_ok()) return client;
    error = client->error();
    return nullptr;
}

// The client's side of a download: reads pattern() until `total` bytes (or the end), then
// whether the server ended the session with close_notify. `after_read`, if any, runs with the
// count so far after each read.
struct PatternDownload {
    std::size_t got = 0;
    bool intact = true;
    bool closed_cleanly = false;
};

PatternDownload read_pattern_download(TlsClient& client, std::size_t total,
                                      const std::function<void(std::size_t)>& after_read = {}) {
    PatternDownload result;
    while (result.got < total) {
        auto bytes = client.recv(256 * 1024);
        if (bytes.empty()) return result;
        for (auto byte : bytes) result.intact &= byte == pattern(result.got++);
        if (after_read) after_read(result.got);
    }
    result.closed_cleanly = client.closed_by_peer();
    return result;
}

class TlsStreamTest : public ::testing::Test {
protected:
    void SetUp() override {
        certs_ = &test_certificates();
        ASSERT_FALSE(certs_->dir.empty());
    }
    const TestCertificates* certs_ = nullptr;
};

TEST_F(TlsStreamTest, PausedBytesComeOutAfterReadStartWithoutNewSocketEvents) {
    LoopServer server{*certs_};
    constexpr std::size_t total = 200000;  // many records, most in one TCP read
    std::vector<std::uint8_t> received;
    bool paused = false;
    int pauses = 0;
    bool data_while_paused = false;
    UvHandle<uv_timer_t> resume;
    uv_timer_init(server.loop(), resume.get());
    resume.mark_initialized();

    Handler handler;
    std::function<void()> resume_reading = [&] {
        paused = false;
        handler.stream->read_start();
    };
    resume.get()->data = &resume_reading;
    handler.data = [&](std::span<const std::uint8_t> bytes) {
        data_while_paused |= paused;
        received.insert(received.end(), bytes.begin(), bytes.end());
        if (received.size() == total) {
            handler.stream->write({'o', 'k'});
            handler.stream->shutdown_write();
            return;
        }
        // Pause after every delivery; a timer resumes on a later loop turn. The client sent
        // everything at once and waits for "ok", so no socket event can help.
        paused = true;
        ++pauses;
        handler.stream->read_stop();
        uv_timer_start(
            resume.get(),
            [](uv_timer_t* timer) { (*static_cast<std::function<void()>*>(timer->data))(); }, 0, 0);
    };
    server.on_stream = handler.adopting();

    std::vector<std::uint8_t> reply;
    std::string client_error;
    EXPECT_TRUE(serve_client(server, handler, [&] {
        auto client = connect_phone(server, *certs_, client_error);
        if (!client) return;
        std::vector<std::uint8_t> bytes(total);
        for (std::size_t i = 0; i < total; ++i) bytes[i] = pattern(i);
        client->send(bytes);
        reply = client->recv_all();
    }));
    resume.close();
    handler.stream.reset();

    EXPECT_EQ(client_error, "");
    ASSERT_EQ(received.size(), total);
    for (std::size_t i = 0; i < total; ++i) ASSERT_EQ(received[i], pattern(i)) << i;
    EXPECT_GT(pauses, 1);
    EXPECT_FALSE(data_while_paused);
    EXPECT_EQ(reply, (std::vector<std::uint8_t>{'o', 'k'}));
}

TEST_F(TlsStreamTest, LargeDownloadWithBackpressureAndCloseNotify) {
    LoopServer server{*certs_};
    constexpr std::size_t total = 24 * 1024 * 1024;
    constexpr std::size_t chunk = 64 * 1024;
    constexpr std::size_t pause_above = 1024 * 1024;
    std::size_t produced = 0;
    std::size_t most_pending = 0;
    int drained_calls = 0;
    bool pending_zero_when_drained = true;

    Handler handler;
    auto produce = [&] {
        while (produced < total && handler.stream->pending_write_bytes() < pause_above) {
            std::vector<std::uint8_t> bytes(std::min(chunk, total - produced));
            for (auto& byte : bytes) byte = pattern(produced++);
            handler.stream->write(std::move(bytes));
            most_pending = std::max(most_pending, handler.stream->pending_write_bytes());
        }
        if (produced == total) handler.stream->shutdown_write();
    };
    handler.drained = [&] {
        ++drained_calls;
        pending_zero_when_drained &= handler.stream->pending_write_bytes() == 0;
        produce();
    };
    server.on_stream = [&](std::unique_ptr<Stream> stream) {
        handler.adopt(std::move(stream));
        produce();  // before the handshake is done: queued as plaintext
    };

    PatternDownload download;
    std::string client_error;
    EXPECT_TRUE(serve_client(server, handler, [&] {
        auto client = connect_phone(server, *certs_, client_error);
        if (!client) return;
        download = read_pattern_download(*client, total);
    }));
    handler.stream.reset();

    EXPECT_EQ(client_error, "");
    EXPECT_EQ(download.got, total);
    EXPECT_TRUE(download.intact);
    EXPECT_TRUE(download.closed_cleanly);
    EXPECT_GT(drained_calls, 1);
    EXPECT_TRUE(pending_zero_when_drained);
    // Producers stop at the threshold: what is queued stays near it, whatever the total.
    EXPECT_LT(most_pending, pause_above + chunk + 64 * 1024);
}

TEST_F(TlsStreamTest, NoMbedtlsSessionForAClientGoneBeforeItsClientHelloIsWhole) {
    LoopServer server{*certs_};
    Handler handler;
    bool session_at_start = true;
    bool session_at_end = true;
    int end_status = -1;
    handler.ended = [&](int status) {
        end_status = status;
        session_at_end = dynamic_cast<TlsStream*>(handler.stream.get())->has_session();
        handler.stream->close();
    };
    server.on_stream = [&](std::unique_ptr<Stream> stream) {
        session_at_start = dynamic_cast<TlsStream*>(stream.get())->has_session();
        handler.adopt(std::move(stream));
    };
    {
        // A record header that promises a ClientHello, and then the end: a port scanner.
        auto scanner = Client::connect(server.port());
        scanner.send(Bytes{0x16, 0x03, 0x01, 0x02, 0x00});
    }
    EXPECT_TRUE(server.run_until(handler.closed));
    handler.stream.reset();
    EXPECT_FALSE(session_at_start);
    EXPECT_FALSE(session_at_end);
    EXPECT_EQ(end_status, 0);  // an orderly end, as when mbedTLS reported it
}

TEST_F(TlsStreamTest, TheSessionIsSetUpOnceTheClientHelloIsWhole) {
    LoopServer server{*certs_};
    Handler handler;
    bool session_when_established = false;
    handler.data = [&](std::span<const std::uint8_t>) {
        session_when_established = dynamic_cast<TlsStream*>(handler.stream.get())->has_session();
        handler.stream->close();
    };
    server.on_stream = handler.adopting();
    EXPECT_TRUE(serve_client(server, handler, [&] {
        auto client = TlsClient::connect(server.port(), certs_->client("phone"));
        if (client->handshake_ok()) client->send({1});
        client->closed_by_peer();
    }));
    handler.stream.reset();
    EXPECT_TRUE(session_when_established);
}

TEST_F(TlsStreamTest, LongUploadKeepsReceivedCiphertextBounded) {
    LoopServer server{*certs_};
    constexpr std::size_t total = 32 * 1024 * 1024;
    std::size_t received = 0;
    std::size_t most_held = 0;
    Handler handler;
    handler.data = [&](std::span<const std::uint8_t> bytes) {
        received += bytes.size();
        auto* tls = dynamic_cast<TlsStream*>(handler.stream.get());
        most_held = std::max(most_held, tls->held_ciphertext_bytes());
        if (received == total) handler.stream->write({1});
    };
    server.on_stream = handler.adopting();
    EXPECT_TRUE(serve_client(server, handler, [&] {
        auto client = TlsClient::connect(server.port(), certs_->client("phone"));
        if (!client->handshake_ok()) return;
        // Odd-sized writes, so TCP reads end in the middle of records.
        std::vector<std::uint8_t> block(100003, 0x42);
        for (std::size_t sent = 0; sent < total; sent += block.size()) {
            block.resize(std::min(block.size(), total - sent));
            client->send(block);
        }
        client->recv(1);
    }));
    handler.stream.reset();

    EXPECT_EQ(received, total);
    // A partial record plus one TCP read (64 KiB) at most, whatever the total.
    EXPECT_LT(most_held, 128u * 1024);
}

TEST_F(TlsStreamTest, PlaintextIsReadIntoTheBufferTheHandlerLends) {
    // An upload lends the free tail of its chunk (read_target): the plaintext must land
    // there, in order, and only what comes while nothing is lent goes through on_stream_data.
    LoopServer server{*certs_};
    constexpr std::size_t total = 3 * 1024 * 1024 + 17;
    std::vector<std::uint8_t> received(total);
    std::size_t offset = 0;
    std::size_t lent_bytes = 0;
    std::size_t copied_bytes = 0;
    int turn = 0;
    std::span<std::uint8_t> last_lent;
    Handler handler;
    auto done = [&] {
        if (offset == total) handler.stream->write({1});
    };
    handler.target = [&] {
        // By turns: nothing, a few bytes (less than a record), then a lot (several records).
        const std::size_t sizes[] = {0, 1000, 100000};
        const std::size_t size = std::min(sizes[turn++ % 3], total - offset);
        last_lent = std::span{received}.subspan(offset, size);
        return last_lent;
    };
    handler.filled = [&](std::size_t size) {
        ASSERT_LE(size, last_lent.size());
        offset += size;
        lent_bytes += size;
        done();
    };
    handler.data = [&](std::span<const std::uint8_t> bytes) {
        ASSERT_LE(offset + bytes.size(), total);
        std::copy(bytes.begin(), bytes.end(), received.begin() + static_cast<long>(offset));
        offset += bytes.size();
        copied_bytes += bytes.size();
        done();
    };
    server.on_stream = handler.adopting();
    EXPECT_TRUE(serve_client(server, handler, [&] {
        auto client = TlsClient::connect(server.port(), certs_->client("phone"));
        if (!client->handshake_ok()) return;
        std::vector<std::uint8_t> bytes(total);
        for (std::size_t i = 0; i < total; ++i) bytes[i] = pattern(i);
        client->send(bytes);
        client->recv(1);
    }));
    handler.stream.reset();

    ASSERT_EQ(offset, total);
    for (std::size_t i = 0; i < total; ++i) ASSERT_EQ(received[i], pattern(i)) << i;
    // Most of it went straight into the lent buffers; the rest came while none was lent.
    EXPECT_GT(lent_bytes, total / 2);
    EXPECT_GT(copied_bytes, 0u);
}

// ---- records opened on the thread pool (RecordOffload) ------------------------------------

// An upload's handler: lends the free tail of one large buffer, and answers one byte once it
// holds `total`. `pause_every` > 0: stops reading after that many bytes each time, and a
// timer resumes it on a later loop turn, when no socket event is coming.
struct LendingUpload {
    LendingUpload(LoopServer& server, std::size_t total, std::size_t pause_every = 0)
        : received(total), pause_every(pause_every) {
        uv_timer_init(server.loop(), resume.get());
        resume.mark_initialized();
        resume.get()->data = this;
        handler.target = [this] { return std::span{received}.subspan(offset); };
        handler.filled = [this](std::size_t size) { took(size); };
        handler.data = [this](std::span<const std::uint8_t> bytes) {
            std::copy(bytes.begin(), bytes.end(), received.begin() + static_cast<long>(offset));
            took(bytes.size());
        };
        server.on_stream = handler.adopting();
    }
    ~LendingUpload() { resume.close(); }

    void took(std::size_t size) {
        data_while_paused |= paused;
        offset += size;
        auto* tls = dynamic_cast<TlsStream*>(handler.stream.get());
        most_held = std::max(most_held, tls->held_ciphertext_bytes());
        offloaded = tls->offloaded_bytes();
        if (offset == received.size()) {
            handler.stream->write({1});
            return;
        }
        if (pause_every == 0 || offset < next_pause) return;
        next_pause = offset + pause_every;
        ++pauses;
        paused = true;
        handler.stream->read_stop();
        uv_timer_start(
            resume.get(),
            [](uv_timer_t* timer) {
                auto* self = static_cast<LendingUpload*>(timer->data);
                self->paused = false;
                self->handler.stream->read_start();
            },
            0, 0);
    }

    // The client: sends `received.size()` bytes of pattern() in odd-sized writes, so that TCP
    // reads end in the middle of records, then waits for the answer.
    std::function<void()> client(LoopServer& server, const TestCertificates& certs) {
        return [this, &server, &certs] {
            auto client = TlsClient::connect(server.port(), certs.client("phone"));
            if (!client->handshake_ok()) return;
            const std::size_t total = received.size();
            std::vector<std::uint8_t> block;
            for (std::size_t sent = 0; sent < total;) {
                block.resize(std::min<std::size_t>(100003, total - sent));
                for (std::size_t i = 0; i < block.size(); ++i) block[i] = pattern(sent + i);
                if (!client->send(block)) return;
                sent += block.size();
            }
            answer = client->recv(1);
        };
    }

    bool intact() const {
        for (std::size_t i = 0; i < received.size(); ++i) {
            if (received[i] != pattern(i)) return false;
        }
        return true;
    }

    Handler handler;
    std::vector<std::uint8_t> received;
    std::size_t offset = 0;
    std::size_t pause_every;
    std::size_t next_pause = 0;
    int pauses = 0;
    bool paused = false;
    bool data_while_paused = false;
    std::size_t most_held = 0;
    std::uint64_t offloaded = 0;
    std::vector<std::uint8_t> answer;
    UvHandle<uv_timer_t> resume;
};

TEST_F(TlsStreamTest, AnUploadsRecordsAreOpenedOnThePoolWhenTheBudgetHasRoom) {
    if (!RecordOffload::supported()) GTEST_SKIP() << "this mbedTLS has no MBEDTLS_THREADING_C";
    LoopServer server{*certs_, 64 << 20};
    MemoryBudget& budget = server.budget();
    constexpr std::size_t total = 24 * 1024 * 1024 + 5;
    LendingUpload upload{server, total};
    std::size_t charged = 0;
    upload.handler.filled = [&](std::size_t size) {
        charged = std::max(charged, budget.used());
        upload.took(size);
    };
    EXPECT_TRUE(serve_client(server, upload.handler, upload.client(server, *certs_)));
    upload.handler.stream.reset();

    ASSERT_EQ(upload.offset, total);
    EXPECT_TRUE(upload.intact());
    // The answer was sealed after the pool's last job, whenever that ended.
    EXPECT_EQ(upload.answer, (std::vector<std::uint8_t>{1}));
    // Nearly all of it was opened on the pool: the loop opened at most what came before the
    // first buffer was lent.
    EXPECT_GT(upload.offloaded, total - 64 * 1024);
    // Charged while it ran, given back with the stream; held ciphertext stayed bounded.
    EXPECT_EQ(charged, RecordOffload::memory);
    EXPECT_EQ(budget.used(), 0u);
    EXPECT_LE(upload.most_held, RecordOffload::memory);
}

TEST_F(TlsStreamTest, APausedUploadGetsTheRestOfThePoolsBlocksInOrderOnReadStart) {
    if (!RecordOffload::supported()) GTEST_SKIP() << "this mbedTLS has no MBEDTLS_THREADING_C";
    LoopServer server{*certs_, 64 << 20};
    constexpr std::size_t total = 6 * 1024 * 1024 + 3;
    // Pauses in the middle of blocks and of pieces: the rest must come out after read_start
    // with no new socket event, and nothing while paused.
    LendingUpload upload{server, total, 100001};
    EXPECT_TRUE(serve_client(server, upload.handler, upload.client(server, *certs_)));
    upload.handler.stream.reset();

    ASSERT_EQ(upload.offset, total);
    EXPECT_TRUE(upload.intact());
    EXPECT_GT(upload.pauses, 10);
    EXPECT_FALSE(upload.data_while_paused);
    EXPECT_GT(upload.offloaded, 0u);
    EXPECT_EQ(upload.answer, (std::vector<std::uint8_t>{1}));
}

TEST_F(TlsStreamTest, WithoutRoomInTheBudgetTheLoopOpensTheRecords) {
    // Free work share below RecordOffload::memory times its divisor.
    LoopServer server{*certs_, RecordOffload::memory * RecordOffload::share_divisor / 2};
    MemoryBudget& budget = server.budget();
    constexpr std::size_t total = 4 * 1024 * 1024;
    LendingUpload upload{server, total};
    EXPECT_TRUE(serve_client(server, upload.handler, upload.client(server, *certs_)));
    upload.handler.stream.reset();

    ASSERT_EQ(upload.offset, total);
    EXPECT_TRUE(upload.intact());
    EXPECT_EQ(upload.offloaded, 0u);
    EXPECT_EQ(budget.used(), 0u);
}

TEST_F(TlsStreamTest, ClosingWhileThePoolOpensRecordsLosesNothingButTheConnection) {
    if (!RecordOffload::supported()) GTEST_SKIP() << "this mbedTLS has no MBEDTLS_THREADING_C";
    LoopServer server{*certs_, 64 << 20};
    MemoryBudget& budget = server.budget();
    constexpr std::size_t total = 64 * 1024 * 1024;
    LendingUpload upload{server, total};
    // Closes as soon as the pool has opened something, while the client still sends and a
    // worker most likely runs: the worker finishes on its own, its report is dropped, and the
    // charge goes with the stream.
    bool closed = false;
    upload.handler.filled = [&](std::size_t size) {
        upload.took(size);
        if (upload.offloaded > 0 && !closed) {
            closed = true;
            upload.handler.stream->close();
        }
    };
    EXPECT_TRUE(serve_client(server, upload.handler, upload.client(server, *certs_)));
    upload.handler.stream.reset();

    EXPECT_GT(upload.offloaded, 0u);
    EXPECT_LT(upload.offset, total);
    EXPECT_TRUE(upload.answer.empty());
    EXPECT_EQ(budget.used(), 0u);
}

}  // namespace
}  // namespace clipshare::test

namespace clipshare::test {
namespace {

// ---- records sealed on the thread pool (SealOffload) --------------------------------------

// A download written as a file sender does: 128 KiB chunks while pending_write_bytes() stays
// under the window plus the stream's write_ahead(), with a small message between chunks (an
// entry's header), then the end. The client answers three bytes halfway: they must reach the
// handler although the socket is not read while the pool seals.
TEST_F(TlsStreamTest, ADownloadsRecordsAreSealedOnThePoolInOrder) {
    if (!SealOffload::supported()) GTEST_SKIP() << "this mbedTLS has no MBEDTLS_THREADING_C";
    LoopServer server{*certs_, 64 * 1024 * 1024};
    constexpr std::size_t total = 24 * 1024 * 1024;
    constexpr std::size_t chunk = 128 * 1024;
    constexpr std::size_t small = 37;
    std::size_t produced = 0;
    std::size_t most_pending = 0;
    std::size_t most_ahead = 0;
    std::uint64_t sealed_on_pool = 0;
    std::vector<std::uint8_t> answer;

    Handler handler;
    auto produce = [&] {
        auto* tls = dynamic_cast<TlsStream*>(handler.stream.get());
        while (produced < total) {
            most_ahead = std::max(most_ahead, tls->write_ahead());
            if (tls->pending_write_bytes() > chunk + tls->write_ahead()) return;
            const std::size_t size =
                std::min(produced % (3 * chunk) == 0 ? small : chunk, total - produced);
            std::vector<std::uint8_t> bytes(size);
            for (auto& byte : bytes) byte = pattern(produced++);
            tls->write(std::move(bytes));
            most_pending = std::max(most_pending, tls->pending_write_bytes());
        }
        sealed_on_pool = tls->sealed_offloaded_bytes();
        tls->shutdown_write();
    };
    handler.drained = produce;
    handler.room = produce;
    handler.data = [&](std::span<const std::uint8_t> bytes) {
        answer.insert(answer.end(), bytes.begin(), bytes.end());
    };
    server.on_stream = [&](std::unique_ptr<Stream> stream) {
        handler.adopt(std::move(stream));
        produce();  // before the handshake is done: queued as plaintext, sealed on the loop
    };

    PatternDownload download;
    std::string client_error;
    EXPECT_TRUE(serve_client(server, handler, [&] {
        auto client = connect_phone(server, *certs_, client_error);
        if (!client) return;
        bool answered = false;
        download = read_pattern_download(*client, total, [&](std::size_t got) {
            if (!answered && got >= total / 2) answered = client->send({7, 8, 9});
        });
    }));
    handler.stream.reset();

    EXPECT_EQ(client_error, "");
    EXPECT_EQ(download.got, total);
    EXPECT_TRUE(download.intact);
    EXPECT_TRUE(download.closed_cleanly);  // close_notify after everything the pool sealed
    EXPECT_EQ(answer, (std::vector<std::uint8_t>{7, 8, 9}));
    // The pool sealed nearly all of it. Whether room or a full drain brought the producer
    // back depends on who was faster, the pool or the client (the next test makes sure).
    EXPECT_GT(sealed_on_pool, total / 2);
    EXPECT_EQ(most_ahead, SealOffload::write_ahead);
    EXPECT_LT(most_pending, chunk + SealOffload::write_ahead + chunk + 64 * 1024);
}

// Room for the producer once the socket has taken what it was given while the pool still
// has plaintext to seal: the producer need not wait for a full drain. The pool is held busy,
// so the sealing job waits and the drain of the record sealed before it comes first.
TEST_F(TlsStreamTest, TheProducerHearsOfRoomWhileThePoolStillHasPlaintext) {
    if (!SealOffload::supported()) GTEST_SKIP() << "this mbedTLS has no MBEDTLS_THREADING_C";
    LoopServer server{*certs_, 64 * 1024 * 1024};
    constexpr std::size_t small = 37;
    constexpr std::size_t chunk = 128 * 1024;
    constexpr std::size_t total = small + 3 * chunk;
    Handler handler;
    std::unique_ptr<BusyPool> busy;
    int room_calls = 0;
    bool drained_before_room = false;
    std::size_t pending_at_room = 0;
    std::uint64_t sealed_on_pool_at_room = 0;
    std::uint64_t sealed_on_pool = 0;

    handler.data = [&](std::span<const std::uint8_t>) {
        if (busy) return;
        busy = std::make_unique<BusyPool>(server.loop());
        EXPECT_TRUE(busy->ok());
        std::size_t produced = 0;
        auto next = [&](std::size_t size) {
            std::vector<std::uint8_t> bytes(size);
            for (auto& byte : bytes) byte = pattern(produced++);
            handler.stream->write(std::move(bytes));
        };
        next(small);  // sealed on the loop and handed to the socket at once
        for (int i = 0; i < 3; ++i) next(chunk);  // for the pool, which is busy
    };
    handler.room = [&] {
        auto* tls = dynamic_cast<TlsStream*>(handler.stream.get());
        if (room_calls++ == 0) {
            pending_at_room = tls->pending_write_bytes();
            sealed_on_pool_at_room = tls->sealed_offloaded_bytes();
            busy->release();
        }
    };
    handler.drained = [&] {
        auto* tls = dynamic_cast<TlsStream*>(handler.stream.get());
        drained_before_room |= room_calls == 0;
        sealed_on_pool = tls->sealed_offloaded_bytes();
        tls->shutdown_write();
    };
    server.on_stream = handler.adopting();

    PatternDownload download;
    EXPECT_TRUE(serve_client(server, handler, [&] {
        auto client = TlsClient::connect(server.port(), certs_->client("phone"));
        if (!client->handshake_ok() || !client->send({1})) return;
        download = read_pattern_download(*client, total);
    }));
    handler.stream.reset();

    EXPECT_GE(room_calls, 1);
    EXPECT_FALSE(drained_before_room);
    EXPECT_EQ(pending_at_room, 3 * chunk);  // nothing of the chunks sealed yet
    EXPECT_EQ(sealed_on_pool_at_room, 0u);
    EXPECT_EQ(sealed_on_pool, 3 * chunk);
    EXPECT_EQ(download.got, total);
    EXPECT_TRUE(download.intact);
    EXPECT_TRUE(download.closed_cleanly);
}

// A 1 MiB reply written while the client's request is delivered, as a session answers, then
// the end; with `offload_budget` 0 the stream has no budget to offload with.
struct RequestReply {
    PatternDownload download;
    std::uint64_t sealed_on_pool = 0;
    std::size_t ahead = 0;
};

RequestReply reply_to_a_request(const TestCertificates& certs, std::size_t offload_budget) {
    constexpr std::size_t size = 1024 * 1024;
    LoopServer server{certs, offload_budget};
    Handler handler;
    RequestReply result;
    handler.data = [&](std::span<const std::uint8_t>) {
        std::vector<std::uint8_t> reply(size);
        for (std::size_t i = 0; i < size; ++i) reply[i] = pattern(i);
        handler.stream->write(std::move(reply));
        handler.stream->shutdown_write();
    };
    handler.drained = [&] {
        auto* tls = dynamic_cast<TlsStream*>(handler.stream.get());
        result.sealed_on_pool = tls->sealed_offloaded_bytes();
        result.ahead = std::max(result.ahead, tls->write_ahead());
    };
    server.on_stream = handler.adopting();
    EXPECT_TRUE(serve_client(server, handler, [&] {
        auto client = TlsClient::connect(server.port(), certs.client("phone"));
        if (!client->handshake_ok() || !client->send({1})) return;
        result.download = read_pattern_download(*client, size);
    }));
    handler.stream.reset();
    return result;
}

TEST_F(TlsStreamTest, AReplyWrittenDuringADeliveryIsSealedOnThePoolAfterIt) {
    if (!SealOffload::supported()) GTEST_SKIP() << "this mbedTLS has no MBEDTLS_THREADING_C";
    const auto result = reply_to_a_request(*certs_, 64 * 1024 * 1024);
    EXPECT_EQ(result.download.got, 1024u * 1024u);
    EXPECT_TRUE(result.download.intact);
    EXPECT_TRUE(result.download.closed_cleanly);
    EXPECT_EQ(result.sealed_on_pool, 1024u * 1024u);
    EXPECT_EQ(result.ahead, SealOffload::write_ahead);
}

TEST_F(TlsStreamTest, WithoutAnOffloadBudgetTheLoopSealsTheRecords) {
    const auto result = reply_to_a_request(*certs_, 0);
    EXPECT_EQ(result.download.got, 1024u * 1024u);
    EXPECT_TRUE(result.download.intact);
    EXPECT_TRUE(result.download.closed_cleanly);
    EXPECT_EQ(result.sealed_on_pool, 0u);
    EXPECT_EQ(result.ahead, 0u);
}

}  // namespace
}  // namespace clipshare::test
