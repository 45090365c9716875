#include "net/tls_stream.hpp"

#include <array>
#include <new>
#include <string_view>

#include "net/record_offload.hpp"
#include "net/seal_offload.hpp"
#include "net/tls.hpp"
#include "net/tls_client_hello.hpp"
#include "net/tls_context.hpp"
#include "net/tls_engine.hpp"
#include "net/tls_reasons.hpp"
#include "util/log.hpp"

namespace clipshare {
namespace {

// No new record is sealed while this much ciphertext waits for the socket.
constexpr std::size_t ciphertext_high_water = 256 * 1024;

// A client in line for a handshake slot has sent its ClientHello and now waits for our reply;
// it has nothing more to say. What it sends anyway is kept for the engine, up to two records.
constexpr std::size_t hello_hold_limit = 2 * (5 + 16384);

// One plaintext buffer for every session, as TcpStream shares its read buffer: the user
// consumes or copies delivered bytes before returning, and delivery never nests (it runs only
// from libuv callbacks, never from a call the user makes).
std::array<std::uint8_t, 16 * 1024> plaintext_buffer;

// Offloaded plaintext goes to the handler in pieces of a record's size, as it would have come
// from the loop's own reads, so that a handler that pauses holds no more than it would then.
constexpr std::size_t offloaded_piece = 16 * 1024;

}  // namespace

std::unique_ptr<Stream> wrap_in_tls(std::unique_ptr<Stream> inner,
                                    std::shared_ptr<const TlsContext> context, uv_loop_t* loop,
                                    HandshakeSlots* slots, MemoryBudget* offload_budget) {
    return TlsStream::create(std::move(inner), std::move(context), loop, slots, offload_budget);
}

std::unique_ptr<TlsStream> TlsStream::create(std::unique_ptr<Stream> inner,
                                             std::shared_ptr<const TlsContext> context,
                                             uv_loop_t* loop, HandshakeSlots* slots,
                                             MemoryBudget* offload_budget) {
    std::unique_ptr<TlsStream> stream{
        new TlsStream(std::move(inner), std::move(context), slots, offload_budget)};
    if (!stream->init(loop)) return nullptr;
    return stream;
}

TlsStream::TlsStream(std::unique_ptr<Stream> inner, std::shared_ptr<const TlsContext> context,
                     HandshakeSlots* slots, MemoryBudget* offload_budget)
    : inner_(std::move(inner)),
      context_(std::move(context)),
      slots_(slots),
      offload_budget_(offload_budget),
      may_seal_off_loop_(offload_budget != nullptr && SealOffload::supported()),
      peer_(inner_->peer()) {
    inner_->set_handler(this);
}

TlsStream::~TlsStream() {
    leave_slots();
}

void TlsStream::leave_slots() {
    in_line_ = false;
    if (slots_ && admitted()) slots_->leave(*this);
}

std::size_t TlsStream::held_ciphertext_bytes() const {
    return hello_.size() + (engine_ && engine_free() ? engine_->held_input_bytes() : 0) +
           (offload_ ? offload_->held_bytes() : 0);
}

std::uint64_t TlsStream::offloaded_bytes() const {
    return offload_ ? offload_->opened_bytes() : 0;
}

std::uint64_t TlsStream::sealed_offloaded_bytes() const {
    return sealing_ ? sealing_->sealed_bytes() : 0;
}

bool TlsStream::engine_free() const {
    return (!offload_ || !offload_->busy()) && (!sealing_ || !sealing_->busy());
}

bool TlsStream::set_up_session() {
    const auto offer = read_client_hello_offer(hello_);
    const TlsContext* context = context_.get();
    const auto configs = context->session_configs(offer);
    TlsEngine::ServerSide side{[context](std::string_view name) { return context->allows(name); },
                               context->tls13_verdict_deferred(), configs.fallback};
    int error = 0;
    engine_ = TlsEngine::create(configs.config, std::move(side), error);
    if (!engine_) return false;
    engine_->feed(hello_);
    std::vector<std::uint8_t>{}.swap(hello_);
    return true;
}

bool TlsStream::init(uv_loop_t* loop) {
    loop_ = loop;
    if (uv_timer_init(loop, handshake_timer_.get()) != 0) return false;
    handshake_timer_.mark_initialized();
    handshake_timer_.get()->data = this;
    // Runs from the accept until the ClientHello is whole; once the handshake has its slot,
    // the whole timeout again (start_deadline). The wait in line between the two is the
    // connection's idle timeout's to bound.
    start_deadline();

    // The client's handshake flight often comes one message per write; see set_quick_ack.
    inner_->set_quick_ack(true);

    if (uv_idle_init(loop, resume_.get()) != 0) return false;
    resume_.mark_initialized();
    resume_.get()->data = this;
    return true;
}

void TlsStream::start_deadline() {
    uv_timer_start(
        handshake_timer_.get(),
        [](uv_timer_t* timer) {
            auto* self = static_cast<TlsStream*>(timer->data);
            if (self == nullptr || self->closing_) return;
            const auto seconds =
                static_cast<unsigned long long>(self->context_->handshake_timeout_ms() / 1000);
            if (self->phase_ == Phase::handshake) {
                LOG_INFO("%s: TLS handshake not finished after %llu s, closing",
                         self->peer_.c_str(), seconds);
                self->phase_ = Phase::failed;
                self->end(UV_ETIMEDOUT);
            } else if (self->phase_ == Phase::failed) {
                self->end(self->failure_status_);  // its alert never drained: stop waiting
            }
        },
        context_->handshake_timeout_ms(), 0);
}

// ---- the user's side ----------------------------------------------------------------------

void TlsStream::read_start() {
    if (closing_ || reading_) return;
    reading_ = true;
    started_ = true;
    // What an offloading stream holds is looked at by advance() (the engine may be busy).
    if (phase_ == Phase::established && resume_.open() && (offload_ || engine_->input_pending())) {
        uv_idle_start(resume_.get(), [](uv_idle_t* idle) {
            uv_idle_stop(idle);
            auto* self = static_cast<TlsStream*>(idle->data);
            if (self != nullptr) self->advance();
        });
    }
    update_inner_reading();
}

void TlsStream::read_stop() {
    if (!reading_) return;
    reading_ = false;
    update_inner_reading();
}

void TlsStream::write(std::vector<std::uint8_t> bytes) {
    if (closing_ || bytes.empty() || phase_ == Phase::failed || close_notify_sent_) return;
    user_wrote_ = true;
    if (phase_ == Phase::established && !sealing_ && may_seal_off_loop_ && plaintext_.empty() &&
        bytes.size() >= SealOffload::bulk_write && engine_free()) {
        // A bulk reply begins: its records are sealed on the pool from now on (asked once
        // per connection). Nothing written before is left unsealed: the queue is empty.
        may_seal_off_loop_ = false;
        sealing_ = SealOffload::create(loop_, [this] { on_seal_progress(); });
        if (sealing_) {
            LOG_DEBUG("%s: TLS records are sealed on the thread pool from now on", peer_.c_str());
        }
    }
    if (sealing_) {
        // Every write from now on, small ones too, so that they stay in order.
        sealing_->queue(std::move(bytes));
        start_seal_job();
        return;
    }
    plaintext_bytes_ += bytes.size();
    plaintext_.push_back(std::move(bytes));
    if (phase_ != Phase::established) return;  // sealed once the handshake is done
    seal_plaintext();
    flush_ciphertext();
}

std::size_t TlsStream::write_ahead() const {
    return sealing_ ? SealOffload::write_ahead : 0;
}

// Not inside a delivery or a read's loan: the engine is in use further up the stack then,
// and advance() or on_stream_data starts the job once it is not.
void TlsStream::start_seal_job() {
    if (closing_ || phase_ != Phase::established || !engine_free() || lending_ || delivering_) {
        return;
    }
    flush_ciphertext();  // what the loop sealed before goes first
    sealing_->start(engine_, context_);
    update_inner_reading();  // the engine cannot open records meanwhile
}

void TlsStream::on_seal_progress() {
    if (closing_) return;
    // What was sealed goes to the socket; room for the producer comes once the socket has
    // taken it (on_stream_drained), not here.
    for (auto& wire : sealing_->collect()) {
        if (closing_ || phase_ != Phase::established) return;
        inner_->write(std::move(wire));
    }
    if (closing_ || sealing_->busy()) return;
    if (sealing_->failed()) {
        if (engine_->failed()) {
            fail_with_engine_reason();
        } else {
            LOG_WARN("%s: out of memory sealing TLS records, closing", peer_.c_str());
            fail(UV_ENOMEM);
        }
        return;
    }
    start_seal_job();  // what was written since the worker took its last piece
    if (sealing_->busy()) return;
    // The engine is the loop's again: what waited for it.
    if (!hello_.empty()) {
        engine_->feed(hello_);
        std::vector<std::uint8_t>{}.swap(hello_);
    }
    if (inner_ended_ && !end_fed_ && !offload_) {
        engine_->feed_end();
        end_fed_ = true;
    }
    advance();
    if (!closing_) notify_drained_if_empty();
}

// From on_stream_drained while the pool still has plaintext: room for a producer is bytes
// that reached the kernel, so a client that reads nothing makes none (the connection's idle
// timeout counts it as progress). Not if advance() has queued more for the socket since.
void TlsStream::notify_room() {
    if (user_wrote_ && handler_ && !closing_ && inner_->pending_write_bytes() == 0) {
        handler_->on_stream_room();
    }
}

std::size_t TlsStream::pending_write_bytes() const {
    // A busy engine's output is counted once the job is over (it holds an alert at most).
    return plaintext_bytes_ + (engine_ && engine_free() ? engine_->output_bytes() : 0) +
           (sealing_ ? sealing_->pending_bytes() : 0) + inner_->pending_write_bytes();
}

void TlsStream::shutdown_write() {
    if (closing_ || shutdown_requested_) return;
    shutdown_requested_ = true;
    send_close_notify_if_due();
}

void TlsStream::close() {
    if (closing_) return;
    closing_ = true;
    reading_ = false;
    leave_slots();
    handshake_timer_.close();
    resume_.close();
    inner_->close();  // its on_stream_closed is ours to pass on
}

// ---- the inner stream's side --------------------------------------------------------------

void TlsStream::on_stream_data(std::span<const std::uint8_t> data) {
    if (closing_ || phase_ == Phase::failed) return;
    if (!received_any_ && !data.empty()) {
        received_any_ = true;
        // Every TLS session starts with a handshake record (type 22). A plain ClipShare
        // client starts with its version byte and would otherwise wait out the handshake
        // timeout for bytes that never come: tell it at once.
        constexpr std::uint8_t handshake_record = 22;
        if (data.front() != handshake_record) {
            LOG_INFO("%s: not TLS (first byte %u): a plain ClipShare client on the TLS port?",
                     peer_.c_str(), static_cast<unsigned>(data.front()));
            fail(UV_EPROTO);
            return;
        }
    }
    if (offload_) {
        offload_->queue_ciphertext(data);  // for the worker
        advance();
        return;
    }
    if (sealing_ && sealing_->busy()) {
        // The socket's reading stops while the pool seals; bytes already on their way wait
        // for the engine here (one read at most).
        hello_.insert(hello_.end(), data.begin(), data.end());
        update_inner_reading();
        return;
    }
    if (engine_) {
        // Read in place: only what the engine leaves (a paused reader's bytes, or a
        // handshake step waiting for its slot's turn) is copied.
        auto lent = engine_->lend(data);
        fed_since_step_ = true;
        lending_ = true;
        advance();
        lending_ = false;
        lent.keep_rest();
        // Delivery may have begun to offload: its first job takes what the loan left.
        if (offload_) advance();
        // A reply written during the delivery waits for the loan's end to be sealed.
        if (sealing_) start_seal_job();
        return;
    }
    if (in_line_ && hello_.size() + data.size() > hello_hold_limit) {
        LOG_INFO("%s: sent %zu bytes after its ClientHello without an answer, closing",
                 peer_.c_str(), hello_.size() + data.size());
        fail(UV_EPROTO);
        return;
    }
    hello_.insert(hello_.end(), data.begin(), data.end());
    // In line: kept for the engine. (Still read, so that a client that gives up while in
    // line is seen to go.)
    if (in_line_) return;
    const auto offer = read_client_hello_offer(hello_);
    if (offer.status == ClientHelloOffer::Status::incomplete) return;  // more is coming
    if (slots_) {
        // The expensive part begins with the reply to this: wait for a slot. The client is
        // not to blame for the wait, however long a burst makes it: it holds no deadline
        // of ours (the connection's idle timeout still runs), and a client that gives up
        // is seen to go, as it is still read.
        uv_timer_stop(handshake_timer_.get());
        in_line_ = true;
        slots_->join(*this);
        return;
    }
    if (!set_up_session()) {
        LOG_WARN("%s: refused: cannot set up a TLS session", peer_.c_str());
        fail(UV_ENOMEM);
        return;
    }
    advance();
}

void TlsStream::on_stream_end(int status) {
    inner_ended_ = true;
    if (closing_) return;
    if (status < 0) {
        end(phase_ == Phase::failed ? failure_status_ : status);
        return;
    }
    if (phase_ == Phase::failed) {
        finish_failure_if_flushed();  // a refused client that has read its alert and gone
        return;
    }
    if (!engine_) {
        // Gone before its ClientHello was whole: no mbedTLS session is set up just to hear
        // that (port scanners cost nothing).
        LOG_INFO("%s: %s", peer_.c_str(), tls_reasons::client_closed_handshake);
        fail(0);
        return;
    }
    // Offloading: the end goes to the engine after the ciphertext queued before it.
    if (offload_) {
        advance();
        return;
    }
    if (!engine_free()) return;  // told once the pool's sealing is over (on_seal_progress)
    // An orderly end: the engine sees it once it has consumed what is still queued, which
    // may be a handshake message or data the user paused on.
    engine_->feed_end();
    end_fed_ = true;
    fed_since_step_ = true;
    advance();
}

void TlsStream::on_stream_drained() {
    if (closing_) return;
    if (phase_ == Phase::failed) {
        finish_failure_if_flushed();
        return;
    }
    advance();
    if (closing_) return;
    if (sealing_ && sealing_->pending_bytes() != 0) {
        notify_room();
    } else {
        notify_drained_if_empty();
    }
}

void TlsStream::on_stream_closed() {
    if (handler_) handler_->on_stream_closed();
}

// ---- the handshake slots' side ------------------------------------------------------------

void TlsStream::on_handshake_turn() {
    if (closing_ || phase_ != Phase::handshake) {
        leave_slots();
        return;
    }
    my_turn_ = true;
    if (!engine_) {
        in_line_ = false;
        // The handshake starts now, and so does its deadline: time spent in line is not the
        // client's.
        start_deadline();
        if (!set_up_session()) {
            LOG_WARN("%s: refused: cannot set up a TLS session", peer_.c_str());
            my_turn_ = false;
            fail(UV_ENOMEM);
            return;
        }
        fed_since_step_ = true;
    }
    advance();
    my_turn_ = false;
}

void TlsStream::on_handshake_evicted(std::uint64_t waited_ms) {
    if (closing_ || phase_ != Phase::handshake) return;
    LOG_INFO(
        "%s: TLS handshake stalled: no answer from the client for %llu ms while others wait "
        "for a handshake slot, closing",
        peer_.c_str(), static_cast<unsigned long long>(waited_ms));
    phase_ = Phase::failed;
    end(UV_ETIMEDOUT);
}

// ---- driving the engine -------------------------------------------------------------------

void TlsStream::advance() {
    if (closing_ || phase_ == Phase::failed) return;
    if (phase_ == Phase::handshake) continue_handshake();
    if (phase_ == Phase::established) {
        seal_plaintext();
        send_close_notify_if_due();
        deliver_plaintext();
        if (sealing_ && !closing_) start_seal_job();
    }
    if (closing_) return;
    flush_ciphertext();
    update_inner_reading();
}

void TlsStream::continue_handshake() {
    if (!engine_) return;
    if (slots_ && !my_turn_) {
        // Steps run on the slots' turns, one per loop turn, so that other clients are served
        // between them.
        if (fed_since_step_) slots_->step_due(*this);
        return;
    }
    fed_since_step_ = false;
    switch (engine_->handshake()) {
        case TlsEngine::Progress::want_more:
            return;
        case TlsEngine::Progress::failed:
            fail_with_engine_reason();
            return;
        case TlsEngine::Progress::done:
            on_handshake_done();
            return;
    }
}

void TlsStream::on_handshake_done() {
    leave_slots();
    uv_timer_stop(handshake_timer_.get());
    inner_->set_quick_ack(false);
    phase_ = Phase::established;
    peer_ += " CN=" + tls_reasons::loggable(engine_->peer_name().value_or(""));
    LOG_INFO("%s: TLS established (%s, %s)", peer_.c_str(), engine_->version().c_str(),
             engine_->ciphersuite().c_str());
    if (engine_->resumed()) {
        LOG_DEBUG("%s: TLS session resumed%s", peer_.c_str(),
                  engine_->resumed_without_ecdhe() ? " without ECDHE (psk_ke)" : "");
    }
    if (handler_) handler_->on_stream_established();
}

void TlsStream::fail_with_engine_reason() {
    const TlsFailure& failure = engine_->failure();
    switch (failure.kind) {
        case TlsFailure::Kind::refused:
            LOG_WARN("%s: %s", peer_.c_str(), failure.reason.c_str());
            fail(UV_EACCES);
            return;
        case TlsFailure::Kind::peer_closed:
            // Port scanners and clients that give up: not worth a warning.
            LOG_INFO("%s: %s", peer_.c_str(), failure.reason.c_str());
            fail(0);
            return;
        case TlsFailure::Kind::error:
            LOG_INFO("%s: %s", peer_.c_str(), failure.reason.c_str());
            fail(UV_EPROTO);
            return;
    }
}

void TlsStream::seal_plaintext() {
    if (!engine_free()) return;  // sealed once the worker is over (on_offload_progress)
    while (!plaintext_.empty() && !closing_ && phase_ == Phase::established) {
        const std::size_t queued = inner_->pending_write_bytes();
        if (engine_->output_bytes() + queued >= ciphertext_high_water) return;
        const std::vector<std::uint8_t>& front = plaintext_.front();
        // The front buffer and the offset stay put until bytes are accepted, so a retry
        // repeats the same pointer and length, as mbedTLS requires.
        auto taken = engine_->write(std::span{front}.subspan(plaintext_offset_),
                                    ciphertext_high_water - queued);
        if (!taken) {
            fail_with_engine_reason();
            return;
        }
        if (*taken == 0) return;
        plaintext_offset_ += *taken;
        plaintext_bytes_ -= *taken;
        if (plaintext_offset_ == front.size()) {
            plaintext_.pop_front();
            plaintext_offset_ = 0;
        }
    }
}

void TlsStream::send_close_notify_if_due() {
    if (!shutdown_requested_ || close_notify_sent_ || closing_ || phase_ != Phase::established ||
        !plaintext_.empty() || !engine_free() || (sealing_ && sealing_->pending_bytes() != 0)) {
        return;
    }
    close_notify_sent_ = true;
    engine_->close_notify();
    flush_ciphertext();
    if (!closing_) inner_->shutdown_write();
}

void TlsStream::deliver_plaintext() {
    if (offload_) {
        deliver_offloaded();
        return;
    }
    if (delivering_ || !engine_free()) return;
    delivering_ = true;
    while (reading_ && !closing_ && !ended_ && phase_ == Phase::established) {
        // mbedTLS copies each record's plaintext out of its input buffer anyway: into the
        // buffer the handler lends (an upload's chunk) when it lends one, so the handler need
        // not copy it again.
        const std::span<std::uint8_t> lent = lent_read_target(handler_);
        if (!lent.empty() && offload_budget_ != nullptr) {
            // A bulk upload begins: its records are opened on the pool from now on, if the
            // budget has room (asked once per connection).
            offload_ = RecordOffload::create(loop_, *std::exchange(offload_budget_, nullptr),
                                             [this] { on_offload_progress(); });
            if (offload_) {
                LOG_DEBUG("%s: TLS records are opened on the thread pool from now on",
                          peer_.c_str());
                delivering_ = false;
                deliver_offloaded();
                return;
            }
        }
        const auto result = engine_->read(lent.empty() ? plaintext_buffer : lent);
        if (result.kind == TlsEngine::ReadResult::Kind::data) {
            if (!handler_) continue;
            if (lent.empty()) {
                handler_->on_stream_data({plaintext_buffer.data(), result.bytes});
            } else {
                handler_->on_stream_filled(result.bytes);
            }
            continue;
        }
        if (result.kind == TlsEngine::ReadResult::Kind::ended) end(0);
        if (result.kind == TlsEngine::ReadResult::Kind::failed) fail_with_engine_reason();
        break;
    }
    delivering_ = false;
}

void TlsStream::deliver_offloaded() {
    if (delivering_) return;
    // The next job first, so that the pool opens records while the loop delivers these.
    start_offload_job();
    offload_->collect();
    delivering_ = true;
    while (reading_ && !closing_ && !ended_) {
        std::span<const std::uint8_t> piece = offload_->plaintext();
        if (piece.empty()) break;
        piece = piece.first(std::min(piece.size(), offloaded_piece));
        const std::span<std::uint8_t> lent = lent_read_target(handler_);
        if (lent.empty()) {
            if (handler_) handler_->on_stream_data(piece);
            offload_->delivered(piece.size());
        } else {
            const std::size_t size = std::min(piece.size(), lent.size());
            std::copy_n(piece.begin(), size, lent.begin());
            offload_->delivered(size);
            handler_->on_stream_filled(size);
        }
    }
    delivering_ = false;
    if (closing_ || ended_) return;
    if (auto outcome = offload_->outcome()) {
        if (*outcome == TlsEngine::ReadResult::Kind::ended) {
            end(0);
        } else if (engine_->failed()) {
            fail_with_engine_reason();
        } else {
            LOG_WARN("%s: out of memory opening TLS records, closing", peer_.c_str());
            fail(UV_ENOMEM);
        }
        return;
    }
    start_offload_job();
}

// The next job, unless one runs, or the loan of a read is still open (its rest goes into the
// engine first), or both blocks hold plaintext for a paused handler (RecordOffload::start).
void TlsStream::start_offload_job() {
    if (closing_ || ended_ || !engine_free() || lending_) return;
    if (inner_ended_ && !end_fed_ && offload_->queued_ciphertext() == 0) {
        // Every byte before the end is the engine's: now the end.
        engine_->feed_end();
        end_fed_ = true;
        offload_->more_input();
    }
    offload_->start(engine_, context_, engine_->input_pending());
}

void TlsStream::on_offload_progress() {
    if (closing_) return;
    advance();
    // A drain the inner stream reported while the engine was busy is passed on now.
    if (!closing_) notify_drained_if_empty();
}

void TlsStream::flush_ciphertext() {
    if (closing_ || !engine_ || !engine_free() || engine_->output_bytes() == 0) return;
    inner_->write(engine_->take_output());  // one write per batch of records, not per record
}

void TlsStream::update_inner_reading() {
    if (closing_) return;
    bool wanted = started_ && !inner_ended_ && !ended_ &&
                  (phase_ == Phase::handshake || (phase_ == Phase::established && reading_) ||
                   (phase_ == Phase::failed && lingering_)) &&
                  (!offload_ || offload_->wants_ciphertext()) && (!sealing_ || !sealing_->busy());
    if (wanted) {
        inner_->read_start();
    } else {
        inner_->read_stop();
    }
}

void TlsStream::notify_drained_if_empty() {
    if (!user_wrote_ || !plaintext_.empty() || (sealing_ && sealing_->pending_bytes() != 0) ||
        (engine_ && (!engine_free() || engine_->output_bytes() != 0)) ||
        inner_->pending_write_bytes() != 0) {
        return;
    }
    user_wrote_ = false;
    if (handler_) handler_->on_stream_drained();
}

void TlsStream::end(int status) {
    leave_slots();
    if (ended_) return;
    ended_ = true;
    failure_pending_ = false;
    update_inner_reading();
    if (handler_) handler_->on_stream_end(status);
}

void TlsStream::fail(int status) {
    leave_slots();
    phase_ = Phase::failed;
    failure_status_ = status;
    failure_pending_ = true;
    lingering_ = status == UV_EACCES && !inner_ended_;
    update_inner_reading();
    flush_ciphertext();  // the alert the engine queued, if any
    finish_failure_if_flushed();
}

void TlsStream::finish_failure_if_flushed() {
    if (closing_ || !failure_pending_ || inner_->pending_write_bytes() != 0) return;
    if (lingering_ && !inner_ended_) {
        if (!write_shut_) {
            write_shut_ = true;
            inner_->shutdown_write();
        }
        return;  // on_stream_end (the client closed) or the handshake timer ends it
    }
    end(failure_status_);
}

}  // namespace clipshare
