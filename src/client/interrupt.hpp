// Ctrl-C and SIGTERM while a transfer blocks: the handlers only set a flag and interrupt
// the blocking call (no SA_RESTART), and the waiting code turns that into a ClientError, so
// that destructors remove every partial file on the way out.
#pragma once

namespace clipshare::client {

void install_interrupt_handlers();
bool interrupted();
// Throws ClientError(Exit::interrupted) once a signal came.
void check_interrupted();

}  // namespace clipshare::client
