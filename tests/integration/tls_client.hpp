// A blocking mbedTLS client for the tests and the throughput bench. Like the ClipShare
// apps, it presents a client certificate, verifies the server against a CA and sends no SNI.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace clipshare::test {

class TlsClient {
public:
    struct Options {
        std::filesystem::path ca;           // the CA that signed the server
        std::filesystem::path certificate;  // with `key`; empty: present no certificate
        std::filesystem::path key;
        bool tls12_only = false;      // act like an old phone
        int ciphersuite = 0;          // offer only this one (an MBEDTLS_TLS_* id); 0: defaults
        bool session_tickets = true;  // ask for TLS 1.2 tickets (else resume by session id)
        // Keep the TLS 1.3 tickets the server sends after its handshake (read with the first
        // reply) and offer them with psk_dhe_ke, as clipshare's client does (mbedTLS 3.6).
        bool tls13_tickets = false;
    };

    // Connects to 127.0.0.1:`port` and runs the handshake. Check handshake_ok(). With
    // `resume_from`, offers the session of that earlier client to resume (see resumed()).
    static std::unique_ptr<TlsClient> connect(std::uint16_t port, const Options& options,
                                              const TlsClient* resume_from = nullptr);
    // Connects, sends the ClientHello, reads the server's reply and disconnects: a client
    // that vanishes in the middle of the handshake.
    static void abandon_handshake(std::uint16_t port, const Options& options);
    // Connects and sends a whole ClientHello, then reads nothing and sends nothing more: a
    // client that stalls once the server's part of the handshake has begun.
    static std::unique_ptr<TlsClient> send_hello_and_stall(std::uint16_t port,
                                                           const Options& options);
    // Reads (and drops) raw bytes until the server closes the socket; false if the safety
    // timeout hits first.
    bool socket_closed_by_peer();
    // Waits until the server has sent something (false after the safety timeout).
    bool wait_readable();

    ~TlsClient();
    TlsClient(const TlsClient&) = delete;
    TlsClient& operator=(const TlsClient&) = delete;

    bool handshake_ok() const { return handshake_ok_; }
    const std::string& error() const { return error_; }  // why the handshake failed
    std::string server_cn() const;
    std::string ciphersuite() const;
    std::string version() const;  // "TLSv1.2", "TLSv1.3"
    std::uint16_t local_port() const { return local_port_; }
    // The handshake resumed the offered session: the server sent no certificate to verify.
    bool resumed() const;
    // A TLS 1.3 ticket came (Options::tls13_tickets), to offer with resume_from.
    bool has_tls13_ticket() const;
    // Flips one bit of that ticket, `offset_from_end` bytes before its end.
    void tamper_with_tls13_ticket(std::size_t offset_from_end);

    bool send(const std::vector<std::uint8_t>& bytes);
    // Ends our side of the session (close_notify, then the socket's sending side) and keeps
    // reading: the end of an upload, or of a truncated one.
    void shutdown_write();
    // Exactly n bytes; fewer when the server ends the session or the safety timeout hits.
    std::vector<std::uint8_t> recv(std::size_t n);
    // Until the server ends the session.
    std::vector<std::uint8_t> recv_all();
    // True when the server ended the session (close_notify, TCP end or reset) with no data.
    bool closed_by_peer();

private:
    struct Impl;
    TlsClient();
    std::unique_ptr<Impl> impl_;
    bool handshake_ok_ = false;
    std::string error_;
    std::uint16_t local_port_ = 0;
};

}  // namespace clipshare::test
