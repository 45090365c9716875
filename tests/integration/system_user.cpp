#include "system_user.hpp"

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <vector>

#include "daemon_fixture.hpp"

namespace clipshare::test {
namespace fs = std::filesystem;

namespace {

// Test programs run in parallel, and useradd/userdel give up at once when another one holds
// the lock on /etc/passwd: try again for a few seconds.
RunResult with_retries(const std::vector<std::string>& argv) {
    RunResult result;
    wait_until(
        [&] {
            result = run_command(argv);
            return result.exit_status == 0 || result.err.find("lock") == std::string::npos;
        },
        std::chrono::seconds(5), std::chrono::milliseconds(100));
    return result;
}

}  // namespace

SystemUser::SystemUser() {
    static std::atomic<int> counter{0};
    // Unique across parallel test programs (pid) and within one (counter); useradd allows
    // 32 characters.
    name_ = "cstest" + std::to_string(getpid()) + "x" + std::to_string(counter++);
    if (geteuid() != 0) {
        why_ = "needs root to create a system user";
        return;
    }
    auto useradd = find_program("useradd");
    if (useradd.empty()) useradd = "/usr/sbin/useradd";
    auto result = with_retries({useradd.string(), "--system", "--user-group", "--no-create-home",
                                "--shell", "/usr/sbin/nologin", name_});
    if (result.exit_status != 0) {
        why_ = "useradd failed: " + result.err;
        return;
    }
    const passwd* entry = getpwnam(name_.c_str());
    if (entry == nullptr) {
        why_ = "useradd did not create " + name_;
        return;
    }
    uid_ = entry->pw_uid;
    gid_ = entry->pw_gid;
    created_ = true;
}

SystemUser::~SystemUser() {
    if (!created_) return;
    auto userdel = find_program("userdel");
    if (userdel.empty()) userdel = "/usr/sbin/userdel";
    // userdel removes the user's own group with it (USERGROUPS_ENAB); groupdel covers systems
    // where it does not.
    with_retries({userdel.string(), name_});
    if (getgrnam(name_.c_str()) != nullptr) {
        auto groupdel = find_program("groupdel");
        run_command(
            {groupdel.empty() ? std::string{"/usr/sbin/groupdel"} : groupdel.string(), name_});
    }
}

void SystemUser::give(const fs::path& path) const {
    if (!created_) return;
    std::error_code ignored;
    if (::chown(path.c_str(), uid_, gid_) != 0) return;
    if (!fs::is_directory(path, ignored)) return;
    for (auto it = fs::recursive_directory_iterator{path, ignored};
         it != fs::recursive_directory_iterator{}; it.increment(ignored)) {
        if (::lchown(it->path().c_str(), uid_, gid_) != 0) continue;
    }
}

}  // namespace clipshare::test
