// The names of the TLS clients that may connect: each is compared, exactly and
// case-sensitively, with the subject CN of a client's verified certificate.
#pragma once

#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace clipshare {

class AllowedClients {
public:
    AllowedClients() = default;
    explicit AllowedClients(const std::vector<std::string>& names)
        : names_(names.begin(), names.end()) {}

    // The file format: one name per line; whitespace around a name is trimmed; everything
    // from '#' to the end of a line is a comment; empty lines are ignored.
    static AllowedClients parse(std::string_view text);
    // Reads and parses `file`; on failure returns nothing and sets `error` to the reason
    // ("cannot read: Permission denied").
    static std::optional<AllowedClients> load(const std::filesystem::path& file,
                                              std::string& error);

    bool contains(std::string_view name) const { return names_.find(name) != names_.end(); }
    bool empty() const { return names_.empty(); }
    std::size_t size() const { return names_.size(); }

private:
    std::set<std::string, std::less<>> names_;
};

}  // namespace clipshare
