// libFuzzer harness: arbitrary bytes as HTTP requests on one kept-alive connection, split
// where the first byte says. The parser must never crash, never consume more than it was
// given, keep what it holds of a head within its limits, and hand over no body byte beyond
// what arrived.
#include <cstdint>
#include <span>
#include <string>

#include "web/http_request_parser.hpp"

namespace {

constexpr clipshare::HttpLimits kLimits{1024, 16};

class Checker final : public clipshare::HttpRequestHandler {
public:
    std::size_t body_bytes = 0;
    bool ended = false;

    std::optional<clipshare::HttpError> on_request_head(clipshare::HttpRequestHead head) override {
        std::size_t kept = head.target.size();
        for (const auto& [field, value] : head.headers) kept += field.size() + value.size();
        if (kept > kLimits.max_header_bytes || head.headers.size() > kLimits.max_headers) {
            __builtin_trap();
        }
        return std::nullopt;
    }
    std::optional<clipshare::HttpError> on_request_body(
        std::span<const std::uint8_t> piece) override {
        body_bytes += piece.size();
        return std::nullopt;
    }
    void on_request_end() override { ended = true; }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    std::size_t step = data[0] == 0 ? size : data[0];
    std::span<const std::uint8_t> input{data + 1, size - 1};
    Checker checker;
    clipshare::HttpRequestParser parser{kLimits, checker};
    std::size_t at = 0;
    while (at < input.size()) {
        auto piece = input.subspan(at, std::min(step, input.size() - at));
        auto result = parser.feed(piece);
        if (result.consumed > piece.size()) __builtin_trap();
        if (result.error) {
            if (result.error->status < 400 || result.error->status > 599) __builtin_trap();
            break;
        }
        at += result.consumed;
        if (checker.ended) {
            checker.ended = false;
            parser.reset();
        } else if (result.consumed < piece.size()) {
            __builtin_trap();  // neither finished nor failed, yet it left bytes
        }
    }
    if (checker.body_bytes > input.size()) __builtin_trap();
    return 0;
}
