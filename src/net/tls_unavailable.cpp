// The TLS layer of a build without mbedTLS: every attempt to enable it is a clear error.
#include "net/tls.hpp"

namespace clipshare {

std::shared_ptr<const TlsContext> make_tls_context(const TlsSection&, std::string& error) {
    error =
        "[tls] enabled = true, but this clipshared was built without TLS support "
        "(meson -Dtls=disabled, or mbedTLS was not found)";
    return nullptr;
}

std::size_t tls_session_memory(const TlsContext&) {
    return 0;
}

std::size_t tls_context_memory(const TlsContext&) {
    return 0;
}

std::unique_ptr<Stream> wrap_in_tls(std::unique_ptr<Stream>, std::shared_ptr<const TlsContext>,
                                    uv_loop_t*, HandshakeSlots*, MemoryBudget*) {
    return nullptr;
}

}  // namespace clipshare
