// The transport as a test parameter: the same exchange against the daemon's plain port, or
// over TLS as client "phone" (which the daemon allows) against its TLS port. Test programs
// that include this link the TLS test support when the build has TLS.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "build_config.hpp"
#include "daemon_fixture.hpp"

#if CLIPSHARE_HAVE_TLS
#include "test_certificates.hpp"
#include "tls_client.hpp"
#endif

namespace clipshare::test {

enum class Transport { plain, tls };

// Every transport this build has; "plain" and "tls" in test names.
inline auto all_transports() {
#if CLIPSHARE_HAVE_TLS
    return ::testing::Values(Transport::plain, Transport::tls);
#else
    return ::testing::Values(Transport::plain);
#endif
}
inline std::string transport_name(const ::testing::TestParamInfo<Transport>& info) {
    return info.param == Transport::tls ? "tls" : "plain";
}

// One blocking client connection, whichever the transport.
class TestConnection {
public:
    virtual ~TestConnection() = default;
    // Connected (and over TLS, the handshake done).
    virtual bool ready() const = 0;
    virtual void send(const Bytes& bytes) = 0;
    // We send nothing more (the end of an upload, or of a truncated one).
    virtual void shutdown_write() = 0;
    // Exactly n bytes; fewer when the daemon ends the connection.
    virtual Bytes recv(std::size_t n) = 0;
    // Until the daemon ends the connection.
    virtual Bytes recv_all() = 0;
    // True when the daemon ended the connection without sending more.
    virtual bool closed_by_peer() = 0;
};

// A fixture's base: start a daemon for the transport, connect to it, ask it something.
class TransportTest : public ::testing::TestWithParam<Transport> {
protected:
    bool tls() const { return GetParam() == Transport::tls; }

    void SetUp() override {
#if CLIPSHARE_HAVE_TLS
        if (tls()) {
            certs_ = &test_certificates();
            ASSERT_FALSE(certs_->dir.empty()) << "could not make test certificates";
        }
#endif
    }

    // A daemon with `body` as its configuration, and over TLS a [tls] section as well.
    std::unique_ptr<Daemon> start(const std::string& body = {}) const {
#if CLIPSHARE_HAVE_TLS
        if (tls()) return Daemon::start(certs_->tls_section(R"(["phone", "laptop"])", body));
#endif
        return Daemon::start(body);
    }

    std::unique_ptr<TestConnection> connect(const Daemon& daemon) const {
#if CLIPSHARE_HAVE_TLS
        if (tls()) {
            return std::make_unique<OverTls>(
                TlsClient::connect(daemon.tls_port(), certs_->client("phone")));
        }
#endif
        return std::make_unique<Plain>(Client::connect(daemon.port()));
    }

    // Sends `request` on a new connection and returns everything until the daemon ends it.
    Bytes ask(const Daemon& daemon, const Bytes& request) const {
        auto connection = connect(daemon);
        EXPECT_TRUE(connection->ready());
        connection->send(request);
        return connection->recv_all();
    }

#if CLIPSHARE_HAVE_TLS
    const TestCertificates* certs_ = nullptr;
#endif

private:
    class Plain final : public TestConnection {
    public:
        explicit Plain(Client client) : client_(std::move(client)) {}
        bool ready() const override { return client_.connected(); }
        void send(const Bytes& bytes) override { client_.send(bytes); }
        void shutdown_write() override { client_.shutdown_write(); }
        Bytes recv(std::size_t n) override { return client_.recv(n); }
        Bytes recv_all() override { return client_.recv_all(); }
        bool closed_by_peer() override { return client_.closed_by_peer(); }

    private:
        Client client_;
    };
#if CLIPSHARE_HAVE_TLS
    class OverTls final : public TestConnection {
    public:
        explicit OverTls(std::unique_ptr<TlsClient> client) : client_(std::move(client)) {}
        bool ready() const override { return client_->handshake_ok(); }
        void send(const Bytes& bytes) override { client_->send(bytes); }
        void shutdown_write() override { client_->shutdown_write(); }
        Bytes recv(std::size_t n) override { return client_->recv(n); }
        Bytes recv_all() override { return client_->recv_all(); }
        bool closed_by_peer() override { return client_->closed_by_peer(); }

    private:
        std::unique_ptr<TlsClient> client_;
    };
#endif
};

}  // namespace clipshare::test
