// libFuzzer harness: arbitrary bytes into a session of every version, over the real
// DiskFiles on a temporary working directory, an in-memory clipboard (answering on the
// loop's next turn, as the daemon's does) and a small memory budget. After each input the
// loop is drained and: the working directory holds no temporary upload directory and
// nothing deeper than max_path_depth, nothing was written outside it, and every byte
// charged to the budget was given back. While the input runs, the budget is never exceeded
// by more than the small forced charges (one read held).
#include <uv.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>

#include "../unit/fakes.hpp"
#include "clipboard/deferred_clipboard.hpp"
#include "files/disk_files.hpp"
#include "proto/session.hpp"
#include "server/uv_next_turn.hpp"

namespace {

namespace fs = std::filesystem;
using namespace clipshare;

constexpr std::size_t max_depth = 6;
constexpr std::size_t budget_limit = 1 << 20;
// Charges that may pass the limit: input held while paused (one read) and status replies.
constexpr std::size_t forced_slack = 64 * 1024;

struct World {
    uv_loop_t loop{};
    fs::path root;
    fs::path work;
    std::unique_ptr<DiskFiles> files;
    fake::Clipboard clipboard;
    std::unique_ptr<UvNextTurn> next_turn;
    std::unique_ptr<DeferredClipboard> deferred;
    MemoryBudget budget{budget_limit};

    World() {
        uv_loop_init(&loop);
        // tmpfs when there is one: uploads fsync, and on a disk that would be most of the time.
        fs::path base = fs::exists("/dev/shm") ? fs::path{"/dev/shm"} : fs::temp_directory_path();
        root = base / ("clipshare-fuzz-" + std::to_string(std::random_device{}()));
        work = root / "work";
        fs::create_directories(work);
        files = std::make_unique<DiskFiles>(&loop, work, max_depth);
        if (!files->open().empty()) std::abort();
        next_turn = std::make_unique<UvNextTurn>(&loop);
        deferred = std::make_unique<DeferredClipboard>(clipboard, *next_turn);
    }
};

World& world() {
    static World instance;
    return instance;
}

// A host that drops output and remembers whether input is paused.
struct Host final : SessionHost {
    bool paused = false;
    bool ended = false;
    void send(std::vector<std::uint8_t>) override {}
    void finish(std::string_view) override { ended = true; }
    void abort(std::string_view) override { ended = true; }
    void pause_input() override { paused = true; }
    void resume_input() override { paused = false; }
    std::size_t pending_output() const override { return 0; }
};

void drain(uv_loop_t* loop) {
    uv_run(loop, UV_RUN_DEFAULT);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    World& w = world();
    // The first byte picks how the rest is cut into reads, so split fields get exercised.
    std::size_t piece = data[0] % 9 + 1;
    data += 1;
    size -= 1;

    SessionSettings settings;
    settings.limits.max_file_size = 1 << 20;
    settings.limits.max_file_count = 64;
    settings.limits.max_text_length = 1 << 16;
    settings.limits.max_path_depth = max_depth;
    settings.limits.max_batch_name_bytes = 8192;
    settings.info_name = "fuzz";

    w.clipboard.current = ContentKind::files;
    w.clipboard.files = {w.work / "a", w.work / "missing"};
    {
        Host host;
        auto session = std::make_unique<Session>(
            settings, host, Services{w.deferred.get(), w.files.get(), &w.budget});
        std::size_t at = 0;
        while (at < size && session->active()) {
            // Respect the pause the way the real transport does: nothing is read until the
            // session asks again. A pause with nothing left to wake it is a deadlock.
            while (host.paused && session->active()) {
                if (uv_run(&w.loop, UV_RUN_ONCE) == 0 && host.paused && session->active()) {
                    __builtin_trap();
                }
            }
            auto n = std::min(piece, size - at);
            session->feed({data + at, n});
            at += n;
            if (w.budget.used() > budget_limit + forced_slack) __builtin_trap();
        }
        if (session->active()) session->on_peer_end();
        drain(&w.loop);
        session.reset();
        drain(&w.loop);
    }
    // Invariants: every charge given back; no batch left half-done; nothing deeper than the
    // limit; nothing escaped the working directory.
    if (w.budget.used() != 0) __builtin_trap();
    for (const auto& entry : fs::directory_iterator(w.work)) {
        if (entry.path().filename().string().rfind(".clipshare-upload-", 0) == 0) __builtin_trap();
    }
    for (auto it = fs::recursive_directory_iterator(w.work);
         it != fs::recursive_directory_iterator(); ++it) {
        if (static_cast<std::size_t>(it.depth()) >= max_depth) __builtin_trap();
    }
    for (const auto& entry : fs::directory_iterator(w.root)) {
        if (entry.path() != w.work) __builtin_trap();
    }
    // Start the next input from a clean slate.
    for (const auto& entry : fs::directory_iterator(w.work)) fs::remove_all(entry.path());
    return 0;
}
