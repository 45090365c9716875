// `clipshare --tls` in a build without mbedTLS: a clear error before anything is sent.
#include "client/errors.hpp"
#include "client/tls.hpp"

namespace clipshare::client {

std::shared_ptr<TlsClientContext> load_tls(const TlsSettings&) {
    fail(Exit::tls,
         "TLS is not available in this build of clipshare (--tls): it was built without "
         "mbedTLS (meson -Dtls=disabled, or mbedTLS was not found)");
}

std::unique_ptr<Channel> start_tls(std::unique_ptr<Channel>, std::shared_ptr<TlsClientContext>,
                                   const std::string&) {
    fail(Exit::tls, "TLS is not available in this build of clipshare (--tls)");
}

}  // namespace clipshare::client
