#include "net/seal_offload.hpp"

#include <mutex>
#include <new>
#include <utility>

namespace clipshare {

// What the loop and the worker hand each other, under the mutex.
struct SealOffload::Shared {
    std::mutex mutex;
    std::deque<std::vector<std::uint8_t>> inbox;  // plaintext, for the worker
    struct Sealed {
        std::vector<std::uint8_t> wire;
        std::size_t plaintext = 0;
    };
    std::deque<Sealed> outbox;   // by the worker, for the loop
    uv_async_t* wake = nullptr;  // nullptr once the owner is gone

    void notify() {
        if (wake != nullptr) uv_async_send(wake);
    }
};

// One job on the pool: seals what comes while there is plaintext.
struct SealOffload::Worker {
    std::shared_ptr<const TlsContext> context;  // before the engine: it outlives it
    std::shared_ptr<TlsEngine> engine;
    std::shared_ptr<Shared> shared;
    bool failed = false;

    void run() {
        for (;;) {
            std::vector<std::uint8_t> plaintext;
            {
                std::lock_guard lock{shared->mutex};
                if (shared->inbox.empty()) return;
                plaintext = std::move(shared->inbox.front());
                shared->inbox.pop_front();
            }
            Shared::Sealed sealed;
            sealed.plaintext = plaintext.size();
            try {
                // Above what the piece's records can take: the engine reserves room for all
                // of them at once and seals them in one call.
                const std::size_t limit = plaintext.size() + plaintext.size() / 8 + 1024;
                const auto taken = engine->write(plaintext, limit);
                if (!taken || *taken != plaintext.size()) {
                    failed = true;
                    return;
                }
                sealed.wire = engine->take_output();
            } catch (const std::bad_alloc&) {
                failed = true;
                return;
            }
            std::lock_guard lock{shared->mutex};
            shared->outbox.push_back(std::move(sealed));
            shared->notify();
        }
    }
};

std::unique_ptr<SealOffload> SealOffload::create(uv_loop_t* loop, std::function<void()> progress) {
    if (!supported()) return nullptr;
    std::unique_ptr<SealOffload> offload{new SealOffload(loop, std::move(progress))};
    auto* raw = offload.get();
    if (!offload->wake_.init(loop, [raw] { raw->progress_(); })) return nullptr;
    offload->shared_->wake = offload->wake_.async();
    return offload;
}

SealOffload::SealOffload(uv_loop_t* loop, std::function<void()> progress)
    : progress_(std::move(progress)), queue_(loop), shared_(std::make_shared<Shared>()) {}

SealOffload::~SealOffload() {
    std::lock_guard lock{shared_->mutex};
    shared_->wake = nullptr;  // a worker still running tells nobody
}

void SealOffload::queue(std::vector<std::uint8_t> plaintext) {
    pending_ += plaintext.size();
    std::lock_guard lock{shared_->mutex};
    shared_->inbox.push_back(std::move(plaintext));
}

void SealOffload::start(const std::shared_ptr<TlsEngine>& engine,
                        const std::shared_ptr<const TlsContext>& context) {
    if (busy_ || failed_) return;
    {
        std::lock_guard lock{shared_->mutex};
        if (shared_->inbox.empty()) return;
    }
    auto worker = std::make_shared<Worker>();
    worker->context = context;
    worker->engine = engine;
    worker->shared = shared_;
    busy_ = true;
    queue_.post([worker] { worker->run(); },
                [this, worker] {
                    busy_ = false;
                    failed_ = failed_ || worker->failed;
                    progress_();
                });
}

std::vector<std::vector<std::uint8_t>> SealOffload::collect() {
    std::vector<std::vector<std::uint8_t>> out;
    std::lock_guard lock{shared_->mutex};
    while (!shared_->outbox.empty()) {
        pending_ -= shared_->outbox.front().plaintext;
        sealed_ += shared_->outbox.front().plaintext;
        out.push_back(std::move(shared_->outbox.front().wire));
        shared_->outbox.pop_front();
    }
    return out;
}

}  // namespace clipshare
