// Factories for the method handlers; Session::make_handler picks one per method byte.
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "proto/session.hpp"

namespace clipshare {

std::unique_ptr<MethodHandler> make_info_handler(Session& session);
std::unique_ptr<MethodHandler> make_get_text_handler(Session& session);
std::unique_ptr<MethodHandler> make_send_text_handler(Session& session);
std::unique_ptr<MethodHandler> make_get_files_handler(Session& session);
std::unique_ptr<MethodHandler> make_send_files_handler(Session& session);
// Method 5 (copied image, else screenshot), 6 (copied only) and 7 (screenshot only).
std::unique_ptr<MethodHandler> make_get_image_handler(Session& session, Method method);
std::unique_ptr<MethodHandler> make_get_any_handler(Session& session);

class BytesSender;
// The text part of Get Text and Get Any: `prefix`, the length, the text a window at a time.
// nullptr when there is nothing to send (no text, empty, or over max_text_length).
std::unique_ptr<BytesSender> make_text_reply(Session& session, std::vector<std::uint8_t> prefix,
                                             const SharedBytes& text,
                                             std::function<void()> on_done);

}  // namespace clipshare
