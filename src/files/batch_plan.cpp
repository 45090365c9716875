#include "files/batch_plan.hpp"

#include <algorithm>

namespace clipshare {
namespace {

// What one node costs: the hash table's entry and bucket, plus the segment when it does not
// fit in the string itself.
std::size_t node_cost(std::string_view segment) {
    constexpr std::size_t entry = 96;
    constexpr std::size_t inline_capacity = 15;
    return entry + (segment.size() > inline_capacity ? segment.size() + 1 : 0);
}

}  // namespace

std::string BatchPlan::add(std::string_view path, bool directory) {
    auto depth = static_cast<std::size_t>(std::count(path.begin(), path.end(), '/')) + 1;
    if (depth > limits_.max_depth) {
        return "a path is " + std::to_string(depth) + " levels deep, over max_path_depth " +
               std::to_string(limits_.max_depth);
    }
    name_bytes_ += path.size();
    if (name_bytes_ > limits_.max_name_bytes) {
        return "the names of the batch are over max_batch_name_bytes " +
               std::to_string(limits_.max_name_bytes);
    }
    const std::string_view full = path;
    std::uint32_t parent = 0;
    while (true) {
        auto slash = path.find('/');
        bool last = slash == std::string_view::npos;
        std::string_view segment = last ? path : path.substr(0, slash);
        Key key{parent, std::string{segment}};
        auto found = nodes_.find(key);
        if (found == nodes_.end()) {
            // A top-level name is also kept in top_level_.
            auto cost = node_cost(segment) + (parent == 0 ? node_cost(segment) : 0);
            if (!charge_.resize(charge_.bytes() + cost)) {
                return "the memory budget has no room for the batch's names";
            }
            Kind kind = !last       ? Kind::implied_directory
                        : directory ? Kind::declared_directory
                                    : Kind::file;
            if (parent == 0) top_level_.emplace_back(segment);
            found = nodes_.emplace(std::move(key), Node{next_id_++, kind}).first;
            if (last) return {};
        } else if (last) {
            if (found->second.kind != Kind::implied_directory || !directory) {
                return "'" + std::string{full} + "' appears twice in the batch";
            }
            found->second.kind = Kind::declared_directory;
            return {};
        } else if (found->second.kind == Kind::file) {
            auto so_far = full.substr(0, static_cast<std::size_t>(segment.end() - full.begin()));
            return "'" + std::string{so_far} + "' is a file earlier in the batch";
        }
        parent = found->second.id;
        path.remove_prefix(slash + 1);
    }
}

}  // namespace clipshare
