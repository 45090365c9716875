// Test support: a uniquely named system user (and its group) that exists for the life of the
// object, for tests of what the daemon can do after giving up root. Creating one needs root;
// tests check available() and skip with a message otherwise.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>

namespace clipshare::test {

class SystemUser {
public:
    // useradd --system --user-group; no home directory, no login shell.
    SystemUser();
    ~SystemUser();
    SystemUser(const SystemUser&) = delete;
    SystemUser& operator=(const SystemUser&) = delete;

    // False when not root or useradd failed; why() says which.
    bool available() const { return created_; }
    const std::string& why() const { return why_; }
    const std::string& name() const { return name_; }
    uid_t uid() const { return uid_; }
    gid_t gid() const { return gid_; }
    // chown -R to this user and group.
    void give(const std::filesystem::path& path) const;

private:
    std::string name_;
    std::string why_;
    uid_t uid_ = 0;
    gid_t gid_ = 0;
    bool created_ = false;
};

}  // namespace clipshare::test
