// Fair service against slow and silent clients: a header deadline, a cap per address, and
// at max_connections the least-progressing connection gives its slot to a newcomer. The
// "devices" are other loopback addresses (127.0.0.2, ...): all traffic goes to 127.0.0.1.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "daemon_fixture.hpp"
#include "disk_helpers.hpp"
#include "protocol_helpers.hpp"

namespace clipshare::test {
namespace {

using namespace std::chrono_literals;

// The start of a Send Files request whose first name is long: a header to trickle.
Bytes endless_header() {
    return Bytes{4, 4} + i64_bytes(1) + i64_bytes(2000);
}

std::string server_section(const std::string& extra) {
    return "[server]\nbind = \"127.0.0.1\"\nworking_dir = \"work\"\n" + extra;
}

// Slow clients that send one header byte per `pace` each, in turn, until stopped.
class Slowloris {
public:
    Slowloris(const Daemon& daemon, const std::vector<const char*>& sources, int per_source) {
        for (const char* source : sources) {
            for (int i = 0; i < per_source; ++i) {
                auto client = Client::connect(daemon.port(), "127.0.0.1", source);
                if (client.connected() && client.try_send(endless_header())) {
                    clients_.push_back(std::move(client));
                }
            }
        }
        thread_ = std::thread([this] {
            while (!stop_) {
                for (auto& client : clients_) client.try_send(Bytes{'a'});
                std::this_thread::sleep_for(200ms);  // the attacker's pace
            }
        });
    }
    ~Slowloris() {
        stop_ = true;
        thread_.join();
    }
    std::size_t size() const { return clients_.size(); }

private:
    std::vector<Client> clients_;
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

TEST(Fairness, HeaderDeadlineDropsATricklingClient) {
    auto daemon = Daemon::start(server_section("header_timeout = 2\nidle_timeout = 60\n"));
    auto slow = Client::connect(daemon->port());
    ASSERT_TRUE(slow.try_send(endless_header()));
    ASSERT_EQ(slow.recv(2), (Bytes{1, 1}));
    // A byte every 200 ms is more than enough for the idle timeout, but the header never
    // ends: the header deadline closes it.
    bool closed = false;
    for (int i = 0; i < 100 && !closed; ++i) {
        closed = !slow.try_send(Bytes{'a'});
        std::this_thread::sleep_for(200ms);  // the hostile client's pace
    }
    EXPECT_TRUE(closed);
    EXPECT_TRUE(daemon->wait_for_log("request header did not arrive within 2 s"));
    EXPECT_TRUE(serves_info(*daemon));
}

TEST(Fairness, OneAddressCannotTakeMoreThanItsShare) {
    auto daemon = Daemon::start(server_section("max_connections_per_address = 3\n"));
    std::vector<Client> held;
    for (int i = 0; i < 3; ++i) held.push_back(Client::connect(daemon->port()));
    for (auto& client : held) client.send(Bytes{4});  // negotiating: holding a slot
    auto fourth = Client::connect(daemon->port());
    fourth.send(Bytes{4, 125, 1});
    EXPECT_TRUE(fourth.recv_all().empty()) << "a fourth connection from one address was served";
    EXPECT_TRUE(daemon->wait_for_log("3 connections from this address already"));
    // Another device is served meanwhile.
    EXPECT_TRUE(serves_info(*daemon, "127.0.0.2"));
    // And the first one again once it lets a slot go.
    held.pop_back();
    bool served = false;
    for (int i = 0; i < 100 && !served; ++i) served = serves_info(*daemon);
    EXPECT_TRUE(served);
}

TEST(Fairness, ASlowlorisFromOneAddressLocksNobodyOut) {
    auto daemon = Daemon::start(
        server_section("max_connections = 64\nheader_timeout = 60\nidle_timeout = 60\n"));
    Slowloris attack{*daemon, {"127.0.0.2"}, 64};
    EXPECT_GE(attack.size(), 32u);  // it may connect 64 times, but only 32 are kept
    EXPECT_TRUE(daemon->wait_for_log("connections from this address already"));
    int served = 0;
    for (int i = 0; i < 30; ++i) served += serves_info(*daemon) ? 1 : 0;
    EXPECT_EQ(served, 30);
}

TEST(Fairness, ASlowlorisFromManyAddressesGivesUpSlotsToNewClients) {
    auto daemon = Daemon::start(server_section(
        "max_connections = 40\nmax_connections_per_address = 10\nheader_timeout = 60\n"
        "idle_timeout = 60\n"));
    std::size_t baseline = daemon->open_fd_count();
    Slowloris attack{*daemon, {"127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5"}, 10};
    ASSERT_EQ(attack.size(), 40u);
    // Every slot is taken once the daemon holds 40 more descriptors.
    wait_until([&] { return daemon->open_fd_count() >= baseline + 40; });
    ASSERT_GE(daemon->open_fd_count(), baseline + 40);
    // The attack's connections made no progress since their headers began; after a second
    // they are the first to go when someone new arrives.
    std::this_thread::sleep_for(1200ms);  // the attack ageing, not a wait on the daemon
    int served = 0;
    for (int i = 0; i < 30; ++i) served += serves_info(*daemon, "127.0.0.6") ? 1 : 0;
    EXPECT_EQ(served, 30);
    EXPECT_TRUE(daemon->wait_for_log("closed to make room for a new client"));
}

TEST(Fairness, BusyClientsAreNotDisplaced) {
    auto daemon = Daemon::start(server_section("max_connections = 2\n"));
    // Two fresh connections still negotiating: both made progress too recently to lose
    // their slot, so a third is refused rather than one of them dropped.
    auto a = Client::connect(daemon->port());
    auto b = Client::connect(daemon->port(), "127.0.0.1", "127.0.0.2");
    a.send(Bytes{4});
    b.send(Bytes{4});
    ASSERT_EQ(a.recv(1), Bytes{1});
    ASSERT_EQ(b.recv(1), Bytes{1});
    auto c = Client::connect(daemon->port(), "127.0.0.1", "127.0.0.3");
    c.send(Bytes{4, 125, 1});
    EXPECT_TRUE(c.recv_all().empty());
    EXPECT_TRUE(daemon->wait_for_log("every connection making progress")) << daemon->log();
    // The two are still served.
    a.send(Bytes{125, 1});
    EXPECT_EQ(a.recv_all(), info_reply("clip_share"));
}

}  // namespace
}  // namespace clipshare::test
