// Giving up root after the sockets are bound: a daemon that faces every phone on the LAN
// should not parse their bytes as root. And checking beforehand, as that user, what it will
// need (clipshared -t).
#pragma once

#include <sys/types.h>

#include <functional>
#include <optional>
#include <string>

namespace clipshare {

// The user and group the daemon serves as, resolved from [server] user and group.
struct ServiceAccount {
    uid_t uid = 0;
    gid_t gid = 0;
    std::string user_name;   // the passwd name, or the number when there is no entry
    std::string group_name;  // likewise for the group
};

// Resolves `user` (a name or a numeric id) and `group` (default: the user's primary group)
// as drop_privileges() will. A name must exist; a numeric id must fit 0..4294967294 and may
// lack an entry. Fills `error` with one line when it cannot be resolved.
std::optional<ServiceAccount> resolve_account(const std::string& user, const std::string& group,
                                              std::string& error);

// When running as root and `user` is set, switches to that user and to `group` (default: the
// user's primary group); both may be names or numeric IDs. Returns "" or one error line.
// Without root it does nothing (there is nothing to drop).
std::string drop_privileges(const std::string& user, const std::string& group);

// Runs `check` in a child process that has switched to `account` (supplementary groups
// included), so that every permission is judged exactly as the daemon will meet it, ACLs and
// group memberships included. Needs root. Returns what `check` returned, or one line saying
// why it could not run.
std::string check_as(const ServiceAccount& account, const std::function<std::string()>& check);

// "clipshare (uid 110), group clipshare (gid 117)", for messages.
std::string describe(const ServiceAccount& account);

}  // namespace clipshare
