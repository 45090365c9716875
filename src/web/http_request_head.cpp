// The parts of a request head that need no parser (built with or without http_parser).
#include <algorithm>
#include <cctype>

#include "web/http_request_parser.hpp"

namespace clipshare {
namespace {

bool same_name(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

}  // namespace

std::string_view HttpRequestHead::path() const {
    std::string_view view{target};
    return view.substr(0, view.find_first_of("?#"));
}

std::optional<std::string_view> HttpRequestHead::header(std::string_view name) const {
    for (const auto& [field, value] : headers) {
        if (same_name(field, name)) return std::string_view{value};
    }
    return std::nullopt;
}

}  // namespace clipshare
