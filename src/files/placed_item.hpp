// One top-level item of a received batch, as placed in working_dir: what the batch writer
// reports and what the clipboard then holds (files/ describes it; clipboard/ refers to it).
#pragma once

#include <cstdint>
#include <string>

namespace clipshare {

struct PlacedItem {
    std::string name;  // relative to working_dir, one segment
    bool directory = false;
    bool png = false;        // a regular file that starts with the PNG signature
    std::int64_t bytes = 0;  // the sizes of its files, as received (not saved with the clipboard)
};

}  // namespace clipshare
