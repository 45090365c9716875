#include "proto/negotiation.hpp"

#include "proto/wire.hpp"

namespace clipshare {

std::vector<std::uint8_t> Negotiation::on_byte(std::uint8_t byte) {
    switch (state_) {
        case State::awaiting_version:
            requested_ = byte;
            if (byte < min_) {
                state_ = State::refused;
                return {wire::version_too_low};
            }
            if (byte <= max_) {
                state_ = State::accepted;
                version_ = byte;
                return {wire::version_accepted};
            }
            state_ = State::awaiting_offer_reply;
            return {wire::version_offer, static_cast<std::uint8_t>(max_)};
        case State::awaiting_offer_reply:
            // Only an exact echo of our offer accepts it; 0 (or anything else) refuses.
            if (byte == max_) {
                state_ = State::accepted;
                version_ = max_;
            } else {
                state_ = State::refused;
            }
            return {};
        case State::accepted:
        case State::refused:
            break;
    }
    return {};
}

}  // namespace clipshare
