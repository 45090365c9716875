// Soak: N clients for T seconds doing mixed methods against a fresh clipshared, checking
// every answer; prints the counts and the daemon's memory at the start and the end.
// Usage: soak [--binary PATH] [--clients N] [--seconds T]
#include <atomic>
#include <cstring>
#include <map>
#include <mutex>

#include "support.hpp"

using namespace bench;

namespace {

enum Method { info, send_text, get_text, send_files, get_files, get_any, method_count };
const char* const method_names[] = {"info",       "send_text", "get_text",
                                    "send_files", "get_files", "get_any"};

struct Counts {
    std::atomic<long> ok{0};
    std::atomic<long> wrong{0};   // an answer that breaks the protocol or the content rules
    std::atomic<long> failed{0};  // the connection failed
};
Counts counts[method_count];

std::string file_content(const std::string& name) {
    return name + ":" + name;
}

// Reads one i64-prefixed field.
bool read_string(int fd, std::string& out, std::int64_t limit = 1 << 26) {
    std::uint8_t n[8];
    if (!recv_exact(fd, n, 8)) return false;
    auto size = decode_i64(n);
    if (size < 0 || size > limit) return false;
    out.resize(static_cast<std::size_t>(size));
    return recv_exact(fd, reinterpret_cast<std::uint8_t*>(out.data()), out.size());
}

// Every entry's content must be what soak clients upload for that name.
bool check_files(int fd) {
    std::uint8_t n[8];
    if (!recv_exact(fd, n, 8)) return false;
    auto count = decode_i64(n);
    if (count < 1 || count > 1000) return false;
    for (std::int64_t i = 0; i < count; ++i) {
        std::string name, content;
        if (!read_string(fd, name, 4096)) return false;
        if (!read_string(fd, content)) return false;
        if (content != file_content(name)) return false;
    }
    return true;
}

// 1 = right, 0 = wrong answer, -1 = connection failed.
int exchange(std::uint16_t port, Method method, const std::string& tag) {
    int fd = connect_to(port);
    if (fd < 0) return -1;
    int result = 0;
    std::uint8_t head[3];
    switch (method) {
        case info: {
            send_all(fd, Bytes{4, 125, 1});
            auto got = recv_all(fd);
            result = got == Bytes{1, 1} + i64(10) + bytes_of("clip_share") ? 1 : 0;
            break;
        }
        case send_text: {
            send_all(fd, Bytes{4, 2} + i64(static_cast<std::int64_t>(tag.size())) + bytes_of(tag));
            result = recv_all(fd) == Bytes{1, 1, 1} ? 1 : 0;
            break;
        }
        case get_text: {
            send_all(fd, Bytes{4, 1});
            if (!recv_exact(fd, head, 2)) break;
            if (head[0] == 1 && head[1] == 2) {
                result = 1;  // the clipboard holds files just now
                break;
            }
            std::string text;
            result = head[1] == 1 && read_string(fd, text) && text.rfind("soak-", 0) == 0;
            send_all(fd, Bytes{1});
            break;
        }
        case send_files: {
            std::string name = tag + ".txt";
            auto content = file_content(name);
            send_all(fd, Bytes{4, 4} + i64(1) + i64(static_cast<std::int64_t>(name.size())) +
                             bytes_of(name) + i64(static_cast<std::int64_t>(content.size())) +
                             bytes_of(content));
            result = recv_all(fd) == Bytes{1, 1, 1} ? 1 : 0;
            break;
        }
        case get_files: {
            send_all(fd, Bytes{4, 3});
            if (!recv_exact(fd, head, 2)) break;
            if (head[1] == 2) {
                result = 1;  // text just now
                break;
            }
            result = head[1] == 1 && check_files(fd);
            send_all(fd, Bytes{1});
            break;
        }
        case get_any: {
            send_all(fd, Bytes{4, 124});
            if (!recv_exact(fd, head, 2)) break;
            if (head[1] == 2) {
                result = 1;
                break;
            }
            if (head[1] != 1 || !recv_exact(fd, head + 2, 1)) break;
            std::string text;
            if (head[2] == 1) result = read_string(fd, text) && text.rfind("soak-", 0) == 0;
            if (head[2] == 2) result = check_files(fd);
            send_all(fd, Bytes{1});
            break;
        }
        case method_count:
            break;
    }
    close(fd);
    return result;
}

}  // namespace

int main(int argc, char** argv) {
    std::string binary = "build/src/clipshared";
    int clients = 16;
    int seconds = 30;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!std::strcmp(argv[i], "--binary")) binary = argv[i + 1];
        if (!std::strcmp(argv[i], "--clients")) clients = std::atoi(argv[i + 1]);
        if (!std::strcmp(argv[i], "--seconds")) seconds = std::atoi(argv[i + 1]);
    }
    Daemon daemon{binary, ""};
    long rss_start = rss_kib(daemon.pid());
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
    std::vector<std::thread> threads;
    for (int c = 0; c < clients; ++c) {
        threads.emplace_back([&, c] {
            for (long i = 0; std::chrono::steady_clock::now() < deadline; ++i) {
                auto method = static_cast<Method>((c + i) % method_count);
                auto tag = "soak-" + std::to_string(c) + "-" + std::to_string(i);
                int result = exchange(daemon.port(), method, tag);
                auto& count = counts[method];
                (result > 0 ? count.ok : result == 0 ? count.wrong : count.failed)++;
            }
        });
    }
    for (auto& t : threads) t.join();
    long rss_end = rss_kib(daemon.pid());

    long total_ok = 0, total_bad = 0;
    std::printf("%-12s %10s %8s %8s\n", "method", "ok", "wrong", "failed");
    for (int m = 0; m < method_count; ++m) {
        std::printf("%-12s %10ld %8ld %8ld\n", method_names[m], counts[m].ok.load(),
                    counts[m].wrong.load(), counts[m].failed.load());
        total_ok += counts[m].ok;
        total_bad += counts[m].wrong + counts[m].failed;
    }
    std::printf("%d clients, %d s: %ld exchanges checked (%.0f/s), %ld bad\n", clients, seconds,
                total_ok + total_bad, static_cast<double>(total_ok + total_bad) / seconds,
                total_bad);
    std::printf("daemon RSS: start %ld KiB, end %ld KiB, peak %ld KiB\n", rss_start, rss_end,
                proc_status_kib(daemon.pid(), "VmHWM"));
    return total_bad == 0 ? 0 : 1;
}
