#include "files/batch_plan.hpp"

namespace clipshare {

std::string BatchPlan::add(const std::string& path, bool directory) {
    // Every ancestor must be (or become) a directory.
    for (auto slash = path.find('/'); slash != std::string::npos;
         slash = path.find('/', slash + 1)) {
        auto ancestor = path.substr(0, slash);
        auto found = nodes_.find(ancestor);
        if (found == nodes_.end()) {
            if (ancestor.find('/') == std::string::npos) top_level_.push_back(ancestor);
            nodes_.emplace(ancestor, Node::implied_directory);
        } else if (found->second == Node::file) {
            return "'" + ancestor + "' is a file earlier in the batch";
        }
    }
    auto found = nodes_.find(path);
    if (found != nodes_.end()) {
        if (found->second != Node::implied_directory || !directory) {
            return "'" + path + "' appears twice in the batch";
        }
        found->second = Node::declared_directory;
        return {};
    }
    if (path.find('/') == std::string::npos) top_level_.push_back(path);
    nodes_.emplace(path, directory ? Node::declared_directory : Node::file);
    return {};
}

}  // namespace clipshare
