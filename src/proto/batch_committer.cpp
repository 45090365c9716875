#include "proto/batch_committer.hpp"

namespace clipshare {

void BatchCommitter::commit(std::unique_ptr<IncomingBatch> batch, Done done) {
    batches_.push_front(std::move(batch));
    Slot slot = batches_.begin();
    (*slot)->commit([this, slot, done = std::move(done)](std::string error,
                                                         std::vector<PlacedItem> placed) mutable {
        if (!error.empty()) return finish(slot, error, 0, done);
        auto entries = placed.size();
        clipboard_.set_files(std::move(placed), [this, slot, entries, done](std::string error) {
            if (error.empty()) {
                // Placed and on the clipboard: the journal goes, then the client hears.
                return (*slot)->finish(
                    [this, slot, entries, done](std::string) { finish(slot, {}, entries, done); });
            }
            // All or nothing to the end: the batch goes back out of working_dir.
            (*slot)->uncommit(
                [this, slot, error, done](std::string) { finish(slot, error, 0, done); });
        });
    });
}

void BatchCommitter::finish(Slot slot, const std::string& error, std::size_t entries,
                            const Done& done) {
    // An uncommitted batch is removed with it.
    batches_.erase(slot);
    done(error, entries);
}

}  // namespace clipshare
