#include "net/record_offload.hpp"

#include <algorithm>
#include <mutex>
#include <new>
#include <utility>

namespace clipshare {
namespace {

bool ends_input(TlsEngine::ReadResult::Kind stop) {
    return stop == TlsEngine::ReadResult::Kind::ended ||
           stop == TlsEngine::ReadResult::Kind::failed;
}

}  // namespace

// What the loop and the worker hand each other, under the mutex.
struct RecordOffload::Shared {
    std::mutex mutex;
    std::vector<std::uint8_t> inbox;  // ciphertext, for the worker
    std::deque<Block> opened;         // by the worker, for the loop
    std::vector<std::vector<std::uint8_t>> free_blocks;
    std::uint64_t opened_bytes = 0;
    uv_async_t* wake = nullptr;  // nullptr once the owner is gone

    // Under the mutex: the loop looks at what changed.
    void notify() {
        if (wake != nullptr) uv_async_send(wake);
    }
};

// One job on the pool: opens what comes while there is input and a free block.
struct RecordOffload::Worker {
    // Declared before the engine, so destroyed after it: the engine points into the
    // context's configuration.
    std::shared_ptr<const TlsContext> context;
    std::shared_ptr<TlsEngine> engine;
    std::shared_ptr<Shared> shared;
    bool starved = false;  // ended for want of input
    bool stopped = false;  // the session's input ended, or failed

    void run() {
        std::vector<std::uint8_t> ciphertext;
        Block block;
        bool have_block = false;
        // The engine wants input: it opened all it holds. Until then the queue stays put, so
        // the ciphertext the engine holds is never more than one queue's worth.
        bool needs_input = true;
        for (;;) {
            {
                std::lock_guard lock{shared->mutex};
                bool done = false;
                if (!have_block) {
                    if (shared->free_blocks.empty()) {
                        done = true;  // the loop has all of them: it goes on once one is free
                    } else {
                        block = Block{std::move(shared->free_blocks.back())};
                        shared->free_blocks.pop_back();
                        have_block = true;
                    }
                }
                ciphertext.clear();
                if (!done && needs_input) {
                    ciphertext.swap(shared->inbox);  // the inbox keeps the spent capacity
                    done = ciphertext.empty() && starved;
                    // Room in the queue again: a loop that stopped reading at the cap may
                    // read on. (Below it, the loop reads anyway.)
                    if (ciphertext.size() >= ciphertext_cap) shared->notify();
                }
                if (done) {
                    if (have_block) hand_over(std::move(block));
                    return;
                }
            }
            open(ciphertext, block);
            starved = block.stop == TlsEngine::ReadResult::Kind::want_more;
            needs_input = starved;
            stopped = ends_input(block.stop);
            if (block.size == block.bytes.size() || stopped) {
                std::lock_guard lock{shared->mutex};
                hand_over(std::move(block));
                have_block = false;
            }
            if (stopped) return;
        }
    }

    // Under the mutex: an empty block goes back to the free ones, a filled one to the loop.
    void hand_over(Block block) {
        if (block.size == 0 && !ends_input(block.stop)) {
            shared->free_blocks.push_back(std::move(block.bytes));
            return;
        }
        shared->opened_bytes += block.size;
        shared->opened.push_back(std::move(block));
        shared->notify();
    }

    void open(std::span<const std::uint8_t> ciphertext, Block& block) {
        try {
            if (ciphertext.empty()) {
                fill(block);
            } else {
                // Read in place; what no record took yet (a partial one, or the rest once
                // the block is full) is copied into the engine for the next round.
                auto lent = engine->lend(ciphertext);
                fill(block);
                lent.keep_rest();
            }
        } catch (const std::bad_alloc&) {
            // Part of the input is lost: the session cannot go on. The engine has no
            // failure of its own to tell; the stream says it ran out of memory.
            block.stop = TlsEngine::ReadResult::Kind::failed;
        }
    }

    void fill(Block& block) {
        while (block.size < block.bytes.size()) {
            auto result = engine->read(std::span{block.bytes}.subspan(block.size));
            if (result.kind != TlsEngine::ReadResult::Kind::data) {
                block.stop = result.kind;
                return;
            }
            block.size += result.bytes;
        }
        block.stop = TlsEngine::ReadResult::Kind::data;  // full: more may be waiting
    }
};

std::unique_ptr<RecordOffload> RecordOffload::create(uv_loop_t* loop, MemoryBudget& budget,
                                                     std::function<void()> progress) {
    if (!supported()) return nullptr;
    if (!budget.can_spare(memory)) return nullptr;
    MemoryCharge charge{&budget, MemoryBudget::Share::work};
    if (!charge.resize(memory)) return nullptr;
    std::unique_ptr<RecordOffload> offload{
        new RecordOffload(loop, std::move(charge), std::move(progress))};
    auto* raw = offload.get();
    if (!offload->wake_.init(loop, [raw] { raw->progress_(); })) return nullptr;
    offload->shared_->wake = offload->wake_.async();
    return offload;
}

RecordOffload::RecordOffload(uv_loop_t* loop, MemoryCharge charge, std::function<void()> progress)
    : charge_(std::move(charge)),
      progress_(std::move(progress)),
      queue_(loop),
      shared_(std::make_shared<Shared>()) {
    for (std::size_t i = 0; i < blocks; ++i) {
        shared_->free_blocks.emplace_back(block_size);
    }
}

RecordOffload::~RecordOffload() {
    std::lock_guard lock{shared_->mutex};
    shared_->wake = nullptr;  // a worker still running tells nobody
}

void RecordOffload::queue_ciphertext(std::span<const std::uint8_t> bytes) {
    if (bytes.empty()) return;
    std::lock_guard lock{shared_->mutex};
    shared_->inbox.insert(shared_->inbox.end(), bytes.begin(), bytes.end());
    starved_ = false;
}

bool RecordOffload::wants_ciphertext() const {
    return queued_ciphertext() < ciphertext_cap;
}

std::size_t RecordOffload::queued_ciphertext() const {
    std::lock_guard lock{shared_->mutex};
    return shared_->inbox.size();
}

std::size_t RecordOffload::held_bytes() const {
    std::size_t held = 0;
    for (const Block& block : ready_) held += block.size - block.offset;
    std::lock_guard lock{shared_->mutex};
    held += shared_->inbox.size();
    for (const Block& block : shared_->opened) held += block.size;
    return held;
}

std::uint64_t RecordOffload::opened_bytes() const {
    std::lock_guard lock{shared_->mutex};
    return shared_->opened_bytes;
}

void RecordOffload::start(const std::shared_ptr<TlsEngine>& engine,
                          const std::shared_ptr<const TlsContext>& context, bool engine_pending) {
    if (busy_ || stopped_) return;
    {
        std::lock_guard lock{shared_->mutex};
        if (shared_->free_blocks.empty()) return;
        if (shared_->inbox.empty() && (starved_ || !engine_pending)) return;
    }
    auto worker = std::make_shared<Worker>();
    worker->context = context;
    worker->engine = engine;
    worker->shared = shared_;
    busy_ = true;
    queue_.post([worker] { worker->run(); },
                [this, worker] { on_worker_done(worker->starved, worker->stopped); });
}

void RecordOffload::on_worker_done(bool starved, bool stopped) {
    busy_ = false;
    starved_ = starved;
    stopped_ = stopped;
    progress_();
}

void RecordOffload::collect() {
    std::lock_guard lock{shared_->mutex};
    while (!shared_->opened.empty()) {
        ready_.push_back(std::move(shared_->opened.front()));
        shared_->opened.pop_front();
    }
}

std::span<const std::uint8_t> RecordOffload::plaintext() const {
    for (const Block& block : ready_) {
        if (block.offset < block.size) {
            return std::span{block.bytes}.subspan(block.offset, block.size - block.offset);
        }
        if (ends_input(block.stop)) return {};  // nothing is delivered past the end
    }
    return {};
}

void RecordOffload::delivered(std::size_t bytes) {
    drop_spent_blocks();
    if (!ready_.empty()) {
        Block& front = ready_.front();
        front.offset += std::min(bytes, front.size - front.offset);
    }
    drop_spent_blocks();
}

// Delivered blocks go back to the worker, unless they carry the outcome.
void RecordOffload::drop_spent_blocks() {
    while (!ready_.empty() && ready_.front().offset == ready_.front().size &&
           !ends_input(ready_.front().stop)) {
        std::lock_guard lock{shared_->mutex};
        shared_->free_blocks.push_back(std::move(ready_.front().bytes));
        ready_.pop_front();
    }
}

std::optional<TlsEngine::ReadResult::Kind> RecordOffload::outcome() const {
    for (const Block& block : ready_) {
        if (block.offset < block.size) return std::nullopt;
        if (ends_input(block.stop)) return block.stop;
    }
    return std::nullopt;
}

}  // namespace clipshare
