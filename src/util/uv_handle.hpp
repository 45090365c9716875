// Ownership of libuv handles. libuv may still touch a handle after uv_close() until the
// close callback runs, so the handle's memory must outlive its owner: UvHandle allocates it
// separately and frees it only in the close callback. Owners keep themselves in
// handle->data; close() clears it, so callbacks that arrive late (a write cancelled by the
// close) can tell that their owner is gone.
#pragma once

#include <uv.h>

#include <memory>
#include <type_traits>

namespace clipshare {

template <typename T>
class UvHandle {
public:
    using AfterClose = void (*)(void* context);

    UvHandle() : box_(std::make_unique<Box>()) {}
    ~UvHandle() { close(); }
    UvHandle(const UvHandle&) = delete;
    UvHandle& operator=(const UvHandle&) = delete;

    T* get() const { return box_ ? &box_->handle : nullptr; }
    uv_handle_t* base() const { return reinterpret_cast<uv_handle_t*>(get()); }
    uv_stream_t* stream() const { return reinterpret_cast<uv_stream_t*>(get()); }

    // Call after the uv_*_init function succeeded; only then does the handle need uv_close.
    void mark_initialized() { initialized_ = true; }
    bool open() const { return box_ != nullptr; }

    // Closes the handle; `after_close(context)` runs from the close callback, once libuv is
    // done with it. Safe to call more than once.
    void close(AfterClose after_close = nullptr, void* context = nullptr) {
        if (!box_) return;
        if (!initialized_) {
            box_.reset();
            if (after_close) after_close(context);
            return;
        }
        Box* box = box_.release();
        box->after_close = after_close;
        box->context = context;
        box->handle.data = nullptr;
        uv_close(reinterpret_cast<uv_handle_t*>(&box->handle), [](uv_handle_t* closed) {
            std::unique_ptr<Box> owned{reinterpret_cast<Box*>(closed)};
            if (owned->after_close) owned->after_close(owned->context);
        });
    }

private:
    struct Box {
        T handle{};  // first member, so a pointer to it is a pointer to the Box
        AfterClose after_close = nullptr;
        void* context = nullptr;
    };
    static_assert(std::is_standard_layout_v<Box>);

    std::unique_ptr<Box> box_;
    bool initialized_ = false;
};

}  // namespace clipshare
