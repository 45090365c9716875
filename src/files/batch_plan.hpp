// The shape of one received batch, checked before anything touches the disk: the same path
// twice, or a path used both as a file and as a directory, is a protocol error.
#pragma once

#include <string>
#include <unordered_map>
#include <vector>

namespace clipshare {

class BatchPlan {
public:
    // "" when `path` (normalized) fits the batch so far, else why not.
    std::string add(const std::string& path, bool directory);
    // Top-level names in the order they first appeared.
    const std::vector<std::string>& top_level() const { return top_level_; }

private:
    enum class Node { file, declared_directory, implied_directory };
    std::unordered_map<std::string, Node> nodes_;
    std::vector<std::string> top_level_;
};

}  // namespace clipshare
