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
// With OpenSSL (CLIPSHARE_BENCH_OPENSSL), each row runs again with an OpenSSL client on the
// same version and suite, whose cipher costs the machine a fraction of mbedTLS's, so that the
// client is no longer what bounds the wall-clock ratio; and an OpenSSL reference server
// (openssl_reference.hpp) takes the same transfers for the rate upstream's shape makes here.
// Header-only: clipshare_bench includes it and passes its transfers in.
#pragma once

#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "../src/net/mbedtls_compat.hpp"
#include "../tests/integration/tls_client.hpp"
#include "cipher_measure.hpp"

namespace bench {

struct BulkAead {
    const char* name;  // as in the [tls] ciphers key
    Aead cipher;
    int tls13_suite;  // its TLS 1.3 suite's IANA id, whether or not this mbedTLS has 1.3
    bool reference;   // the OpenSSL reference server offers it (upstream's AES-256-GCM, ChaCha)
};

inline std::vector<BulkAead> bulk_aeads() {
    std::vector<BulkAead> aeads;
#if defined(MBEDTLS_CHACHAPOLY_C)
    aeads.push_back({"CHACHA20-POLY1305",
                     {"CHACHA20-POLY1305", MBEDTLS_CIPHER_CHACHA20_POLY1305, 256},
                     0x1303,
                     true});
#endif
#if defined(MBEDTLS_GCM_C)
    aeads.push_back(
        {"AES-128-GCM", {"AES-128-GCM", MBEDTLS_CIPHER_AES_128_GCM, 128}, 0x1301, false});
    aeads.push_back(
        {"AES-256-GCM", {"AES-256-GCM", MBEDTLS_CIPHER_AES_256_GCM, 256}, 0x1302, true});
#endif
    return aeads;
}

// `handshakes(options)`: whether a client with these options gets a session at all;
// `transfer(options, download)` runs one upload or download with those client options and
// returns something with mib_per_second, cpu_seconds_per_gib and ok (clipshare_bench's
// Transfer); `plain(download)` the same on the plain port; `openssl(suite, tls13, download)`
// the same transfer with the OpenSSL client restricted to that suite and version, and
// `reference(suite, download)` one with it against the OpenSSL reference server (TLS 1.3),
// each a std::optional that is empty when the bench was built without OpenSSL;
// `record(key, value)` keeps a figure for the JSON file.
//
// Each row names the client that drove it: mbedtls (the tests' client; keys
// tls_bulk.AEAD.VERSION.DIRECTION.*), openssl (tls_bulk.openssl.AEAD.VERSION.DIRECTION.*),
// and the reference server's rows (ref.AEAD.tls13.DIRECTION; keys
// tls_bulk.reference.AEAD.tls13.DIRECTION.*), which print the server thread's CPU and the
// daemon's rate with the OpenSSL client over the reference's ("daemon/reference").
template <typename Handshakes, typename Transfer, typename Plain, typename OpenSsl,
          typename Reference, typename Record>
void tls_bulk(const clipshare::test::TlsClient::Options& base, double cipher_seconds,
              Handshakes handshakes, Transfer transfer, Plain plain, OpenSsl openssl,
              Reference reference, Record record, std::string_view rows = {}) {
    // `rows`: only the rows whose name and client ("AES-256-GCM.tls13.upload.openssl")
    // contain it (the plain rows always run: the TLS columns need them).
    auto wanted = [&](const std::string& name, const char* client) {
        return (name + "." + client).find(rows) != std::string::npos;
    };
    std::printf("\n== TLS bulk: each AEAD and TLS version, next to the cipher speed\n");
    std::printf("%-36s %-7s %9s %9s %7s %9s %9s %9s %9s\n", "transfer", "client", "MiB/s", "cipher",
                "ratio", "CPU s/GiB", "capacity", "TLS s/GiB", "TLS share");
    double plain_cpu[2] = {0, 0};  // upload, download
    for (bool download : {false, true}) {
        const auto result = plain(download);
        plain_cpu[download] = result.ok ? result.cpu_seconds_per_gib : 0;
        const std::string key =
            std::string{"tls_bulk.plain"} + (download ? ".download" : ".upload");
        std::printf("%-36s %-7s %9.0f %9s %7s %9.2f%s\n", key.c_str() + 9, "",
                    result.mib_per_second, "", "", result.cpu_seconds_per_gib,
                    result.ok ? "" : "  (FAILED)");
        record(key + ".mib_per_second", result.ok ? result.mib_per_second : 0);
        record(key + ".cpu_seconds_per_gib", result.cpu_seconds_per_gib);
    }
    // One row of the daemon's: `name` without the tls_bulk. prefix, `prefix` the keys' one.
    auto row = [&](const std::string& prefix, const std::string& name, const char* client,
                   const auto& result, double cipher, bool download) {
        const double capacity =
            result.cpu_seconds_per_gib > 0 ? 1024.0 / result.cpu_seconds_per_gib / cipher : 0;
        // The daemon's CPU beyond the plain transfer's, and the cipher's part of it.
        const double beyond = result.cpu_seconds_per_gib - plain_cpu[download];
        const double share = beyond > 0 ? 1024.0 / cipher / beyond : 0;
        std::printf("%-36s %-7s %9.0f %9.0f %6.2fx %9.2f %8.2fx %9.2f %8.2fx%s\n", name.c_str(),
                    client, result.mib_per_second, cipher, result.mib_per_second / cipher,
                    result.cpu_seconds_per_gib, capacity, beyond, share,
                    result.ok ? "" : "  (FAILED)");
        std::fflush(stdout);
        const std::string key = prefix + name;
        record(key + ".mib_per_second", result.ok ? result.mib_per_second : 0);
        record(key + ".cipher_mib_per_second", cipher);
        record(key + ".ratio", result.ok ? result.mib_per_second / cipher : 0);
        record(key + ".cpu_seconds_per_gib", result.cpu_seconds_per_gib);
        record(key + ".capacity_ratio", result.ok ? capacity : 0);
        record(key + ".tls_cpu_seconds_per_gib", beyond);
        record(key + ".tls_share", result.ok ? share : 0);
    };
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
        double daemon_openssl[2] = {0, 0};  // its last OpenSSL-client rate, per direction
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
                const double cipher = download ? seal : open;
                const std::string name = std::string{aead.name} + "." + version.name +
                                         (download ? ".download" : ".upload");
                if (wanted(name, "mbedtls")) {
                    row("tls_bulk.", name, "mbedtls", transfer(options, download), cipher,
                        download);
                }
                if (!wanted(name, "openssl")) continue;
                if (const auto result = openssl(version.suite, !version.tls12_only, download)) {
                    row("tls_bulk.openssl.", name, "openssl", *result, cipher, download);
                    daemon_openssl[download] = result->ok ? result->mib_per_second : 0;
                }
            }
        }
        // Both reference rows or neither: its download serves what its upload stored.
        const std::string reference_name = std::string{"ref."} + aead.name + ".tls13";
        if (!aead.reference || (!wanted(reference_name + ".upload", "openssl") &&
                                !wanted(reference_name + ".download", "openssl"))) {
            continue;
        }
        for (bool download : {false, true}) {
            const auto result = reference(aead.tls13_suite, download);
            if (!result) break;
            const std::string name =
                std::string{aead.name} + ".tls13" + (download ? ".download" : ".upload");
            const double daemon_over = result->ok && result->mib_per_second > 0
                                           ? daemon_openssl[download] / result->mib_per_second
                                           : 0;
            std::printf("%-36s %-7s %9.0f %9s %7s %9.2f   daemon/reference %.2fx%s\n",
                        ("ref." + name).c_str(), "openssl", result->mib_per_second, "", "",
                        result->cpu_seconds_per_gib, daemon_over, result->ok ? "" : "  (FAILED)");
            std::fflush(stdout);
            const std::string key = "tls_bulk.reference." + name;
            record(key + ".mib_per_second", result->ok ? result->mib_per_second : 0);
            record(key + ".cpu_seconds_per_gib", result->cpu_seconds_per_gib);
            record(key + ".daemon_ratio", daemon_over);
        }
    }
}

}  // namespace bench
