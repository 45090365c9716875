// Handshakes per second against a real clipshared over loopback, for clipshare_bench, with
// three sets of make-certs.sh keys (all RSA, all ECDSA P-256, and its default: an ECDSA server
// key under an RSA CA with RSA clients): full handshakes, one client and many at once, with
// the daemon's CPU time per handshake; and resumed handshakes (the client offers the session of its
// previous connection, by ticket or, with tickets off, by session id for the server's cache).
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace bench {

struct HandshakeBenchOptions {
    std::string binary;      // clipshared
    std::string make_certs;  // etc/make-certs.sh
    double seconds = 2;      // per figure
    int parallel = 64;       // clients at once for the concurrent figures
};

// Prints a table and returns every figure as (key, value) for the JSON file.
std::vector<std::pair<std::string, double>> tls_handshakes(const HandshakeBenchOptions& options);

}  // namespace bench
