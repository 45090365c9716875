// The client's side of version negotiation (SPEC.md section 3).
#pragma once

#include "client/channel.hpp"
#include "proto/methods.hpp"

namespace clipshare::client {

struct VersionRequest {
    int version = highest_version;  // what we send
    // --proto: this version or nothing. Otherwise a lower version the server offers is
    // taken, as the Android app does.
    bool exact = false;
    // Plain TCP: a server that closes without answering, or answers with a TLS record,
    // may be a TLS port, and the error says so.
    bool plain = false;
};

// Sends the version byte and settles on a version; returns it. Throws ClientError:
// version_refused when no version fits, bad_response on a reply that makes no sense.
int negotiate(Channel& channel, VersionRequest request);

}  // namespace clipshare::client
