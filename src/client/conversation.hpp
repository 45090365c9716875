// One method call after negotiation: the method byte, the server's status byte turned into a
// ClientError when it is not OK, and the v4 acknowledgements at the end (SPEC.md section 4).
#pragma once

#include <cstdint>
#include <string>

#include "client/channel.hpp"
#include "proto/methods.hpp"

namespace clipshare::client {

// "Get Text", "Send Files", ...: how messages name a method.
const char* method_title(Method method);

class Conversation {
public:
    Conversation(Channel& channel, int version) : channel_(channel), version_(version) {}

    Channel& channel() { return channel_; }
    int version() const { return version_; }

    // Sends the method byte and reads the status; returns on OK, throws otherwise (no_data,
    // unknown_method, not_implemented, bad_response). A method the agreed version does not
    // define is refused before anything is sent (unknown_method).
    void begin(Method method);
    // A further status byte inside a method (Get Screenshot's second one).
    void expect_status(Method method, const char* what);

    // v4, after a download: our acknowledgement. Earlier versions have none.
    void acknowledge();
    // v4, after an upload: the server's acknowledgement that it stored the data.
    void await_confirmation(Method method);

private:
    void check_status(Method method, std::uint8_t status);

    Channel& channel_;
    int version_;
};

}  // namespace clipshare::client
