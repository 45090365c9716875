// Runs blocking work (disk I/O) on libuv's thread pool, one task at a time and in order, and
// calls each task's `done` back on the loop thread. Tasks of one queue never overlap, so a
// file can be written by a series of tasks without locks.
//
// The owner may go away while a task runs: destroying the queue drops the `done` callbacks
// that have not run yet, but every queued `work` still runs (clean-up work included), and
// the loop keeps running until it has.
#pragma once

#include <uv.h>

#include <deque>
#include <functional>
#include <memory>
#include <new>
#include <vector>

#include "util/log.hpp"

namespace clipshare {

class WorkQueue {
public:
    explicit WorkQueue(uv_loop_t* loop) : shared_(std::make_shared<Shared>()) {
        shared_->loop = loop;
    }
    ~WorkQueue() {
        shared_->owner_alive = false;
        for (auto& task : shared_->tasks) task.done = nullptr;
    }
    WorkQueue(const WorkQueue&) = delete;
    WorkQueue& operator=(const WorkQueue&) = delete;

    // `work` runs on a pool thread and must touch only what it captured; `done` runs on the
    // loop afterwards (unless the queue is gone by then).
    void post(std::function<void()> work, std::function<void()> done = nullptr) {
        shared_->tasks.push_back({std::move(work), std::move(done)});
        if (!shared_->running) start_next(shared_);
    }

    bool idle() const { return !shared_->running && shared_->tasks.empty(); }

private:
    struct Task {
        std::function<void()> work;
        std::function<void()> done;
    };
    struct Shared {
        uv_loop_t* loop = nullptr;
        std::deque<Task> tasks;
        bool running = false;
        bool owner_alive = true;
    };
    // One trip to the pool carries every task queued by then (up to a bound): a batch of
    // many small files costs a few thread hand-offs, not two per step.
    static constexpr std::size_t max_tasks_per_trip = 64;

    struct Request {
        uv_work_t request{};
        std::shared_ptr<Shared> shared;
        std::vector<Task> tasks;
        std::vector<char> out_of_memory;
    };

    static void start_next(const std::shared_ptr<Shared>& shared) {
        if (shared->tasks.empty()) {
            shared->running = false;
            return;
        }
        auto request = std::make_unique<Request>();
        request->shared = shared;
        while (!shared->tasks.empty() && request->tasks.size() < max_tasks_per_trip) {
            request->tasks.push_back(std::move(shared->tasks.front()));
            shared->tasks.pop_front();
        }
        request->out_of_memory.assign(request->tasks.size(), 0);
        shared->running = true;
        int rc = uv_queue_work(shared->loop, &request->request, &run_tasks, &finish_tasks);
        if (rc == 0) {
            request.release();  // owned by libuv until the after-work callback
        } else {
            // Cannot happen with a valid loop; run inline rather than lose clean-up work.
            auto* raw = request.release();
            run_tasks(&raw->request);
            finish_tasks(&raw->request, 0);
        }
    }

    static void run_tasks(uv_work_t* raw) {
        auto* request = reinterpret_cast<Request*>(raw);
        for (std::size_t i = 0; i < request->tasks.size(); ++i) {
            // Work reports its own failures through what it captured; an exception here
            // would end the process from a pool thread. Memory is the only one expected.
            try {
                request->tasks[i].work();
            } catch (const std::bad_alloc&) {
                request->out_of_memory[i] = 1;
            }
        }
    }

    static void finish_tasks(uv_work_t* raw, int) {
        std::unique_ptr<Request> finished{reinterpret_cast<Request*>(raw)};
        auto shared = finished->shared;
        for (std::size_t i = 0; i < finished->tasks.size(); ++i) {
            // A `done` may destroy the queue's owner: look again before each.
            auto& task = finished->tasks[i];
            if (finished->out_of_memory[i]) {
                // Its result is incomplete: its owner is not told, and times out.
                LOG_ERROR("out of memory in a disk task; its result is dropped");
            } else if (shared->owner_alive && task.done) {
                try {
                    task.done();
                } catch (const std::bad_alloc&) {
                    LOG_ERROR("out of memory finishing a disk task; its result is dropped");
                }
            }
        }
        start_next(shared);
    }

    std::shared_ptr<Shared> shared_;
};

}  // namespace clipshare
