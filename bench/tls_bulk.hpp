// clipshare_bench's TLS bulk figures: Send Files and Get Files of one large file over TLS,
// once per AEAD clipshared offers and per TLS version this mbedTLS has, each next to the
// speed at which this machine's mbedTLS opens (for uploads) or seals (for downloads) records
// with that AEAD, measured just before the transfers in the same run.
//
// Two ratios per transfer: the wall-clock rate over the cipher speed (what the client saw),
// and the daemon's own rate per CPU second over the cipher speed ("capacity": what the daemon
// would move with a core to itself). On a machine where the client shares the daemon's
// cores, the client's own sealing or opening takes about one core at cipher speed, so the
// wall-clock ratio is bounded by what is left; the capacity ratio shows the daemon's overhead
// over the cipher alone. That overhead includes what a plain transfer of the same file costs
// the daemon (the socket, the thread pool's reads or writes through the page cache), so the
// same transfers run on the plain port first, and each TLS row also prints the CPU the daemon
// spent beyond the plain transfer and the cipher's share of it ("TLS share": 1.00x when all of
// TLS's extra cost is the AEAD itself, lower the more the record layer and our copies add).
// Header-only: clipshare_bench includes it and passes its transfers in.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

#include "../src/net/mbedtls_compat.hpp"
#include "../tests/integration/tls_client.hpp"
#include "cipher_measure.hpp"

namespace bench {

struct BulkAead {
    const char* name;  // as in the [tls] ciphers key
    Aead cipher;
};

inline std::vector<BulkAead> bulk_aeads() {
    std::vector<BulkAead> aeads;
#if defined(MBEDTLS_CHACHAPOLY_C)
    aeads.push_back(
        {"CHACHA20-POLY1305", {"CHACHA20-POLY1305", MBEDTLS_CIPHER_CHACHA20_POLY1305, 256}});
#endif
#if defined(MBEDTLS_GCM_C)
    aeads.push_back({"AES-128-GCM", {"AES-128-GCM", MBEDTLS_CIPHER_AES_128_GCM, 128}});
    aeads.push_back({"AES-256-GCM", {"AES-256-GCM", MBEDTLS_CIPHER_AES_256_GCM, 256}});
#endif
    return aeads;
}

// `handshakes(options)`: whether a client with these options gets a session at all;
// `transfer(options, download)` runs one upload or download with those client options and
// returns something with mib_per_second, cpu_seconds_per_gib and ok (clipshare_bench's
// Transfer); `plain(download)` the same on the plain port; `record(key, value)` keeps a
// figure for the JSON file.
template <typename Handshakes, typename Transfer, typename Plain, typename Record>
void tls_bulk(const clipshare::test::TlsClient::Options& base, double cipher_seconds,
              Handshakes handshakes, Transfer transfer, Plain plain, Record record) {
    std::printf("\n== TLS bulk: each AEAD and TLS version, next to the cipher speed\n");
    std::printf("%-34s %9s %9s %7s %9s %9s %9s %9s\n", "transfer", "MiB/s", "cipher", "ratio",
                "CPU s/GiB", "capacity", "TLS s/GiB", "TLS share");
    double plain_cpu[2] = {0, 0};  // upload, download
    for (bool download : {false, true}) {
        const auto result = plain(download);
        plain_cpu[download] = result.ok ? result.cpu_seconds_per_gib : 0;
        const std::string key =
            std::string{"tls_bulk.plain"} + (download ? ".download" : ".upload");
        std::printf("%-34s %9.0f %9s %7s %9.2f%s\n", key.c_str() + 9, result.mib_per_second, "", "",
                    result.cpu_seconds_per_gib, result.ok ? "" : "  (FAILED)");
        record(key + ".mib_per_second", result.ok ? result.mib_per_second : 0);
        record(key + ".cpu_seconds_per_gib", result.cpu_seconds_per_gib);
    }
    for (const BulkAead& aead : bulk_aeads()) {
        const double seal = measure(aead.cipher, true, cipher_seconds) * 1e6 / (1 << 20);
        const double open = measure(aead.cipher, false, cipher_seconds) * 1e6 / (1 << 20);
        if (seal <= 0 || open <= 0) continue;  // not in this mbedTLS
        const auto suites = clipshare::mbedtls_compat::suites_for(aead.name);
        struct Version {
            const char* name;
            int suite;
            bool tls12_only;
        };
        for (const Version& version :
             {Version{"tls12", suites.tls12_rsa, true}, Version{"tls12", suites.tls12_ecdsa, true},
              Version{"tls13", suites.tls13, false}}) {
            if (version.suite == 0) continue;
            auto options = base;
            options.ciphersuite = version.suite;
            options.tls12_only = version.tls12_only;
            // TLS 1.2 names the certificate's key type: the suite for the other one fails
            // its handshake, and is skipped.
            if (!handshakes(options)) continue;
            for (bool download : {false, true}) {
                const auto result = transfer(options, download);
                const double cipher = download ? seal : open;
                const double capacity = result.cpu_seconds_per_gib > 0
                                            ? 1024.0 / result.cpu_seconds_per_gib / cipher
                                            : 0;
                const std::string key = std::string{"tls_bulk."} + aead.name + "." + version.name +
                                        (download ? ".download" : ".upload");
                // The daemon's CPU beyond the plain transfer's, and the cipher's part of it.
                const double beyond = result.cpu_seconds_per_gib - plain_cpu[download];
                const double share = beyond > 0 ? 1024.0 / cipher / beyond : 0;
                std::printf("%-34s %9.0f %9.0f %6.2fx %9.2f %8.2fx %9.2f %8.2fx%s\n",
                            key.c_str() + 9, result.mib_per_second, cipher,
                            result.mib_per_second / cipher, result.cpu_seconds_per_gib, capacity,
                            beyond, share, result.ok ? "" : "  (FAILED)");
                std::fflush(stdout);
                record(key + ".mib_per_second", result.ok ? result.mib_per_second : 0);
                record(key + ".cipher_mib_per_second", cipher);
                record(key + ".ratio", result.ok ? result.mib_per_second / cipher : 0);
                record(key + ".cpu_seconds_per_gib", result.cpu_seconds_per_gib);
                record(key + ".capacity_ratio", result.ok ? capacity : 0);
                record(key + ".tls_cpu_seconds_per_gib", beyond);
                record(key + ".tls_share", result.ok ? share : 0);
            }
        }
    }
}

}  // namespace bench
