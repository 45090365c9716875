// The methods that bring data to the server: Send Text and Send File(s) (SPEC.md sections
// 4.2 and 4.4), and the checks that keep a server from refusing what we could have refused
// ourselves before connecting.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "client/conversation.hpp"
#include "client/progress.hpp"
#include "files/transfer.hpp"

namespace clipshare::client {

// "" when a server may accept `text` (non-empty, UTF-8, no NUL), else why not.
std::string check_text(std::string_view text);

void send_text(Conversation& conversation, std::string_view text);

// The PATH arguments as top-level items: absolute, without trailing slashes, with a symlink
// named on the command line replaced by what it points to. Throws ClientError(failure) for a
// path that does not exist or is neither a file nor a directory, and for two with the same
// name (the server would refuse the batch).
std::vector<std::filesystem::path> upload_roots(const std::vector<std::string>& arguments);

struct UploadPlan {
    std::vector<FileEntry> entries;
    std::vector<std::string> warnings;  // what the version leaves out, for the user
};
// What to send in `version`, listed exactly as the daemon lists Get Files. v1 sends one
// regular file (more is unknown_method); v2 drops empty directories. Throws ClientError.
UploadPlan plan_upload(const std::vector<std::filesystem::path>& roots, int version);

// Sends the entries: v1 one file without a count, v2+ the count and every entry; in v4
// waits for the server's confirmation that it stored the batch.
void send_files(Conversation& conversation, const std::vector<FileEntry>& entries,
                Progress& progress);

}  // namespace clipshare::client
