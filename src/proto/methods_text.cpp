// Get Text (1) and Send Text (2).
#include <string>

#include "proto/client_ack.hpp"
#include "proto/field_reader.hpp"
#include "proto/handlers.hpp"
#include "proto/wire.hpp"
#include "util/utf8.hpp"
#include "util/work_queue.hpp"

namespace clipshare {

std::string normalize_line_ends(std::string text) {
    std::size_t out = 0;
    for (std::size_t in = 0; in < text.size(); ++in) {
        if (text[in] == '\r' && in + 1 < text.size() && text[in + 1] == '\n') continue;
        text[out++] = text[in];
    }
    text.resize(out);
    return text;
}

namespace {

class GetTextHandler final : public MethodHandler {
public:
    explicit GetTextHandler(Session& session) : session_(session), ack_(session) {}

    void start() override {
        session_.services().clipboard->get_text(
            guard_.wrap([this](std::optional<std::string> text) { reply(std::move(text)); }));
    }
    std::size_t feed(std::span<const std::uint8_t> input) override { return ack_.feed(input); }
    void on_peer_end() override { ack_.on_peer_end(); }

private:
    void reply(std::optional<std::string> text) {
        if (text) *text = normalize_line_ends(std::move(*text));
        auto limit = static_cast<std::size_t>(session_.settings().limits.max_text_length);
        if (!text || text->empty() || text->size() > limit) {
            session_.host().send({wire::no_data});
            session_.finish();
            return;
        }
        session_.host().send(wire::MessageBuilder{}.byte(wire::ok).string(*text).take());
        ack_.expect();
    }

    Session& session_;
    ClientAck ack_;
    CallbackGuard guard_;
};

class SendTextHandler final : public MethodHandler {
public:
    explicit SendTextHandler(Session& session) : session_(session) {}

    void start() override { session_.host().send({wire::ok}); }

    std::size_t feed(std::span<const std::uint8_t> input) override {
        auto rest = input;
        if (state_ == State::length) {
            if (!length_reader_.i64(rest, length_)) return input.size();
            if (length_ <= 0 || length_ > session_.settings().limits.max_text_length) {
                session_.abort("text length " + std::to_string(length_) +
                               " is outside 1.." +
                               std::to_string(session_.settings().limits.max_text_length));
                return input.size();
            }
            text_.reserve(static_cast<std::size_t>(length_));
            state_ = State::text;
        }
        if (state_ == State::text) {
            if (!FieldReader::bytes(rest, static_cast<std::size_t>(length_), text_)) {
                return input.size();
            }
            state_ = State::storing;
            store();
            return input.size() - rest.size();
        }
        return 0;  // storing: nothing more is expected; extra bytes wait and are dropped
    }

    void on_peer_end() override {
        if (state_ != State::storing) session_.abort("client closed before the text was complete");
    }

private:
    enum class State { length, text, storing };

    void store() {
        if (!is_valid_utf8(text_) || text_.find('\0') != std::string::npos) {
            session_.abort("received text is not valid UTF-8 or holds a NUL byte");
            return;
        }
        session_.services().clipboard->set_text(
            normalize_line_ends(std::move(text_)), guard_.wrap([this](std::string error) {
                if (!error.empty()) {
                    session_.abort("text not stored: " + error);
                    return;
                }
                // The acknowledgement means "stored", so it goes only now.
                if (session_.version() >= 4) session_.host().send({wire::ok});
                session_.finish();
            }));
    }

    Session& session_;
    State state_ = State::length;
    FieldReader length_reader_;
    std::int64_t length_ = 0;
    std::string text_;
    CallbackGuard guard_;
};

}  // namespace

std::unique_ptr<MethodHandler> make_get_text_handler(Session& session) {
    return std::make_unique<GetTextHandler>(session);
}

std::unique_ptr<MethodHandler> make_send_text_handler(Session& session) {
    return std::make_unique<SendTextHandler>(session);
}

}  // namespace clipshare
