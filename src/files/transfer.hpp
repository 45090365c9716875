// What the protocol needs from the disk: receiving a batch atomically, listing what Get Files
// sends, and reading one file. Every call may complete later (the disk is used from libuv's
// thread pool), so results come back through callbacks on the loop thread.
//
// Completions follow the callback rule of clipboard/clipboard.hpp: never inside the call
// that asked, always on a later loop turn. DiskFiles keeps it by construction (every
// completion is a WorkQueue `done`, run from libuv's after-work callback).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "files/placed_item.hpp"

namespace clipshare {

// One entry of a Get Files reply, in wire order.
struct FileEntry {
    std::string name;              // relative, '/'-separated (v1: the base name)
    std::int64_t size = 0;         // -1: an empty directory (v3+)
    std::filesystem::path source;  // where the bytes come from (messages; the client's own files)
    // The daemon opens `relative` below `base` one segment at a time (files/below.hpp),
    // never `source`: a directory swapped for a symlink on the way cannot lead outside.
    std::filesystem::path base;
    std::string relative;
};

// A batch being received into a hidden temporary directory. Calls are carried out in order;
// each reports "" or an error. Destroying a batch that was not committed removes everything
// it wrote.
class IncomingBatch {
public:
    using Done = std::function<void(std::string error)>;

    virtual ~IncomingBatch() = default;
    // Paths are normalized (files/names.hpp) and conflict-free (BatchPlan).
    virtual void add_directory(std::string path, Done done) = 0;
    virtual void begin_file(std::string path, std::int64_t size, Done done) = 0;
    // Asks room for `bytes` more of declared file content, at once and before any of it
    // arrives ([storage] max_bytes): "" or why working_dir cannot hold it (the upload is
    // then refused). Without a quota there is always room.
    virtual std::string reserve(std::int64_t /*bytes*/) { return {}; }
    virtual void write(std::vector<std::uint8_t> chunk, Done done) = 0;
    // The same, giving the chunk's buffer back with the result so that the producer fills it
    // again. A fresh buffer per chunk costs a page fault per 4 KiB: allocators hand large
    // blocks back to the system when freed, and on a fast disk those faults cost the
    // daemon half its upload intake. Batches that cannot give it back give back nothing.
    using Reusing = std::function<void(std::string error, std::vector<std::uint8_t> spent)>;
    virtual void write_reusing(std::vector<std::uint8_t> chunk, Reusing done) {
        write(std::move(chunk),
              [done = std::move(done)](std::string error) { done(std::move(error), {}); });
    }
    virtual void end_file(Done done) = 0;
    // Moves each top-level entry into working_dir (name, 1_name, 2_name, ...), all or
    // nothing, across crashes too (files/commit_journal.hpp).
    virtual void commit(std::function<void(std::string error, std::vector<PlacedItem>)> done) = 0;
    // Takes a committed batch back out of working_dir, for when what should follow the
    // commit (saving the clipboard) failed: all or nothing holds to the end.
    virtual void uncommit(Done done) = 0;
    // The committed batch is on the clipboard too: its journal is no longer needed and goes
    // (after this, start-up recovery has nothing to finish for it).
    virtual void finish(Done done) = 0;
    // Steps handed over and not yet carried out: a producer stops feeding above a few.
    virtual std::size_t pending_steps() const = 0;
};

// The entries of one Get Files reply, walked twice: once to count them (the count goes
// first on the wire), then again to send them a window at a time. Nothing of the walk is
// kept between the two but its position.
class FileListing {
public:
    virtual ~FileListing() = default;
    // The number of entries (the whole walk, once).
    virtual void count(std::function<void(std::string error, std::int64_t count)> done) = 0;
    // The next entries in wire order; none at the end.
    virtual void next(std::function<void(std::string error, std::vector<FileEntry>)> done) = 0;
};

// One file being sent. The first read opens it; any read fails when the file is no longer
// the size it was listed with.
class OutgoingFile {
public:
    using Done = std::function<void(std::string error, std::vector<std::uint8_t> chunk)>;

    virtual ~OutgoingFile() = default;
    virtual void read(std::size_t max_bytes, Done done) = 0;
};

class FileService {
public:
    virtual ~FileService() = default;

    virtual std::unique_ptr<IncomingBatch> begin_batch() = 0;
    // The entries Get Files sends in `version` for these top-level items: sorted, symlinks
    // skipped, every file opened once to check it. Items that no longer exist are skipped.
    virtual std::unique_ptr<FileListing> list(std::vector<std::filesystem::path> roots,
                                              int version) = 0;
    virtual std::unique_ptr<OutgoingFile> open(FileEntry entry) = 0;
};

}  // namespace clipshare
