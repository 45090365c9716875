#include "server/uv_next_turn.hpp"

#include <utility>

namespace clipshare {

UvNextTurn::UvNextTurn(uv_loop_t* loop) {
    uv_idle_init(loop, idle_.get());
    idle_.mark_initialized();
    idle_.get()->data = this;
}

void UvNextTurn::post(std::function<void()> task) {
    tasks_.push_back(std::move(task));
    if (tasks_.size() == 1) uv_idle_start(idle_.get(), &on_idle);
}

void UvNextTurn::on_idle(uv_idle_t* idle) {
    auto* self = static_cast<UvNextTurn*>(idle->data);
    if (self == nullptr) return;
    // Tasks posted by these go to the next turn, so one turn never runs without end.
    auto tasks = std::move(self->tasks_);
    self->tasks_.clear();
    uv_idle_stop(idle);
    for (auto& task : tasks) task();
}

}  // namespace clipshare
