// The real sinks: standard output, a file replaced atomically, and a directory that receives
// batches with the daemon's own safe writer (files/batch_writer.hpp).
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "client/sinks.hpp"
#include "files/batch_writer.hpp"

namespace clipshare::client {

// Writes to a file descriptor the caller keeps (stdout).
class DescriptorSink final : public ByteSink {
public:
    explicit DescriptorSink(int fd, std::string name) : fd_(fd), name_(std::move(name)) {}
    void write(std::span<const std::uint8_t> bytes) override;

private:
    int fd_;
    std::string name_;
};

// Writes into a temporary file next to `path` and renames it over `path` on finish(), so
// that `path` is either the old file or the whole new one, never a torn mix.
class AtomicFileSink final : public ByteSink {
public:
    explicit AtomicFileSink(std::filesystem::path path);
    ~AtomicFileSink() override;
    AtomicFileSink(const AtomicFileSink&) = delete;
    AtomicFileSink& operator=(const AtomicFileSink&) = delete;

    void write(std::span<const std::uint8_t> bytes) override;
    void finish() override;

private:
    std::filesystem::path path_;
    std::filesystem::path temp_;
    int fd_ = -1;
};

// Receives batches into an existing directory with the rules the daemon applies to its
// working_dir (SPEC.md section 5): a hidden temporary directory, O_NOFOLLOW below it, then
// name, 1_name, 2_name, ... for each top-level entry.
class DirectoryFiles final : public ReceivedFiles {
public:
    explicit DirectoryFiles(const std::filesystem::path& directory);
    ~DirectoryFiles() override;
    DirectoryFiles(const DirectoryFiles&) = delete;
    DirectoryFiles& operator=(const DirectoryFiles&) = delete;

    void directory(const std::string& path) override;
    void begin_file(const std::string& path, std::int64_t size) override;
    void write(std::span<const std::uint8_t> bytes) override;
    void end_file() override;
    std::vector<std::string> commit() override;

private:
    void check(const std::string& error);

    std::unique_ptr<BatchWriter> writer_;
};

}  // namespace clipshare::client
