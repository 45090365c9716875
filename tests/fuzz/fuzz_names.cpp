// libFuzzer harness: arbitrary bytes as a received file name, in every version, as a file
// and as a directory. Whatever is accepted must be a safe relative path.
#include <cstdint>
#include <string>
#include <string_view>

#include "files/names.hpp"
#include "util/utf8.hpp"

namespace {

bool safe(const std::string& path) {
    if (path.empty() || path.size() > clipshare::max_name_length) return false;
    if (!clipshare::is_valid_utf8(path)) return false;
    std::size_t start = 0;
    for (;;) {
        auto end = path.find('/', start);
        auto segment = std::string_view(path).substr(
            start, end == std::string::npos ? std::string::npos : end - start);
        if (segment.empty() || segment == "." || segment == "..") return false;
        for (char c : segment) {
            if (static_cast<unsigned char>(c) < 0x20 || c == '\\') return false;
        }
        if (end == std::string::npos) return true;
        start = end + 1;
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view raw(reinterpret_cast<const char*>(data), size);
    for (int version = 1; version <= 4; ++version) {
        for (bool directory : {false, true}) {
            auto result = clipshare::normalize_received_path(raw, version, directory);
            if (result.ok() != result.error.empty()) __builtin_trap();
            if (result.ok() && !safe(result.path)) __builtin_trap();
            if (result.ok() && version == 1 && result.path.find('/') != std::string::npos) {
                __builtin_trap();
            }
        }
    }
    return 0;
}
