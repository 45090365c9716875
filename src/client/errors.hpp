// How the client fails: every failure is a ClientError carrying the exit status that
// clipshare(1) documents for it, so scripts can tell "nothing there" from "server down".
#pragma once

#include <stdexcept>
#include <string>

namespace clipshare::client {

enum class Exit : int {
    ok = 0,
    failure = 1,          // a local problem: files, arguments that name nothing, ...
    usage = 2,            // the command line is wrong
    connection = 3,       // cannot connect, connection lost, timeout
    tls = 4,              // TLS could not be set up (or is not built)
    version_refused = 5,  // no protocol version both sides accept
    no_data = 6,          // the server has nothing of that kind (02); scan: no server answered
    unknown_method = 7,   // the server does not know the method (03), or the agreed
                          // version does not define it
    not_implemented = 8,  // the method is not implemented or disabled on the server (04)
    bad_response = 9,     // the server broke the protocol (or was hostile)
    rejected = 10,        // v4 upload: the server closed without confirming it stored it
    interrupted = 130,    // SIGINT/SIGTERM: nothing partial is left behind
};

class ClientError : public std::runtime_error {
public:
    ClientError(Exit code, const std::string& message) : std::runtime_error(message), code_(code) {}
    Exit code() const { return code_; }

private:
    Exit code_;
};

// A connection that broke under us (reset, or closed while we were sending), as opposed to one
// that timed out. Still exit status 3 for the plain protocol; TLS tells it apart because in
// the middle of a handshake it is most likely the server refusing our certificate.
class ConnectionLost : public ClientError {
public:
    explicit ConnectionLost(const std::string& message) : ClientError(Exit::connection, message) {}
};

[[noreturn]] inline void fail(Exit code, const std::string& message) {
    throw ClientError(code, message);
}

}  // namespace clipshare::client
