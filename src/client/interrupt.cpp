#include "client/interrupt.hpp"

#include <csignal>

#include "client/errors.hpp"

namespace clipshare::client {
namespace {

volatile std::sig_atomic_t signal_seen = 0;

}  // namespace

void install_interrupt_handlers() {
    struct sigaction action {};
    action.sa_handler = [](int number) { signal_seen = number; };
    sigemptyset(&action.sa_mask);
    action.sa_flags = 0;  // no SA_RESTART: the blocking poll() must return EINTR
    sigaction(SIGINT, &action, nullptr);
    sigaction(SIGTERM, &action, nullptr);
}

bool interrupted() {
    return signal_seen != 0;
}

void check_interrupted() {
    if (interrupted()) fail(Exit::interrupted, "interrupted");
}

}  // namespace clipshare::client
