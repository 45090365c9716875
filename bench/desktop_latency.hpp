// Bench part 6 (--only desktop): what the desktop clipboard costs per request. Get Text and
// Send Text, one client, step by step, against the store backend and against the x11 preset
// under a private Xvfb, the preset's programs spawned directly and the same programs
// configured as shell lines (how the preset ran before: /bin/sh -c, then xclip).
#pragma once

#include <functional>
#include <string>

namespace bench {

struct DesktopSettings {
    std::string binary;
    double seconds = 2;
};

void desktop_latency(const DesktopSettings& settings,
                     const std::function<void(const std::string&, double)>& record);

}  // namespace bench
