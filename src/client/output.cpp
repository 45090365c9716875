#include "client/output.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "client/errors.hpp"

namespace clipshare::client {
namespace fs = std::filesystem;

void DescriptorSink::write(std::span<const std::uint8_t> bytes) {
    while (!bytes.empty()) {
        ssize_t n = ::write(fd_, bytes.data(), bytes.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) fail(Exit::failure, "cannot write to " + name_ + ": " + std::strerror(errno));
        bytes = bytes.subspan(static_cast<std::size_t>(n));
    }
}

AtomicFileSink::AtomicFileSink(fs::path path) : path_(std::move(path)) {
    fs::path directory = path_.parent_path().empty() ? fs::path{"."} : path_.parent_path();
    std::string pattern = (directory / ("." + path_.filename().string() + ".XXXXXX")).string();
    fd_ = mkostemp(pattern.data(), O_CLOEXEC);
    if (fd_ < 0) {
        fail(Exit::failure,
             "cannot create a file next to " + path_.string() + ": " + std::strerror(errno));
    }
    temp_ = pattern;
    // mkostemp makes 0600; a saved image should get the usual permissions.
    mode_t mask = umask(0);
    umask(mask);
    fchmod(fd_, 0666 & ~mask);
}

AtomicFileSink::~AtomicFileSink() {
    if (fd_ >= 0) ::close(fd_);
    if (!temp_.empty()) ::unlink(temp_.c_str());
}

void AtomicFileSink::write(std::span<const std::uint8_t> bytes) {
    DescriptorSink{fd_, path_.string()}.write(bytes);
}

void AtomicFileSink::finish() {
    if (fsync(fd_) != 0 || ::close(fd_) != 0) {
        fd_ = -1;
        fail(Exit::failure, "cannot write " + path_.string() + ": " + std::strerror(errno));
    }
    fd_ = -1;
    if (::rename(temp_.c_str(), path_.c_str()) != 0) {
        fail(Exit::failure, "cannot write " + path_.string() + ": " + std::strerror(errno));
    }
    temp_.clear();
}

DirectoryFiles::DirectoryFiles(const fs::path& directory)
    : writer_(std::make_unique<BatchWriter>(directory)) {
    // The writer opens the directory only with the first entry; a directory we cannot
    // use should fail before we connect, not after the server started sending.
    int fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        fail(Exit::failure, "cannot use " + directory.string() + ": " + std::strerror(errno));
    }
    ::close(fd);
}

DirectoryFiles::~DirectoryFiles() = default;  // the writer removes an uncommitted batch

void DirectoryFiles::check(const std::string& error) {
    if (!error.empty()) fail(Exit::failure, error);
}

void DirectoryFiles::directory(const std::string& path) {
    check(writer_->add_directory(path));
}

void DirectoryFiles::begin_file(const std::string& path, std::int64_t size) {
    check(writer_->begin_file(path, size));
}

void DirectoryFiles::write(std::span<const std::uint8_t> bytes) {
    check(writer_->write(bytes));
}

void DirectoryFiles::end_file() {
    check(writer_->end_file());
}

std::vector<std::string> DirectoryFiles::commit() {
    std::vector<PlacedItem> placed;
    check(writer_->commit(placed));
    std::vector<std::string> names;
    for (const auto& item : placed) names.push_back(item.name);
    return names;
}

}  // namespace clipshare::client
