// One TLS session over mbedTLS that works on memory only (the shape of tlsuv's engine): the
// caller feeds it the ciphertext it received and takes the ciphertext to send; in between it
// runs the handshake, seals and opens application data, and says why a session failed. It
// touches no socket, timer or clock, so the daemon's libuv stream and the client's blocking
// channel are thin adapters over it, and tests can connect two engines in memory.
//
// Both ends require the peer's certificate (signed by the configured CA). Besides that the
// server checks the client's CN against its allowed clients and the client checks the
// server's CN against --server-name. Failures come back as values with the sentence the
// daemon logs (after the peer's address) or the client prints.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "net/mbedtls_objects.hpp"
#include "net/tls_ticket_peer.hpp"

namespace clipshare {

// Why a session failed, and the sentence that says so.
struct TlsFailure {
    enum class Kind {
        refused,      // a certificate was refused, by either end
        peer_closed,  // the peer closed the connection in the middle of the handshake
        error,        // anything else: a broken record, a protocol error
    };
    Kind kind = Kind::error;
    // The daemon's log line after "ADDRESS: " (e.g. "TLS client refused: CN=eve is not in
    // allowed_clients"), or the client's message ("the server HOST:PORT refused ...").
    std::string reason;
};

class TlsEngine {
public:
    // The server's end: which client names may connect, and whether a TLS 1.3 handshake
    // completes before the client's certificate is judged (TlsContext::tls13_verdict_deferred).
    struct ServerSide {
        std::function<bool(std::string_view)> allows;
        bool tls13_verdict_deferred = false;
        // With a configuration whose only TLS 1.3 PSK mode is psk_ke (TlsContext: [tls]
        // resume_with_ecdhe = false), the one to start over with when that configuration
        // cannot answer the ClientHello at all: it has neither a full handshake (mbedTLS
        // would prefer one to psk_ke) nor psk_dhe_ke, so a ticket it cannot resume fails the
        // first step. The engine then runs that step again, afresh, under `fallback` (no
        // byte has gone to the client yet). Must outlive the engine.
        const mbedtls_ssl_config* fallback = nullptr;
    };
    // The client's end, for its checks and its messages.
    struct ClientSide {
        std::string peer;         // "host:port"
        std::string server_name;  // the server's CN must equal it; empty: any
        std::string ca;           // the --ca file, for messages
        bool presents_certificate = false;
        std::string own_name;  // our certificate's CN, for messages
    };
    using Side = std::variant<ServerSide, ClientSide>;

    enum class Progress { done, want_more, failed };

    struct ReadResult {
        enum class Kind { data, want_more, ended, failed };
        Kind kind = Kind::want_more;
        std::size_t bytes = 0;  // plaintext written to the caller's buffer (Kind::data)
    };

    // nullptr and `error` set to mbedTLS's code when the session cannot be set up (out of
    // memory). `config` must outlive the engine.
    static std::unique_ptr<TlsEngine> create(const mbedtls_ssl_config* config, Side side,
                                             int& error);
    ~TlsEngine();
    TlsEngine(const TlsEngine&) = delete;
    TlsEngine& operator=(const TlsEngine&) = delete;

    // ---- ciphertext ----
    // Ciphertext received from the peer, in any pieces (a record may be split anywhere).
    void feed(std::span<const std::uint8_t> ciphertext);

    // Ciphertext the engine reads in place, from the caller's buffer, until the returned
    // loan's keep_rest(): that copies what the engine has not consumed (usually nothing, or a
    // partial record; everything when the reader was paused), as feed() would have. For a
    // transport's read callback: a bulk transfer's ciphertext is then copied once, into
    // mbedTLS's record buffer, instead of twice. The buffer must outlive the loan.
    class LentInput {
    public:
        explicit LentInput(TlsEngine& engine) : engine_(&engine) {}
        // May throw std::bad_alloc, like feed().
        void keep_rest() { std::exchange(engine_, nullptr)->keep_lent_rest(); }
        // A loan not kept (an exception on its way) is dropped: with a gap in its input the
        // session cannot go on, so the engine counts as failed.
        ~LentInput() {
            if (engine_ != nullptr) engine_->drop_loan();
        }
        LentInput(const LentInput&) = delete;
        LentInput& operator=(const LentInput&) = delete;

    private:
        TlsEngine* engine_;
    };
    [[nodiscard]] LentInput lend(std::span<const std::uint8_t> ciphertext);
    // The peer will send nothing more (the connection's end).
    void feed_end();
    // Ciphertext for the peer, in order; the engine keeps none of it afterwards.
    std::vector<std::uint8_t> take_output();
    std::size_t output_bytes() const { return output_.size(); }
    // Received ciphertext held, consumed or not (it must stay bounded); lent input is not
    // held.
    std::size_t held_input_bytes() const { return input_.size(); }

    // ---- the session ----
    // Runs the handshake as far as the ciphertext fed allows. After `failed`, failure()
    // says why, and take_output() may hold the alert that tells the peer.
    Progress handshake();
    bool handshake_done() const { return handshake_done_; }
    // Plaintext into `out`; `ended` after the peer's close_notify or the connection's end
    // (a TLS 1.3 client whose server has not yet accepted it fails instead: a refusal).
    ReadResult read(std::span<std::uint8_t> out);
    // Seals `plaintext` into records, as many as fit before the output holds `output_limit`
    // bytes. Returns how many plaintext bytes were taken; nullopt when the session failed.
    // After a partial result call again with the rest (mbedTLS's retry rule is kept inside).
    std::optional<std::size_t> write(std::span<const std::uint8_t> plaintext,
                                     std::size_t output_limit = SIZE_MAX);
    // Queues close_notify (once).
    void close_notify();
    // Something the next read() could return without new ciphertext: plaintext or records
    // inside mbedTLS, unconsumed input, or the connection's end not yet reported. This is
    // what a paused reader must drain on resume, since no socket event will come for it.
    bool input_pending();

    const TlsFailure& failure() const { return failure_; }
    bool failed() const { return failed_; }
    // TLS 1.3 client: the handshake is done but nothing was read yet, so the server may still
    // refuse our certificate.
    bool verdict_pending() const { return verdict_pending_; }
    // The peer's certificate's CN once seen; nothing when it has none, or several.
    const std::optional<std::string>& peer_name() const { return peer_name_; }
    // The handshake resumed a stored session (an abbreviated handshake: no certificates were
    // sent, so the server checked the CN stored with the session: in its certificate for TLS
    // 1.2, sealed into the ticket for TLS 1.3).
    bool resumed() const { return resumed_; }
    // Server: the handshake resumed a TLS 1.3 session with psk_ke, without an ECDHE exchange
    // (under a ServerSide::fallback configuration, before any start-over).
    bool resumed_without_ecdhe() const;

    // ---- resumption (client) ----
    // Before the handshake: offers `session`, saved from an earlier connection to the same
    // server. False when mbedTLS takes none of it (the handshake is then a full one).
    bool offer_session(const mbedtls_ssl_session* session);
    // After the handshake: copies the session into `out` for the next connection. False when
    // there is nothing (new) to resume: TLS 1.3 sessions resume by the tickets the server
    // sends after its handshake, which read() takes in; each can be saved once, and
    // ticket_arrived() says when one is waiting.
    bool save_session(mbedtls_ssl_session* out);
    bool ticket_arrived() const { return ticket_arrived_; }
    std::string version() const;
    std::string ciphersuite() const;

private:
    explicit TlsEngine(Side side);

    static int send_ciphertext(void* self, const unsigned char* data, std::size_t length);
    static int receive_ciphertext(void* self, unsigned char* buffer, std::size_t length);
    static int verify_certificate(void* self, mbedtls_x509_crt* certificate, int depth,
                                  std::uint32_t* flags);

    bool is_server() const { return std::holds_alternative<ServerSide>(side_); }
    // mbedtls_ssl_setup and the callbacks; 0 or mbedTLS's error.
    int set_up(const mbedtls_ssl_config* config);
    // The first step failed under a psk_ke-only configuration: the same input again (input_
    // from `first_offset`, where the step began), with a fresh mbedTLS session under
    // ServerSide::fallback. Returns mbedtls_ssl_handshake's result.
    int start_over(std::size_t first_offset);
    Progress on_handshake_done();
    Progress fail(TlsFailure::Kind kind, std::string reason);
    Progress fail_handshake(int code);
    // Server: a resumed session's client, judged by the certificate stored with it.
    Progress judge_resumed_client();
    // Sends access_denied and fails as refused: "TLS client refused: CN=...: why".
    Progress deny_access(std::string_view why);
    // Server: refuses the client with a fatal alert after its handshake.
    Progress refuse_after_handshake(std::uint32_t verify_flags);
    // A read or write failed with mbedTLS's `code` after the handshake.
    void fail_session(int code, bool writing);
    void release_consumed_input();
    // Drops the consumed front of input_ (what is left is a partial record, or what came
    // while the reader paused, so it stays small however long the session runs).
    void compact_input();
    // Ends a loan: copies the lent bytes not yet consumed.
    void keep_lent_rest();
    void drop_loan() noexcept;

    Side side_;
    SslSession ssl_;
    std::vector<std::uint8_t> input_;  // ciphertext received, from input_offset_ on
    std::size_t input_offset_ = 0;
    std::span<const std::uint8_t> lent_;  // read after input_, while a LentInput lives
    bool input_ended_ = false;
    bool end_reported_ = false;
    std::vector<std::uint8_t> output_;

    std::optional<std::string> peer_name_;
    TicketPeer ticket_peer_;  // server: the name a TLS 1.3 ticket offered to us carries
    bool certificate_seen_ = false;
    bool peer_allowed_ = false;  // server: the client's CN is allowed
    bool peer_refused_ = false;  // server: a valid certificate whose CN is not allowed
    bool handshake_done_ = false;
    bool resumed_ = false;
    bool ticket_arrived_ = false;  // client: a TLS 1.3 ticket not yet saved
    bool verdict_pending_ = false;
    bool close_notify_sent_ = false;
    bool failed_ = false;
    bool first_step_ = true;     // handshake() has not run yet
    bool started_over_ = false;  // server: the first step ran again under the fallback
    TlsFailure failure_;
};

}  // namespace clipshare
