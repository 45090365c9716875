#include "client/conversation.hpp"

#include "client/errors.hpp"
#include "proto/wire.hpp"

namespace clipshare::client {
namespace {

std::string no_data_message(Method method) {
    switch (method) {
        case Method::get_text:
            return "the server has no text to give";
        case Method::get_files:
            return "the server has no files to give";
        case Method::get_image:
            return "the server has no image (copied or screenshot) to give";
        case Method::get_copied_image:
            return "the server has no copied image to give";
        case Method::get_screenshot:
            return "the server has no screenshot to give";
        case Method::get_any:
            return "the server's clipboard is empty";
        default:
            return std::string{"the server has no data for "} + method_title(method);
    }
}

}  // namespace

const char* method_title(Method method) {
    return method_info(method).title;
}

void Conversation::begin(Method method) {
    auto code = static_cast<std::uint8_t>(method);
    if (!method_in_version(code, version_)) {
        fail(Exit::unknown_method,
             std::string{method_title(method)} + " is not part of protocol version " +
                 std::to_string(version_) + ", the version agreed with " + "the server");
    }
    write_bytes(channel_, {code});
    auto status = read_byte_or_end(channel_);
    if (!status) {
        fail(Exit::bad_response, std::string{"the server closed the connection without "} +
                                     "answering " + method_title(method));
    }
    check_status(method, *status);
}

void Conversation::expect_status(Method method, const char* what) {
    check_status(method, read_byte(channel_, what));
}

void Conversation::check_status(Method method, std::uint8_t status) {
    switch (status) {
        case wire::ok:
            return;
        case wire::no_data:
            fail(Exit::no_data, no_data_message(method));
        case wire::unknown_method:
            fail(Exit::unknown_method, std::string{"the server does not know "} +
                                           method_title(method) + " (method " +
                                           std::to_string(static_cast<int>(method)) +
                                           ") in protocol version " + std::to_string(version_));
        case wire::method_not_implemented:
            fail(Exit::not_implemented, std::string{"the server does not offer "} +
                                            method_title(method) +
                                            ": not implemented, or disabled in its configuration");
        default:
            fail(Exit::bad_response, std::string{"the server answered "} + method_title(method) +
                                         std::string{" with status "} + std::to_string(status));
    }
}

void Conversation::acknowledge() {
    if (version_ >= 4) write_bytes(channel_, {wire::ok});
}

void Conversation::await_confirmation(Method method) {
    if (version_ < 4) return;
    auto ack = read_byte_or_end(channel_);
    if (!ack) {
        fail(Exit::rejected, std::string{"the server did not confirm "} + method_title(method) +
                                 ": it refused the data or could not store it");
    }
    if (*ack != wire::ok) {
        fail(Exit::bad_response, std::string{"the server confirmed "} + method_title(method) +
                                     " with " + std::to_string(*ack) + " instead of 1");
    }
}

}  // namespace clipshare::client
