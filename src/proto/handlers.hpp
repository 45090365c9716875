// Factories for the method handlers; Session::make_handler picks one per method byte.
#pragma once

#include <memory>

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

// Text as served: CRLF becomes LF (SPEC.md 4.1, 4.2).
std::string normalize_line_ends(std::string text);

}  // namespace clipshare
