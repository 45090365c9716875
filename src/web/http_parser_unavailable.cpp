// Built with meson -Dweb=disabled (or no http_parser found): the server refuses
// [web] enabled = true at start, so no request ever reaches this stand-in; it refuses
// whatever it is given rather than parse it by hand.
#include "web/http_request_parser.hpp"

namespace clipshare {

struct HttpRequestParser::Impl {};

HttpRequestParser::HttpRequestParser(HttpLimits limits, HttpRequestHandler& handler)
    : limits_(limits), handler_(handler) {}

HttpRequestParser::~HttpRequestParser() = default;

void HttpRequestParser::reset() {}

HttpRequestParser::Result HttpRequestParser::feed(std::span<const std::uint8_t> input) {
    (void)input;
    return {0, HttpError{503, "this clipshared was built without web access"}};
}

}  // namespace clipshare
