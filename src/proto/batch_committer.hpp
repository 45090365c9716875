// Finishes received batches on the daemon's behalf. Once every byte of a batch has arrived,
// placing it and putting it on the clipboard is no longer the connection's business: the
// client may reset, the daemon may be asked to stop, and still disk and clipboard end up in
// agreement (the batch is placed and is the clipboard's content, or neither). The committer
// owns each batch from then on and reports to the session only if it is still there.
#pragma once

#include <functional>
#include <list>
#include <memory>
#include <string>

#include "clipboard/clipboard.hpp"
#include "files/transfer.hpp"

namespace clipshare {

class BatchCommitter {
public:
    using Done = std::function<void(std::string error, std::size_t entries)>;

    explicit BatchCommitter(Clipboard& clipboard) : clipboard_(clipboard) {}
    BatchCommitter(const BatchCommitter&) = delete;
    BatchCommitter& operator=(const BatchCommitter&) = delete;

    // Places `batch` and makes it the clipboard's content; if saving the clipboard fails,
    // takes the batch back out. `done` ("" or why not, and how many top-level entries were
    // placed) is called unless the caller's guard has dropped it meanwhile.
    void commit(std::unique_ptr<IncomingBatch> batch, Done done);

    std::size_t in_progress() const { return batches_.size(); }

private:
    using Slot = std::list<std::unique_ptr<IncomingBatch>>::iterator;
    void finish(Slot slot, const std::string& error, std::size_t entries, const Done& done);

    Clipboard& clipboard_;
    std::list<std::unique_ptr<IncomingBatch>> batches_;
};

}  // namespace clipshare
