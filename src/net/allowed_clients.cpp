#include "net/allowed_clients.hpp"

#include <cstring>

#include "util/read_file.hpp"

namespace clipshare {
namespace {

constexpr std::string_view whitespace = " \t\r\v\f";

std::string_view trim(std::string_view text) {
    auto first = text.find_first_not_of(whitespace);
    if (first == std::string_view::npos) return {};
    auto last = text.find_last_not_of(whitespace);
    return text.substr(first, last - first + 1);
}

}  // namespace

AllowedClients AllowedClients::parse(std::string_view text) {
    AllowedClients allowed;
    while (!text.empty()) {
        auto end = text.find('\n');
        std::string_view line = text.substr(0, end);
        text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
        line = trim(line.substr(0, line.find('#')));
        if (!line.empty()) allowed.names_.emplace(line);
    }
    return allowed;
}

std::optional<AllowedClients> AllowedClients::load(const std::filesystem::path& file,
                                                   std::string& error) {
    int code = 0;
    auto text = read_whole_file(file, code);
    if (!text) {
        error = std::string{"cannot read: "} + std::strerror(code);
        return std::nullopt;
    }
    return parse(*text);
}

}  // namespace clipshare
