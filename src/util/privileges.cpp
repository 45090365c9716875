#include "util/privileges.hpp"

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>

namespace clipshare {
namespace {

template <typename Id>
bool parse_id(const std::string& text, Id& out) {
    unsigned long value = 0;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc{} || end != text.data() + text.size()) return false;
    out = static_cast<Id>(value);
    return true;
}

}  // namespace

std::string drop_privileges(const std::string& user, const std::string& group) {
    if (geteuid() != 0 || user.empty()) return {};

    uid_t uid = 0;
    gid_t gid = 0;
    std::string user_name = user;
    if (const passwd* entry = getpwnam(user.c_str())) {
        uid = entry->pw_uid;
        gid = entry->pw_gid;
    } else if (parse_id(user, uid)) {
        const passwd* by_id = getpwuid(uid);
        gid = by_id ? by_id->pw_gid : static_cast<gid_t>(uid);
        if (by_id) user_name = by_id->pw_name;
    } else {
        return "user '" + user + "' does not exist";
    }
    if (!group.empty()) {
        if (const struct group* entry = getgrnam(group.c_str())) {
            gid = entry->gr_gid;
        } else if (!parse_id(group, gid)) {
            return "group '" + group + "' does not exist";
        }
    }
    // Supplementary groups first (they need root), then the group, then the user: in any
    // other order a step would lack the right to make the next one.
    if (initgroups(user_name.c_str(), gid) != 0 && setgroups(1, &gid) != 0) {
        return std::string{"cannot set supplementary groups: "} + std::strerror(errno);
    }
    if (setgid(gid) != 0) return "cannot switch to group " + std::to_string(gid) + ": " + std::strerror(errno);
    if (setuid(uid) != 0) return "cannot switch to user " + user + ": " + std::strerror(errno);
    if (uid != 0 && setuid(0) == 0) return "dropping privileges failed: root could be regained";
    return {};
}

}  // namespace clipshare
