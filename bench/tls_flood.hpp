// A burst of TLS clients that all connect at the same moment, for clipshare_bench: how fast
// the daemon gets through their handshakes, how many get an answer in time, and how a client
// whose session was established before the burst is served meanwhile.
#pragma once

#include <filesystem>

#include "support.hpp"

namespace bench {

struct FloodSettings {
    int clients = 5000;
    int threads = 2;           // client threads, each with its own epoll and mbedTLS setup
    double give_up = 30;       // seconds after the burst began: a client closes unanswered
    int probes = 40;           // sessions established before the burst, one request each
    double probe_every = 0.2;  // seconds between two: all within one header_timeout
    std::filesystem::path ca, certificate, key;
};

struct FloodFigures {
    int clients = 0;
    int handshakes = 0;                                   // completed
    double handshakes_per_second = 0;                     // completed / (last completion - start)
    int answered_5s = 0, answered_10s = 0, answered = 0;  // Info answers, by time since start
    double last_answer = 0;                               // seconds
    int probes = 0, probe_failures = 0;
    double probe_p50_ms = 0, probe_max_ms = 0;
    long client_peak_rss_kib = 0;
    double daemon_cpu_seconds = 0;
};

FloodFigures tls_flood(const Daemon& daemon, const FloodSettings& settings);

}  // namespace bench
