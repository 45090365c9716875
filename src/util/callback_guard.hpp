// Kept apart from util/work_queue.hpp so that the protocol core can guard its callbacks
// without libuv.
#pragma once

#include <functional>
#include <memory>
#include <new>
#include <utility>

#include "util/log.hpp"

namespace clipshare {

// Makes callbacks that do nothing once their owner is destroyed: for replies that come back
// from the thread pool or a child process after a connection has gone. An owner may name
// what to do when a callback runs out of memory (end its exchange); without one the
// failure is logged and the callback dropped.
class CallbackGuard {
public:
    CallbackGuard() = default;
    explicit CallbackGuard(std::function<void()> on_out_of_memory)
        : token_(std::make_shared<Token>(Token{std::move(on_out_of_memory)})) {}

    template <typename F>
    auto wrap(F function) {
        return [alive = std::weak_ptr<Token>(token_),
                function = std::move(function)](auto&&... args) mutable {
            if (alive.expired()) return;
            try {
                function(std::forward<decltype(args)>(args)...);
            } catch (const std::bad_alloc&) {
                auto token = alive.lock();
                if (token && token->on_out_of_memory) {
                    token->on_out_of_memory();
                } else {
                    LOG_ERROR("out of memory in a callback; it is dropped");
                }
            }
        };
    }

private:
    struct Token {
        std::function<void()> on_out_of_memory;
    };
    std::shared_ptr<Token> token_ = std::make_shared<Token>();
};

}  // namespace clipshare
