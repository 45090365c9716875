// clipshare_bench's write-behind figures (--only writeback), issue #18:
//
// 1. Ack delay (with --slow-dir DIR, a throttled disk from bench/slow-disk.sh): v4 Send Files
//    of one 20, 50 and 100 MiB file into a daemon whose working_dir is on DIR; the time from
//    the client's last byte (its last send() returned) to the ack. The phone gives up 10 s
//    after its last byte; the goal is <= 2 s at 5 MB/s for any size.
// 2. Upload throughput on the normal disk: a v1 Send File of --mib MiB (until the daemon
//    closes, i.e. stored and synced), next to, in the same interleaved rounds, a raw write of
//    the same bytes plus fsync (what `dd bs=1M conv=fsync` does), a loopback socket pumped into
//    a file with fsync, and the same without fsync (an upstream server, which never syncs).
//    The daemons have a 1 GiB memory budget, so their upload chunks grow to 1 MiB; the new
//    binary also runs with the router default of 16 MiB (64 KiB chunks).
// 3. The same on tmpfs (/dev/shm, when the temporary directory is not already there): the new
//    daemon against a socket pumped into a tmpfs file, where durability is free, so the
//    daemon's own intake against an upstream-shaped server at its best.
//
// With --compare OLD_BINARY every daemon figure is measured for both binaries, alternately.
// Header-only: clipshare_bench includes it.
#pragma once

#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "support.hpp"

namespace bench {

struct WritebackSettings {
    std::vector<std::string> binaries;  // the daemon, then --compare's
    std::string slow_dir;               // empty: no ack-delay part
    std::int64_t mib = 1024;
    int rounds = 2;
};

struct TimedUpload {
    double after_last_byte = 0;  // seconds from the last send() to the ack (or the close)
    double mib_per_second = 0;   // over the whole request
    bool ok = false;
};

// One file of `mib` MiB: v4 Send Files (ends with the ack) or v1 Send File (ends when the
// daemon closes, which it does once the file is stored).
inline TimedUpload timed_upload(const Daemon& daemon, std::int64_t mib, int version) {
    TimedUpload result;
    int fd = connect_to(daemon.port());
    if (fd < 0) return result;
    std::int64_t total = mib << 20;
    Bytes head = version >= 2 ? Bytes{4, 4} + i64(1) : Bytes{1, 4};
    head = head + i64(7) + bytes_of("big.bin") + i64(total);
    auto start = std::chrono::steady_clock::now();
    bool sent = send_all(fd, head);
    Bytes block(1 << 20, 'u');
    for (std::int64_t done = 0; sent && done < total; done += 1 << 20) sent = send_all(fd, block);
    auto last_byte = std::chrono::steady_clock::now();
    std::uint8_t reply[3] = {};
    if (version >= 4) {
        result.ok = sent && recv_exact(fd, reply, 3) && reply[2] == 1;
    } else {
        result.ok = sent && recv_exact(fd, reply, 2) && reply[1] == 1 && recv_all(fd).empty();
    }
    auto end = std::chrono::steady_clock::now();
    close(fd);
    result.after_last_byte = std::chrono::duration<double>(end - last_byte).count();
    result.mib_per_second =
        static_cast<double>(mib) / std::chrono::duration<double>(end - start).count();
    return result;
}

// Removes what uploads stored (not the state directory) and waits until the removal is on
// disk, so that no run pays for the one before.
inline void clear_uploads(const Daemon& daemon) {
    for (const auto& entry : fs::directory_iterator(daemon.work())) {
        if (entry.path().filename().string().rfind(".clipshare", 0) != 0) {
            std::error_code ignored;
            fs::remove_all(entry.path(), ignored);
        }
    }
    int fd = open(daemon.work().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    syncfs(fd);
    close(fd);
}

// `mib` MiB written to `file` in 1 MiB blocks, then fsync (dd conv=fsync); MiB/s.
inline double raw_write_fsync(const fs::path& file, std::int64_t mib) {
    int fd = open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    Bytes block(1 << 20, 'd');
    auto start = std::chrono::steady_clock::now();
    for (std::int64_t i = 0; i < mib; ++i) {
        if (write(fd, block.data(), block.size()) != static_cast<ssize_t>(block.size())) break;
    }
    fsync(fd);
    double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    close(fd);
    fs::remove(file);
    sync();
    return static_cast<double>(mib) / elapsed;
}

inline const char* binary_label(std::size_t i) {
    return i == 0 ? "new" : "old";
}

inline void writeback_ack_delays(const WritebackSettings& s,
                                 const std::function<void(const std::string&, double)>& record) {
    if (s.slow_dir.empty()) {
        std::printf("(no --slow-dir: ack delays on a throttled disk not measured)\n");
        return;
    }
    std::printf("ack delay after the last byte, v4 Send Files into %s:\n", s.slow_dir.c_str());
    std::vector<std::unique_ptr<Daemon>> daemons;
    for (const auto& binary : s.binaries) {
        daemons.push_back(std::make_unique<Daemon>(binary, "", Daemon::machine_server, s.slow_dir));
    }
    for (std::int64_t mib : {20, 50, 100}) {
        for (std::size_t i = 0; i < daemons.size(); ++i) {
            clear_uploads(*daemons[i]);
            auto t = timed_upload(*daemons[i], mib, 4);
            std::string key =
                std::string{"writeback.ack."} + binary_label(i) + "." + std::to_string(mib) + "mib";
            std::printf("%-30s ack %6.2f s after the last byte   (%5.1f MiB/s overall)%s\n",
                        key.c_str(), t.after_last_byte, t.mib_per_second,
                        t.ok ? "" : "   (FAILED)");
            record(key + ".seconds_after_last_byte", t.after_last_byte);
            record(key + ".mib_per_second", t.mib_per_second);
        }
    }
    for (auto& daemon : daemons) clear_uploads(*daemon);
}

inline void writeback_throughput(const WritebackSettings& s,
                                 const std::function<double(const fs::path&, bool)>& pump,
                                 const std::function<void(const std::string&, double)>& record) {
    std::printf("\nupload throughput, %lld MiB on %s, %d interleaved rounds (MiB/s):\n",
                static_cast<long long>(s.mib), fs::temp_directory_path().c_str(), s.rounds);
    std::vector<std::unique_ptr<Daemon>> daemons;
    for (const auto& binary : s.binaries) daemons.push_back(std::make_unique<Daemon>(binary, ""));
    std::string router = Daemon::machine_server;
    router.replace(router.find("\"1GiB\""), 6, "\"16MiB\"");
    daemons.push_back(std::make_unique<Daemon>(s.binaries[0], "", router));
    fs::path shm = "/dev/shm";
    bool tmpfs = fs::is_directory(shm) && fs::temp_directory_path() != shm;
    if (tmpfs) {
        daemons.push_back(std::make_unique<Daemon>(s.binaries[0], "", Daemon::machine_server, shm));
    }
    fs::path scratch = daemons[0]->dir() / "raw.bin";
    std::vector<std::string> names = {"raw write+fsync", "loopback->file+fsync",
                                      "loopback->file (no fsync)"};
    std::vector<std::string> keys = {"raw_write_fsync", "loopback_file_fsync",
                                     "loopback_file_no_fsync"};
    for (std::size_t i = 0; i < s.binaries.size(); ++i) {
        names.push_back(std::string{"v1 upload, "} + binary_label(i));
        keys.push_back(std::string{"v1_upload_"} + binary_label(i));
    }
    names.push_back("v1 upload, new, 16 MiB budget");
    keys.push_back("v1_upload_new_router_budget");
    if (tmpfs) {
        names.push_back("tmpfs: loopback->file (no fsync)");
        keys.push_back("tmpfs_loopback_file_no_fsync");
        names.push_back("tmpfs: v1 upload, new");
        keys.push_back("tmpfs_v1_upload_new");
    }
    std::vector<std::vector<double>> figures(names.size());
    for (int round = 0; round < s.rounds; ++round) {
        figures[0].push_back(raw_write_fsync(scratch, s.mib));
        figures[1].push_back(pump(scratch, true));
        sync();
        figures[2].push_back(pump(scratch, false));
        sync();
        std::size_t n = 3;
        for (std::size_t i = 0; i < daemons.size(); ++i, ++n) {
            if (tmpfs && i + 1 == daemons.size()) {
                figures[n++].push_back(pump(daemons[i]->dir() / "raw.bin", false));
            }
            auto t = timed_upload(*daemons[i], s.mib, 1);
            figures[n].push_back(t.ok ? t.mib_per_second : 0);
            clear_uploads(*daemons[i]);
        }
    }
    double raw_fsync = *std::max_element(figures[0].begin(), figures[0].end());
    double no_fsync = *std::max_element(figures[2].begin(), figures[2].end());
    for (std::size_t n = 0; n < names.size(); ++n) {
        double best = *std::max_element(figures[n].begin(), figures[n].end());
        std::printf("  %-33s best %6.0f   (", names[n].c_str(), best);
        for (double f : figures[n]) std::printf(" %.0f", f);
        std::printf(" )   %.2f x raw write+fsync, %.2f x no fsync\n", best / raw_fsync,
                    best / no_fsync);
        record("writeback.throughput." + keys[n] + ".best_mib_per_second", best);
    }
    if (tmpfs) {
        double pump_best =
            *std::max_element(figures[names.size() - 2].begin(), figures[names.size() - 2].end());
        double daemon_best = *std::max_element(figures.back().begin(), figures.back().end());
        std::printf("  tmpfs: the daemon's intake is %.2f x a socket pumped into a tmpfs file\n",
                    daemon_best / pump_best);
    }
}

}  // namespace bench
