#include "proto/info.hpp"

#include "proto/client_ack.hpp"
#include "proto/handlers.hpp"
#include "proto/wire.hpp"

namespace clipshare {

std::string info_payload(int version, std::string_view info_name) {
    std::string payload{info_magic};
    if (version >= 4 && !info_name.empty()) {
        payload += "\nserver_name=";
        payload += info_name;
    }
    return payload;
}

namespace {

class InfoHandler final : public MethodHandler {
public:
    explicit InfoHandler(Session& session) : session_(session), ack_(session) {}

    void start() override {
        auto payload = info_payload(session_.version(), session_.settings().info_name);
        session_.send(wire::MessageBuilder{}.byte(wire::ok).string(payload).take());
        ack_.expect();
    }
    std::size_t feed(std::span<const std::uint8_t> input) override { return ack_.feed(input); }
    void on_peer_end() override { ack_.on_peer_end(); }

private:
    Session& session_;
    ClientAck ack_;
};

}  // namespace

std::unique_ptr<MethodHandler> make_info_handler(Session& session) {
    return std::make_unique<InfoHandler>(session);
}

}  // namespace clipshare
