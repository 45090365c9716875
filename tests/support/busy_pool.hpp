// Holds every thread of libuv's pool busy until the test says so, so that work queued
// meanwhile waits: what happens while the pool is away is decided by the test, not by timing.
#pragma once

#include <uv.h>

#include <cstdlib>
#include <future>
#include <memory>

namespace clipshare::test {

class BusyPool {
public:
    // One blocking job per pool thread (libuv's default of 4, or UV_THREADPOOL_SIZE), queued
    // on `loop`; work queued after them starts once release() is called. `ok()` is false if
    // libuv refused a job.
    explicit BusyPool(uv_loop_t* loop) {
        const char* size = std::getenv("UV_THREADPOOL_SIZE");
        const int threads = size != nullptr ? std::atoi(size) : 4;
        gate_ = released_.get_future().share();
        for (int i = 0; i < threads; ++i) {
            auto work = std::make_unique<Work>();
            work->gate = gate_;
            const int rc = uv_queue_work(
                loop, &work->request,
                [](uv_work_t* request) { reinterpret_cast<Work*>(request)->gate.wait(); },
                [](uv_work_t* request, int) {
                    std::unique_ptr<Work> done{reinterpret_cast<Work*>(request)};
                });
            if (rc != 0) {
                ok_ = false;
                continue;
            }
            work.release();  // libuv's until its after-work callback
        }
    }
    // Released at the latest here, so that the loop that owns the jobs can finish them.
    ~BusyPool() { release(); }
    BusyPool(const BusyPool&) = delete;
    BusyPool& operator=(const BusyPool&) = delete;

    bool ok() const { return ok_; }
    bool released() const { return released_flag_; }
    void release() {
        if (!released_flag_) released_.set_value();
        released_flag_ = true;
    }

private:
    struct Work {
        uv_work_t request{};  // first: libuv hands back its address
        std::shared_future<void> gate;
    };
    std::promise<void> released_;
    std::shared_future<void> gate_;
    bool released_flag_ = false;
    bool ok_ = true;
};

}  // namespace clipshare::test
