// Get Files (3) and Send File v1 / Send Files v2+ (4).
#include <string>

#include "proto/client_ack.hpp"
#include "proto/files_sender.hpp"
#include "proto/handlers.hpp"
#include "proto/upload_stream.hpp"
#include "proto/wire.hpp"

namespace clipshare {
namespace {

class GetFilesHandler final : public MethodHandler {
public:
    explicit GetFilesHandler(Session& session)
        : session_(session),
          ack_(session),
          reply_(
              session, {wire::ok}, [this] { ack_.expect(); },
              [this] {
                  session_.send({wire::no_data});
                  session_.finish();
              }) {}

    void start() override { reply_.start(); }
    std::size_t feed(std::span<const std::uint8_t> input) override { return ack_.feed(input); }
    void on_peer_end() override { ack_.on_peer_end(); }
    void on_output_drained() override { reply_.on_output_drained(); }
    bool waiting_for_daemon() const override { return reply_.waiting_for_daemon(); }

private:
    Session& session_;
    ClientAck ack_;
    FilesReply reply_;
};

// Send File (v1) and Send Files (v2+): the stream itself is UploadStream's, shared with the
// web upload; the handler adds the protocol around it (the 01 that invites it, each
// header's deadline, the v4 acknowledgement).
class SendFilesHandler final : public MethodHandler, private UploadHost {
public:
    explicit SendFilesHandler(Session& session)
        : session_(session),
          stream_(*this, session.settings().limits, session.version(), *session.services().files,
                  session.commits(), session.charge(), charge_) {}

    void start() override {
        // Refused before the 01 that invites the upload, when the budget cannot carry it.
        if (!reserve_for_reply(session_, charge_, upload_working_set(small_upload_chunk))) {
            return;
        }
        session_.send({wire::ok});
        if (session_.version() < 2) stream_.expect_one_file();
    }

    std::size_t feed(std::span<const std::uint8_t> input) override {
        std::size_t used = stream_.feed(input);
        // After a failure everything is consumed and dropped: the session is over.
        return session_.active() ? used : input.size();
    }
    std::span<std::uint8_t> read_target() override { return stream_.read_target(); }
    bool filled(std::size_t size) override { return stream_.filled(size); }

    void on_peer_end() override {
        if (!stream_.complete()) session_.abort("client closed in the middle of an upload");
    }

    bool reading_header() const override { return stream_.reading_header(); }
    bool waiting_for_daemon() const override {
        return stream_.waiting_for_disk() || stream_.complete();
    }

private:
    // UploadHost
    void upload_failed(UploadError, const std::string& why) override {
        if (session_.active()) session_.abort("upload refused: " + why);
    }
    void upload_stored(std::int64_t entries) override {
        if (!session_.active()) return;
        session_.summary().entries = entries;
        // Only now is the batch stored: that is what the acknowledgement says.
        if (session_.version() >= 4) session_.send({wire::ok});
        session_.finish();
    }
    void upload_resume() override {
        if (session_.active()) session_.resume_input();
    }
    void upload_next_header() override { session_.begin_header(); }
    void upload_out_of_memory() override { session_.out_of_memory(); }

    Session& session_;
    MemoryCharge charge_;
    UploadStream stream_;
};

}  // namespace

std::unique_ptr<MethodHandler> make_get_files_handler(Session& session) {
    return std::make_unique<GetFilesHandler>(session);
}

std::unique_ptr<MethodHandler> make_send_files_handler(Session& session) {
    return std::make_unique<SendFilesHandler>(session);
}

}  // namespace clipshare
