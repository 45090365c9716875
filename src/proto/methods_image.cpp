// Get Image (5), Get Copied Image (6), Get Screenshot (7), and the image sender that Get Any
// shares.
#include "proto/methods_image.hpp"

#include "proto/client_ack.hpp"
#include "proto/field_reader.hpp"
#include "proto/handlers.hpp"
#include "proto/wire.hpp"

namespace clipshare {

ImageSender::ImageSender(Session& session, std::vector<std::uint8_t> prefix,
                         std::function<void()> on_done, std::function<void()> on_no_data)
    : session_(session),
      prefix_(std::move(prefix)),
      on_done_(std::move(on_done)),
      on_no_data_(std::move(on_no_data)) {}

void ImageSender::send(Image image) {
    if (!image.file.empty()) {
        // The size comes from a listing of the one file, which also refuses a symlink or a
        // vanished file.
        listing_ = session_.services().files->list({image.file}, 4);
        listing_->next(guard_.wrap([this](std::string error, std::vector<FileEntry> entries) {
            if (!error.empty() || entries.size() != 1 || entries[0].size < 0) {
                return on_no_data_();
            }
            send_file(std::move(entries[0]));
        }));
        return;
    }
    if (!image.bytes || image.bytes->bytes.empty() || image.bytes->bytes.size() > max_image_size) {
        return on_no_data_();
    }
    auto header = wire::MessageBuilder{}
                      .raw(prefix_)
                      .i64(static_cast<std::int64_t>(image.bytes->bytes.size()))
                      .take();
    bytes_ = std::make_unique<BytesSender>(session_, std::move(header), std::move(image.bytes),
                                           on_done_);
    bytes_->start();
}

void ImageSender::send_file(FileEntry entry) {
    if (entry.size == 0 || static_cast<std::uint64_t>(entry.size) > max_image_size) {
        return on_no_data_();
    }
    session_.send(wire::MessageBuilder{}.raw(prefix_).i64(entry.size).take());
    std::deque<FileEntry> one;
    one.push_back(std::move(entry));
    files_ = std::make_unique<FilesSender>(session_, std::move(one), nullptr, 1, false, on_done_);
    files_->start();
}

namespace {

class GetImageHandler final : public MethodHandler {
public:
    GetImageHandler(Session& session, Method method)
        : session_(session),
          method_(method),
          ack_(session),
          sender_(
              session, {wire::ok}, [this] { ack_.expect(); }, [this] { no_data(); }) {}

    void start() override {
        if (!sender_.reserve()) return;
        if (method_ == Method::get_screenshot) {
            // The display number comes first.
            session_.send({wire::ok});
            awaiting_display_ = true;
            return;
        }
        waiting_ = true;
        session_.services().clipboard->get_image(guard_.wrap([this](std::optional<Image> image) {
            waiting_ = false;
            if (image) return sender_.send(std::move(*image));
            if (method_ == Method::get_image) return screenshot(session_.settings().display);
            no_data();
        }));
    }

    std::size_t feed(std::span<const std::uint8_t> input) override {
        if (awaiting_display_) {
            auto rest = input;
            std::int64_t display = 0;
            if (!display_reader_.i64(rest, display)) return input.size();
            awaiting_display_ = false;
            if (display != 0 && display != -1 && (display < 1 || display > 65536)) {
                session_.abort("display " + std::to_string(display) + " is outside 1..65536");
                return input.size();
            }
            bool chosen = session_.settings().client_selects_display && display > 0;
            screenshot(chosen ? display : session_.settings().display);
            return input.size() - rest.size();
        }
        return ack_.feed(input);
    }

    void on_peer_end() override {
        if (awaiting_display_) return session_.finish("client closed before naming a display");
        ack_.on_peer_end();
    }
    void on_output_drained() override { sender_.on_output_drained(); }
    bool reading_header() const override { return awaiting_display_; }
    bool waiting_for_daemon() const override { return waiting_ || sender_.waiting_for_daemon(); }

private:
    void screenshot(std::int64_t display) {
        waiting_ = true;
        session_.services().clipboard->screenshot(display,
                                                  guard_.wrap([this](std::optional<Image> image) {
                                                      waiting_ = false;
                                                      if (image)
                                                          return sender_.send(std::move(*image));
                                                      no_data();
                                                  }));
    }
    void no_data() {
        session_.send({wire::no_data});
        session_.finish();
    }

    Session& session_;
    Method method_;
    ClientAck ack_;
    ImageSender sender_;
    FieldReader display_reader_;
    bool awaiting_display_ = false;
    bool waiting_ = false;
    CallbackGuard guard_{[this] { session_.out_of_memory(); }};
};

}  // namespace

std::unique_ptr<MethodHandler> make_get_image_handler(Session& session, Method method) {
    return std::make_unique<GetImageHandler>(session, method);
}

}  // namespace clipshare
