// Where downloaded data goes. The protocol code streams into these; the command layer
// decides whether that is stdout, a file written atomically, or a directory (and tests
// decide it is memory).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace clipshare::client {

class ByteSink {
public:
    virtual ~ByteSink() = default;
    virtual void write(std::span<const std::uint8_t> bytes) = 0;
    // Everything arrived: make it final. A sink destroyed before this leaves nothing behind.
    virtual void finish() {}
};

// A batch of files and directories. Paths are normalized and conflict-free by the time they
// get here; files come one at a time.
class ReceivedFiles {
public:
    virtual ~ReceivedFiles() = default;
    virtual void directory(const std::string& path) = 0;
    virtual void begin_file(const std::string& path, std::int64_t size) = 0;
    virtual void write(std::span<const std::uint8_t> bytes) = 0;
    virtual void end_file() = 0;
    // Everything arrived: put it in place. Returns the top-level names as placed (they may
    // differ from the received ones when a name was taken). Destroyed before this, the batch
    // leaves nothing behind.
    virtual std::vector<std::string> commit() = 0;
};

}  // namespace clipshare::client
