// In-memory stand-ins for the session's host, clipboard and disk, so that method machines
// can be driven byte by byte without sockets or files. The clipboard and the disk answer at
// once, or, given a Loop, on its next turn (the callback rule of clipboard/clipboard.hpp);
// the host can keep what is sent as pending output until the test drains it.
#pragma once

#include <algorithm>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "proto/session.hpp"
#include "util/next_turn.hpp"

namespace clipshare::fake {

using Bytes = std::vector<std::uint8_t>;

// An event loop the test turns by hand.
struct Loop final : NextTurn {
    std::deque<std::function<void()>> tasks;

    void post(std::function<void()> task) override { tasks.push_back(std::move(task)); }
    // Runs what was posted before this turn; what that posts waits for the next. False when
    // there was nothing to run.
    bool turn() {
        auto now = std::move(tasks);
        tasks.clear();
        for (auto& task : now) task();
        return !now.empty();
    }
    void run() {
        while (turn()) {
        }
    }
};

// Runs `task` at once, or on `later`'s next turn when there is one.
inline void answer(Loop* later, std::function<void()> task) {
    if (later != nullptr) return later->post(std::move(task));
    task();
}

struct Host final : SessionHost {
    Bytes sent;
    int messages = 0;
    bool finished = false;
    bool aborted = false;
    bool paused = false;
    std::string note;
    // With hold_output, what is sent stays pending (as in a socket nobody reads) until the
    // test drains it.
    bool hold_output = false;
    std::size_t pending = 0;
    // Bytes the transport adds per 64 sent, as TLS records' headers and tags do.
    std::size_t framing_per_64 = 0;

    void send(Bytes message) override {
        ++messages;
        if (hold_output) pending += message.size() + message.size() * framing_per_64 / 64;
        sent.insert(sent.end(), message.begin(), message.end());
    }
    void finish(std::string_view why) override {
        finished = true;
        note = std::string{why};
    }
    void abort(std::string_view why) override {
        aborted = true;
        note = std::string{why};
    }
    void pause_input() override { paused = true; }
    void resume_input() override { paused = false; }
    std::size_t pending_output() const override { return pending; }
    // What the transport asks producers to queue beyond their window (TLS sealed on the pool).
    std::size_t ahead = 0;
    std::size_t write_ahead() const override { return ahead; }
};

struct Clipboard final : clipshare::Clipboard {
    ContentKind current = ContentKind::empty;
    std::string text;
    std::vector<std::filesystem::path> files;
    std::vector<PlacedItem> placed;
    std::optional<Image> image;
    std::optional<Image> screen;
    std::int64_t last_display = 0;
    std::string fail_with;
    Loop* later = nullptr;

    void kind(std::function<void(ContentKind)> done) override {
        answer(later, [done, kind = current] { done(kind); });
    }
    void get_text(std::function<void(SharedBytes)> done) override {
        SharedBytes value = current == ContentKind::text ? make_shared_bytes(text) : nullptr;
        answer(later, [done, value] { done(value); });
    }
    void set_text(SharedBytes value, Done done) override {
        if (fail_with.empty()) {
            current = ContentKind::text;
            text = value->bytes;
        }
        answer(later, [done, error = fail_with] { done(error); });
    }
    void get_files(
        std::function<void(std::optional<std::vector<std::filesystem::path>>)> done) override {
        std::optional<std::vector<std::filesystem::path>> value;
        if (current == ContentKind::files) value = files;
        answer(later, [done, value] { done(value); });
    }
    void set_files(std::vector<PlacedItem> items, Done done) override {
        if (fail_with.empty()) {
            current = ContentKind::files;
            placed = std::move(items);
        }
        answer(later, [done, error = fail_with] { done(error); });
    }
    void get_image(std::function<void(std::optional<Image>)> done) override {
        answer(later, [done, value = image] { done(value); });
    }
    void screenshot(std::int64_t display, std::function<void(std::optional<Image>)> done) override {
        last_display = display;
        answer(later, [done, value = screen] { done(value); });
    }
};

// Files live in a map from path to content; "directories" are entries with size -1.
struct Files final : FileService {
    std::map<std::string, std::string> disk;  // what the listing serves, by source path
    std::vector<FileEntry> listing;           // returned by list() as is
    // What the last batch did, in order: "dir a", "file a/b 3", "write 3", "end", "commit".
    std::vector<std::string> log;
    std::vector<PlacedItem> to_place;
    std::string fail_on;  // a log prefix that fails
    Loop* later = nullptr;
    // Batch steps asked for and not yet answered, and the most there ever were.
    std::size_t steps_pending = 0;
    std::size_t most_steps_pending = 0;

    // Like BatchWriter, once a step failed every later one fails, commit included.
    struct Batch final : IncomingBatch {
        Files& files;
        bool failed = false;
        explicit Batch(Files& owner) : files(owner) {}
        ~Batch() override { files.log.push_back("destroyed"); }
        void step(const std::string& what, const Done& done) {
            files.log.push_back(what);
            failed = failed || (!files.fail_on.empty() && what.rfind(files.fail_on, 0) == 0);
            files.most_steps_pending = std::max(files.most_steps_pending, ++files.steps_pending);
            answer(files.later, [&owner = files, done, fails = failed] {
                --owner.steps_pending;
                done(fails ? "disk says no" : "");
            });
        }
        void add_directory(std::string path, Done done) override { step("dir " + path, done); }
        void begin_file(std::string path, std::int64_t size, Done done) override {
            step("file " + path + " " + std::to_string(size), done);
        }
        void write(Bytes chunk, Done done) override {
            files.written += std::string(chunk.begin(), chunk.end());
            step("write " + std::to_string(chunk.size()), done);
        }
        void end_file(Done done) override { step("end", done); }
        void uncommit(Done done) override { step("uncommit", done); }
        void finish(Done done) override { step("finish", done); }
        std::size_t pending_steps() const override { return files.steps_pending; }
        void commit(std::function<void(std::string, std::vector<PlacedItem>)> done) override {
            files.log.push_back("commit");
            if (failed) return answer(files.later, [done] { done("disk says no", {}); });
            answer(files.later, [done, placed = files.to_place] { done({}, placed); });
        }
    };
    std::string written;

    struct Reader final : OutgoingFile {
        std::string data;
        std::size_t offset = 0;
        Loop* later = nullptr;
        void read(std::size_t max_bytes, Done done) override {
            auto n = std::min(max_bytes, data.size() - offset);
            Bytes chunk(data.begin() + static_cast<std::ptrdiff_t>(offset),
                        data.begin() + static_cast<std::ptrdiff_t>(offset + n));
            offset += n;
            answer(later, [done, chunk] { done({}, chunk); });
        }
    };

    // Hands out `listing` as is: counted, then in one window, then the end.
    struct Listing final : FileListing {
        std::vector<FileEntry> entries;
        bool given = false;
        Loop* later = nullptr;
        void count(std::function<void(std::string, std::int64_t)> done) override {
            answer(later, [done, n = static_cast<std::int64_t>(entries.size())] { done({}, n); });
        }
        void next(std::function<void(std::string, std::vector<FileEntry>)> done) override {
            std::vector<FileEntry> window;
            if (!given) window = entries;
            given = true;
            answer(later, [done, window] { done({}, window); });
        }
    };

    std::unique_ptr<IncomingBatch> begin_batch() override { return std::make_unique<Batch>(*this); }
    std::unique_ptr<FileListing> list(std::vector<std::filesystem::path>, int) override {
        auto out = std::make_unique<Listing>();
        out->entries = listing;
        out->later = later;
        return out;
    }
    std::unique_ptr<OutgoingFile> open(FileEntry entry) override {
        auto reader = std::make_unique<Reader>();
        reader->data = disk[entry.source.string()];
        reader->later = later;
        return reader;
    }
};

}  // namespace clipshare::fake
