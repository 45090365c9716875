// Giving up root after the sockets are bound: a daemon that faces every phone on the LAN
// should not parse their bytes as root.
#pragma once

#include <string>

namespace clipshare {

// When running as root and `user` is set, switches to that user and to `group` (default: the
// user's primary group); both may be names or numeric IDs. Returns "" or one error line.
// Without root it does nothing (there is nothing to drop).
std::string drop_privileges(const std::string& user, const std::string& group);

}  // namespace clipshare
