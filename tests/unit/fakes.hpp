// In-memory stand-ins for the session's host, clipboard and disk, answering synchronously,
// so that method machines can be driven byte by byte without sockets or files.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "proto/session.hpp"

namespace clipshare::fake {

using Bytes = std::vector<std::uint8_t>;

struct Host final : SessionHost {
    Bytes sent;
    int messages = 0;
    bool finished = false;
    bool aborted = false;
    bool paused = false;
    std::string note;

    void send(Bytes message) override {
        ++messages;
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
    std::size_t pending_output() const override { return 0; }
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

    void kind(std::function<void(ContentKind)> done) override { done(current); }
    void get_text(std::function<void(SharedBytes)> done) override {
        if (current != ContentKind::text) return done(nullptr);
        done(make_shared_bytes(text));
    }
    void set_text(SharedBytes value, Done done) override {
        if (!fail_with.empty()) return done(fail_with);
        current = ContentKind::text;
        text = value->bytes;
        done({});
    }
    void get_files(
        std::function<void(std::optional<std::vector<std::filesystem::path>>)> done) override {
        if (current != ContentKind::files) return done(std::nullopt);
        done(files);
    }
    void set_files(std::vector<PlacedItem> items, Done done) override {
        if (!fail_with.empty()) return done(fail_with);
        current = ContentKind::files;
        placed = std::move(items);
        done({});
    }
    void get_image(std::function<void(std::optional<Image>)> done) override { done(image); }
    void screenshot(std::int64_t display, std::function<void(std::optional<Image>)> done) override {
        last_display = display;
        done(screen);
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

    struct Batch final : IncomingBatch {
        Files& files;
        explicit Batch(Files& owner) : files(owner) {}
        ~Batch() override { files.log.push_back("destroyed"); }
        void step(const std::string& what, const Done& done) {
            files.log.push_back(what);
            done(!files.fail_on.empty() && what.rfind(files.fail_on, 0) == 0 ? "disk says no" : "");
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
        std::size_t pending_steps() const override { return 0; }
        void commit(std::function<void(std::string, std::vector<PlacedItem>)> done) override {
            files.log.push_back("commit");
            done({}, files.to_place);
        }
    };
    std::string written;

    struct Reader final : OutgoingFile {
        std::string data;
        std::size_t offset = 0;
        void read(std::size_t max_bytes, Done done) override {
            auto n = std::min(max_bytes, data.size() - offset);
            Bytes chunk(data.begin() + static_cast<std::ptrdiff_t>(offset),
                        data.begin() + static_cast<std::ptrdiff_t>(offset + n));
            offset += n;
            done({}, std::move(chunk));
        }
    };

    // Hands out `listing` as is: counted, then in one window, then the end.
    struct Listing final : FileListing {
        std::vector<FileEntry> entries;
        bool given = false;
        void count(std::function<void(std::string, std::int64_t)> done) override {
            done({}, static_cast<std::int64_t>(entries.size()));
        }
        void next(std::function<void(std::string, std::vector<FileEntry>)> done) override {
            if (given) return done({}, {});
            given = true;
            done({}, entries);
        }
    };

    std::unique_ptr<IncomingBatch> begin_batch() override { return std::make_unique<Batch>(*this); }
    std::unique_ptr<FileListing> list(std::vector<std::filesystem::path>, int) override {
        auto out = std::make_unique<Listing>();
        out->entries = listing;
        return out;
    }
    std::unique_ptr<OutgoingFile> open(FileEntry entry) override {
        auto reader = std::make_unique<Reader>();
        reader->data = disk[entry.source.string()];
        return reader;
    }
};

}  // namespace clipshare::fake
