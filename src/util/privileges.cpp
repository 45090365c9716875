#include "util/privileges.hpp"

#include <grp.h>
#include <pwd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstring>

namespace clipshare {
namespace {

// (uid_t)-1 and (gid_t)-1 mean "leave unchanged" to the kernel, so the largest usable id is
// one less; anything bigger would wrap (4294967296 would become 0, root).
constexpr std::uint64_t kMaxId = 4294967294;

bool all_digits(const std::string& text) {
    if (text.empty()) return false;
    for (char ch : text) {
        if (ch < '0' || ch > '9') return false;
    }
    return true;
}

// A numeric id: digits only, within the range above.
template <typename Id>
bool parse_id(const std::string& text, Id& out) {
    std::uint64_t value = 0;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc{} || end != text.data() + text.size() || value > kMaxId) return false;
    out = static_cast<Id>(value);
    return true;
}

void write_all(int fd, const std::string& text) {
    std::size_t done = 0;
    while (done < text.size()) {
        ssize_t n = ::write(fd, text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;
        done += static_cast<std::size_t>(n);
    }
}

// Supplementary groups first (they need root), then the group, then the user: in any other
// order a step would lack the right to make the next one.
std::string switch_to(const ServiceAccount& account) {
    if (initgroups(account.user_name.c_str(), account.gid) != 0 &&
        setgroups(1, &account.gid) != 0) {
        return std::string{"cannot set supplementary groups: "} + std::strerror(errno);
    }
    if (setgid(account.gid) != 0) {
        return "cannot switch to group " + account.group_name + ": " + std::strerror(errno);
    }
    if (setuid(account.uid) != 0) {
        return "cannot switch to user " + account.user_name + ": " + std::strerror(errno);
    }
    if (account.uid != 0 && setuid(0) == 0)
        return "dropping privileges failed: root could be regained";
    return {};
}

}  // namespace

std::optional<ServiceAccount> resolve_account(const std::string& user, const std::string& group,
                                              std::string& error) {
    ServiceAccount account;
    if (const passwd* entry = getpwnam(user.c_str())) {
        account.uid = entry->pw_uid;
        account.gid = entry->pw_gid;
        account.user_name = entry->pw_name;
    } else if (all_digits(user)) {
        if (!parse_id(user, account.uid)) {
            error = "user id " + user + " is out of range (0 to " + std::to_string(kMaxId) + ")";
            return std::nullopt;
        }
        const passwd* by_id = getpwuid(account.uid);
        account.gid = by_id ? by_id->pw_gid : static_cast<gid_t>(account.uid);
        account.user_name = by_id ? by_id->pw_name : user;
    } else {
        error = "user '" + user + "' does not exist";
        return std::nullopt;
    }
    if (!group.empty()) {
        if (const struct group* entry = getgrnam(group.c_str())) {
            account.gid = entry->gr_gid;
        } else if (!all_digits(group)) {
            error = "group '" + group + "' does not exist";
            return std::nullopt;
        } else if (!parse_id(group, account.gid)) {
            error = "group id " + group + " is out of range (0 to " + std::to_string(kMaxId) + ")";
            return std::nullopt;
        }
    }
    const struct group* named = getgrgid(account.gid);
    account.group_name = named ? named->gr_name : std::to_string(account.gid);
    return account;
}

std::string drop_privileges(const std::string& user, const std::string& group) {
    if (geteuid() != 0 || user.empty()) return {};
    std::string error;
    auto account = resolve_account(user, group, error);
    if (!account) return error;
    return switch_to(*account);
}

std::string check_as(const ServiceAccount& account, const std::function<std::string()>& check) {
    int fds[2];
    if (pipe(fds) != 0) return std::string{"pipe: "} + std::strerror(errno);
    std::fflush(nullptr);
    pid_t child = fork();
    if (child < 0) {
        ::close(fds[0]);
        ::close(fds[1]);
        return std::string{"fork: "} + std::strerror(errno);
    }
    if (child == 0) {
        ::close(fds[0]);
        std::string result = switch_to(account);
        if (result.empty()) result = check();
        // "0" = the check passed; "1" + the line = it did not.
        write_all(fds[1], result.empty() ? std::string{"0"} : "1" + result);
        _exit(0);
    }
    ::close(fds[1]);
    std::string verdict;
    char buffer[512];
    for (;;) {
        ssize_t n = ::read(fds[0], buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        verdict.append(buffer, static_cast<std::size_t>(n));
    }
    ::close(fds[0]);
    int status = 0;
    while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
    }
    if (verdict.empty()) return "the check as " + account.user_name + " died";
    return verdict[0] == '0' ? std::string{} : verdict.substr(1);
}

std::string describe(const ServiceAccount& account) {
    return account.user_name + " (uid " + std::to_string(account.uid) + "), group " +
           account.group_name + " (gid " + std::to_string(account.gid) + ")";
}

}  // namespace clipshare
