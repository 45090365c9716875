// libFuzzer harness: arbitrary text as clipshared.toml. Parsing must never crash, and what
// parses must print (--check) as TOML that parses again to the same printout.
#include <cstdint>
#include <string>

#include "config/load.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string text(reinterpret_cast<const char*>(data), size);
    auto first = clipshare::parse_config(text, "/fuzz/clipshared.toml");
    if (!first.config) {
        if (first.error.empty() || first.error.find('\n') != std::string::npos) __builtin_trap();
        return 0;
    }
    auto printed = clipshare::describe_config(*first.config);
    auto second = clipshare::parse_config(printed, "/fuzz/clipshared.toml");
    if (!second.config) __builtin_trap();
    if (clipshare::describe_config(*second.config) != printed) __builtin_trap();
    return 0;
}
