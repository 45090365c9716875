// TLS for `clipshare --tls`, as the rest of the client sees it. Built with mbedTLS, these come
// from tls_channel.cpp; built without it (meson -Dtls=disabled), from tls_unavailable.cpp,
// whose load_tls always refuses with a clear error. Either way commands.cpp needs no #if.
#pragma once

#include <memory>
#include <string>

#include "client/channel.hpp"

namespace clipshare::client {

struct TlsSettings {
    std::string certificate;  // PEM, with `key`; both empty: present no certificate
    std::string key;
    std::string ca;           // PEM: the CA(s) that must have signed the server's certificate
    std::string server_name;  // the exact CN the server's certificate must have; empty: any
};

class TlsClientContext;

// Loads and checks every file before anything is sent. Throws ClientError(Exit::tls) with a
// message that names the file (and always, in a build without TLS).
std::shared_ptr<TlsClientContext> load_tls(const TlsSettings& settings);

// Runs the TLS handshake over `transport`, a connection to `peer` ("host:port", for
// messages), and returns the channel the protocol talks through; destroying it ends the
// session with a close_notify. Throws ClientError: Exit::tls when TLS cannot be set up (the
// server refused us, or we do not trust it), Exit::connection on a timeout,
// Exit::interrupted.
std::unique_ptr<Channel> start_tls(std::unique_ptr<Channel> transport,
                                   std::shared_ptr<TlsClientContext> context,
                                   const std::string& peer);

}  // namespace clipshare::client
