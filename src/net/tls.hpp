// The TLS layer as the server uses it. Built with mbedTLS, these come from tls_context.cpp
// and tls_stream.cpp; built without it (meson -Dtls=disabled), from tls_unavailable.cpp,
// whose make_tls_context always fails. Either way the server code needs no #if.
#pragma once

#include <uv.h>

#include <memory>
#include <string>

#include "net/stream.hpp"
#include "net/tls_settings.hpp"

namespace clipshare {

class HandshakeSlots;
class MemoryBudget;
class TlsContext;

// Loads the certificate chain, private key, client CA and allowed clients that `settings`
// names. On failure returns nullptr and sets `error` to one line that names the file.
std::shared_ptr<const TlsContext> make_tls_context(const TlsSection& settings, std::string& error);

// Wraps an accepted stream in a server-side TLS session that starts its handshake as soon as
// the client's first message is read (the mbedTLS session is set up then, with the
// configuration TlsContext picks for the client's cipher suites). The session keeps
// `context` alive, so a reload that replaces the context never touches established
// connections. With `slots`, its handshake runs only while it holds one of them (see
// net/handshake_slots.hpp). nullptr if the session's timers cannot be set up.
// What one TLS session over `context` costs in memory, for the daemon's budget (0 without TLS).
std::size_t tls_session_memory(const TlsContext& context);
// What `context` holds whatever the number of sessions, for the daemon's budget: its
// resumption state (ticket keys, a full session cache) and its mbedTLS configurations.
// Charged once per context, not per session (0 without TLS).
std::size_t tls_context_memory(const TlsContext& context);

// With `offload_budget`, a bulk upload's records may be opened on the thread pool when that
// budget has room (net/record_offload.hpp); the daemon passes it on machines with more than
// one core.
std::unique_ptr<Stream> wrap_in_tls(std::unique_ptr<Stream> inner,
                                    std::shared_ptr<const TlsContext> context, uv_loop_t* loop,
                                    HandshakeSlots* slots = nullptr,
                                    MemoryBudget* offload_budget = nullptr);

}  // namespace clipshare
