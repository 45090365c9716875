// The methods that bring data from the server: Info, Get Text, Get Files, the three image
// methods and Get Any (SPEC.md sections 4.1, 4.3, 4.5-4.7). Each one validates everything the
// server sends before it reaches a sink, and acknowledges in v4 only once the sink has made
// the data final.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "client/conversation.hpp"
#include "client/progress.hpp"
#include "client/sinks.hpp"

namespace clipshare::client {

inline constexpr std::int64_t max_info_length = 64 * 1024;
inline constexpr std::int64_t max_image_size = std::int64_t{1} << 30;  // SPEC.md 4.5
inline constexpr std::int64_t max_file_count = 4294967294;

struct ServerInfo {
    // The v4 payload's lines after "clip_share" ("server_name=kitchen"); empty before v4.
    std::vector<std::string> details;
};
ServerInfo get_info(Conversation& conversation);

void get_text(Conversation& conversation, ByteSink& out);

// Returns the top-level names as placed by `out`.
std::vector<std::string> get_files(Conversation& conversation, ReceivedFiles& out,
                                   Progress& progress);

// `method` is get_image (copied image, else screenshot) or get_copied_image.
void get_image(Conversation& conversation, Method method, ByteSink& out, Progress& progress);
// `display`: 1..65536, or 0/-1 for the server's default.
void get_screenshot(Conversation& conversation, std::int64_t display, ByteSink& out,
                    Progress& progress);

// The file name under which Get Any saves a copied image.
inline constexpr const char* any_image_name = "clipboard.png";

enum class AnyKind { text, files, image };
struct AnyResult {
    AnyKind kind = AnyKind::text;
    std::vector<std::string> placed;  // files and image: the names as placed
};
// Text goes to `text`; files, and an image as any_image_name, go to `files`.
AnyResult get_any(Conversation& conversation, ByteSink& text, ReceivedFiles& files,
                  Progress& progress);

// Why a name a server sent must not be written, or "" when it is fine. Stricter than what
// the daemon accepts from clients: a server has no reason to send absolute paths (v2+) or
// folders in v1, so those are refused rather than quietly rewritten.
std::string check_served_name(const std::string& name, int version, bool directory,
                              std::string& normalized);

}  // namespace clipshare::client
