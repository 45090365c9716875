// Get Text (1) and Send Text (2).
#include <string>

#include "proto/client_ack.hpp"
#include "proto/field_reader.hpp"
#include "proto/files_sender.hpp"
#include "proto/handlers.hpp"
#include "proto/wire.hpp"
#include "util/callback_guard.hpp"
#include "util/line_ends.hpp"
#include "util/utf8.hpp"

namespace clipshare {

std::unique_ptr<BytesSender> make_text_reply(Session& session, std::vector<std::uint8_t> prefix,
                                             const SharedBytes& text,
                                             std::function<void()> on_done) {
    auto limit = static_cast<std::size_t>(session.settings().limits.max_text_length);
    if (!text || text->bytes.empty() || text->bytes.size() > limit) return nullptr;
    wire::MessageBuilder header;
    header.raw(prefix).i64(static_cast<std::int64_t>(text->bytes.size()));
    return std::make_unique<BytesSender>(session, header.take(), text, std::move(on_done));
}

namespace {

class GetTextHandler final : public MethodHandler {
public:
    explicit GetTextHandler(Session& session) : session_(session), ack_(session) {}

    void start() override {
        if (!reserve_for_reply(session_, charge_, bytes_working_set)) return;
        waiting_ = true;
        session_.services().clipboard->get_text(guard_.wrap([this](SharedBytes text) {
            waiting_ = false;
            sender_ = make_text_reply(session_, {wire::ok}, text, [this] { ack_.expect(); });
            if (!sender_) {
                session_.send({wire::no_data});
                session_.finish();
                return;
            }
            sender_->start();
        }));
    }
    std::size_t feed(std::span<const std::uint8_t> input) override { return ack_.feed(input); }
    void on_peer_end() override { ack_.on_peer_end(); }
    void on_output_drained() override {
        if (sender_) sender_->on_output_drained();
    }
    bool waiting_for_daemon() const override { return waiting_; }

private:
    Session& session_;
    ClientAck ack_;
    MemoryCharge charge_;
    std::unique_ptr<BytesSender> sender_;
    bool waiting_ = false;
    CallbackGuard guard_{[this] { session_.out_of_memory(); }};
};

class SendTextHandler final : public MethodHandler {
public:
    explicit SendTextHandler(Session& session) : session_(session), charge_(session.charge()) {}

    void start() override { session_.send({wire::ok}); }

    std::size_t feed(std::span<const std::uint8_t> input) override {
        auto rest = input;
        if (state_ == State::length) {
            if (!length_reader_.i64(rest, length_)) return input.size();
            if (length_ <= 0 || length_ > session_.settings().limits.max_text_length) {
                session_.abort("text length " + std::to_string(length_) + " is outside 1.." +
                               std::to_string(session_.settings().limits.max_text_length));
                return input.size();
            }
            // Nothing is reserved from the declared length: the buffer grows with the bytes
            // that actually arrive, each growth charged to the budget.
            state_ = State::text;
        }
        if (state_ == State::text) {
            if (!take_text(rest)) return input.size();
            if (text_.size() < static_cast<std::size_t>(length_)) return input.size();
            state_ = State::storing;
            store();
            return input.size() - rest.size();
        }
        return 0;  // storing: nothing more is expected; extra bytes wait and are dropped
    }

    void on_peer_end() override {
        if (state_ != State::storing) session_.abort("client closed before the text was complete");
    }
    bool reading_header() const override { return state_ == State::length; }
    bool waiting_for_daemon() const override { return state_ == State::storing; }

private:
    enum class State { length, text, storing };

    // Appends what `rest` holds of the text; false when the budget has no room for it.
    bool take_text(std::span<const std::uint8_t>& rest) {
        auto want = static_cast<std::size_t>(length_) - text_.size();
        auto take = std::min(want, rest.size());
        if (text_.size() + take > text_.capacity()) {
            // Doubling, but never past the declared length.
            auto capacity = std::min(std::max(text_.size() + take, 2 * text_.capacity()),
                                     static_cast<std::size_t>(length_));
            if (!charge_.resize(capacity)) {
                session_.abort("text refused after " + std::to_string(text_.size()) +
                               " bytes: the memory budget is spent");
                return false;
            }
            text_.reserve(capacity);
        }
        text_.append(reinterpret_cast<const char*>(rest.data()), take);
        rest = rest.subspan(take);
        return true;
    }

    void store() {
        if (!is_valid_utf8(text_) || text_.find('\0') != std::string::npos) {
            session_.abort("received text is not valid UTF-8 or holds a NUL byte");
            return;
        }
        auto text = normalize_line_ends(std::move(text_));
        charge_.force_resize(text.capacity());
        // The text and its charge go to the clipboard together.
        session_.services().clipboard->set_text(
            make_shared_bytes(std::move(text), std::move(charge_)),
            guard_.wrap([this](std::string error) {
                if (!error.empty()) {
                    session_.abort("text not stored: " + error);
                    return;
                }
                // The acknowledgement means "stored", so it goes only now.
                if (session_.version() >= 4) session_.send({wire::ok});
                session_.finish();
            }));
    }

    Session& session_;
    MemoryCharge charge_;
    State state_ = State::length;
    FieldReader length_reader_;
    std::int64_t length_ = 0;
    std::string text_;
    CallbackGuard guard_{[this] { session_.out_of_memory(); }};
};

}  // namespace

std::unique_ptr<MethodHandler> make_get_text_handler(Session& session) {
    return std::make_unique<GetTextHandler>(session);
}

std::unique_ptr<MethodHandler> make_send_text_handler(Session& session) {
    return std::make_unique<SendTextHandler>(session);
}

}  // namespace clipshare
