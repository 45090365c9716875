// What a WebSession needs of the connection that carries it (server/WebConnection).
#pragma once

#include <cstdint>
#include <vector>

namespace clipshare {

class WebHost {
public:
    virtual void send(std::vector<std::uint8_t> bytes) = 0;
    // The last response is queued: close once it is out.
    virtual void finish() = 0;
    virtual void pause_input() = 0;
    virtual void resume_input() = 0;
    virtual std::size_t pending_output() const = 0;

protected:
    ~WebHost() = default;
};

}  // namespace clipshare
