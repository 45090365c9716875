// The shape of one received batch, checked before anything touches the disk: the same path
// twice, or a path used both as a file and as a directory, is a protocol error; so is a batch
// over its limits (path depth, total name bytes).
//
// Paths are kept as a tree of segments, each stored once, so the bookkeeping grows with the
// bytes of new segments on the wire: a thousand entries nested a thousand levels deep cost
// what their names cost, not a copy of every ancestor path per entry. Its memory is charged
// to the daemon's budget as it grows.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "util/memory_budget.hpp"

namespace clipshare {

struct BatchLimits {
    std::size_t max_depth = 1024;                           // segments in one path
    std::uint64_t max_name_bytes = std::uint64_t{1} << 40;  // all names of the batch together
};

class BatchPlan {
public:
    explicit BatchPlan(BatchLimits limits = {}, MemoryCharge charge = {})
        : limits_(limits), charge_(std::move(charge)) {}

    // "" when `path` (normalized) fits the batch so far, else why not.
    std::string add(std::string_view path, bool directory);
    // Top-level names in the order they first appeared.
    const std::vector<std::string>& top_level() const { return top_level_; }
    std::size_t memory_bytes() const { return charge_.bytes(); }

private:
    enum class Kind : std::uint8_t { file, declared_directory, implied_directory };
    struct Key {
        std::uint32_t parent;
        std::string segment;
        bool operator==(const Key&) const = default;
    };
    struct KeyHash {
        std::size_t operator()(const Key& key) const {
            return std::hash<std::string_view>{}(key.segment) * 31 + key.parent;
        }
    };
    struct Node {
        std::uint32_t id;
        Kind kind;
    };

    BatchLimits limits_;
    MemoryCharge charge_;
    std::uint64_t name_bytes_ = 0;
    std::uint32_t next_id_ = 1;  // 0 is the batch's root
    std::unordered_map<Key, Node, KeyHash> nodes_;
    std::vector<std::string> top_level_;
};

}  // namespace clipshare
