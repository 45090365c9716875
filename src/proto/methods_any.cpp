// Get Any (124, v4): the clipboard's current content in its own type.
#include "proto/client_ack.hpp"
#include "proto/files_sender.hpp"
#include "proto/handlers.hpp"
#include "proto/methods_image.hpp"
#include "proto/wire.hpp"

namespace clipshare {
namespace {

enum AnyType : std::uint8_t { any_text = 1, any_files = 2, any_image = 3 };

class GetAnyHandler final : public MethodHandler {
public:
    explicit GetAnyHandler(Session& session)
        : session_(session),
          ack_(session),
          image_(
              session, {wire::ok, any_image}, [this] { ack_.expect(); }, [this] { no_data(); }),
          files_(
              session, {wire::ok, any_files}, [this] { ack_.expect(); }, [this] { no_data(); }) {}

    void start() override {
        if (!image_.reserve()) return;  // covers whichever of the three replies it becomes
        session_.services().clipboard->kind(guard_.wrap([this](ContentKind kind) {
            switch (kind) {
                case ContentKind::text:
                    return text();
                case ContentKind::files:
                    return files();
                case ContentKind::image:
                    return image();
                case ContentKind::empty:
                    return no_data();
            }
        }));
    }
    std::size_t feed(std::span<const std::uint8_t> input) override { return ack_.feed(input); }
    void on_peer_end() override { ack_.on_peer_end(); }
    void on_output_drained() override {
        files_.on_output_drained();
        image_.on_output_drained();
        if (text_) text_->on_output_drained();
    }
    bool waiting_for_daemon() const override {
        return files_.waiting_for_daemon() || image_.waiting_for_daemon();
    }

private:
    void text() {
        session_.services().clipboard->get_text(guard_.wrap([this](SharedBytes text) {
            text_ =
                make_text_reply(session_, {wire::ok, any_text}, text, [this] { ack_.expect(); });
            if (!text_) return no_data();
            text_->start();
        }));
    }

    void files() { files_.start(); }

    void image() {
        session_.services().clipboard->get_image(guard_.wrap([this](std::optional<Image> image) {
            if (!image) return no_data();
            image_.send(std::move(*image));
        }));
    }

    void no_data() {
        session_.send({wire::no_data});
        session_.finish();
    }

    Session& session_;
    ClientAck ack_;
    ImageSender image_;
    FilesReply files_;
    std::unique_ptr<BytesSender> text_;
    CallbackGuard guard_{[this] { session_.out_of_memory(); }};
};

}  // namespace

std::unique_ptr<MethodHandler> make_get_any_handler(Session& session) {
    return std::make_unique<GetAnyHandler>(session);
}

}  // namespace clipshare
