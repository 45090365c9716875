#include "client/negotiate.hpp"

#include <optional>
#include <string>

#include "client/errors.hpp"
#include "client/transport_hints.hpp"
#include "proto/wire.hpp"

namespace clipshare::client {

int negotiate(Channel& channel, VersionRequest request) {
    const int wanted = request.version;
    write_bytes(channel, {static_cast<std::uint8_t>(wanted)});
    std::optional<std::uint8_t> answer = read_byte_or_end(channel);
    if (!answer) {
        // clipshared's TLS port closes at once on a first byte that starts no TLS record.
        fail(Exit::bad_response,
             "the server closed the connection without answering our protocol version" +
                 (request.plain ? "; " + std::string{try_tls_hint} : std::string{}));
    }
    const std::uint8_t reply = *answer;
    if (request.plain && starts_tls_record(reply)) {
        // Other TLS servers answer a byte that is no ClientHello with an alert record.
        fail(Exit::bad_response, "the server answered our protocol version with what looks " +
                                     std::string{"like a TLS record (byte "} +
                                     std::to_string(reply) + "); " + try_tls_hint);
    }
    switch (reply) {
        case wire::version_accepted:
            return wanted;
        case wire::version_too_low:
            fail(Exit::version_refused, "the server refused protocol version " +
                                            std::to_string(wanted) + ": it needs a newer version");
        case wire::version_offer: {
            int offered = read_byte(channel, "the protocol version it offers");
            // An offer at or above what we asked for makes no sense: the server offers only
            // when our version is above its highest.
            bool usable = offered >= lowest_version && offered < wanted;
            if (!usable || request.exact) {
                write_bytes(channel, {0x00});  // "no, thanks": the server closes
                if (!usable && offered >= wanted) {
                    fail(Exit::bad_response, "the server offered protocol version " +
                                                 std::to_string(offered) + " in answer to " +
                                                 std::to_string(wanted));
                }
                fail(
                    Exit::version_refused,
                    "the server offers only protocol version " + std::to_string(offered) +
                        (request.exact ? " (--proto " + std::to_string(wanted) + " insists)" : ""));
            }
            write_bytes(channel, {static_cast<std::uint8_t>(offered)});
            return offered;
        }
        default:
            fail(Exit::bad_response, "the server answered " + std::to_string(reply) +
                                         " to our protocol version; is it a ClipShare server?");
    }
}

}  // namespace clipshare::client
