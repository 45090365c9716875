// The uv_async_t through which a worker on libuv's thread pool wakes its owner on the loop
// (RecordOffload, SealOffload). It does not keep the loop running: only a worker's reports
// come through it. The worker must not hold this object, which goes with its owner: the owner
// hands the worker async() inside state they share, and clears it there, under their mutex,
// before it goes (a worker still running then tells nobody).
#pragma once

#include <uv.h>

#include <functional>
#include <utility>

#include "util/uv_handle.hpp"

namespace clipshare {

class WorkerWake {
public:
    // On the loop thread: false if libuv cannot set it up. `on_wake` runs on the loop, once
    // for one or more uv_async_send calls.
    bool init(uv_loop_t* loop, std::function<void()> on_wake) {
        on_wake_ = std::move(on_wake);
        if (uv_async_init(loop, handle_.get(), [](uv_async_t* async) {
                auto* self = static_cast<WorkerWake*>(async->data);
                if (self != nullptr) self->on_wake_();
            }) != 0) {
            return false;
        }
        handle_.mark_initialized();
        handle_.get()->data = this;
        uv_unref(handle_.base());
        return true;
    }

    uv_async_t* async() const { return handle_.get(); }

private:
    std::function<void()> on_wake_;
    UvHandle<uv_async_t> handle_;  // closed (and its data cleared) with the owner
};

}  // namespace clipshare
