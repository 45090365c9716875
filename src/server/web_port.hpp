// The web port's connections (meson -Dweb): the server admits a browser's connection as it
// admits any other, then hands it here. Only web_port.cpp knows the web layer; a build
// without web access links web_port_unavailable.cpp instead and none of web/, and the
// server refuses [web] enabled = true before any port opens (web_unavailable below).
#pragma once

#include <uv.h>

#include <functional>
#include <memory>
#include <string>

#include "clipboard/clipboard.hpp"
#include "config/config.hpp"
#include "files/transfer.hpp"
#include "net/stream.hpp"
#include "proto/batch_committer.hpp"
#include "util/memory_budget.hpp"

namespace clipshare {

// "" when this build serves [web] as configured, else the one line that says why not.
std::string web_unavailable(const Config& config);

// A connection the server admitted on the web port, with what it was counted as.
struct WebArrival {
    std::unique_ptr<Stream> stream;
    MemoryCharge baseline;
    std::string address;
    bool tls = false;
};

struct WebServices {
    Clipboard* clipboard = nullptr;  // answers on a later turn (DeferredClipboard)
    FileService* files = nullptr;
    BatchCommitter* committer = nullptr;
    MemoryBudget* budget = nullptr;
};

class WebPort {
public:
    // Told once per connection, after it closed, with the address and port it was counted on.
    using Closed = std::function<void(const std::string& address, bool tls)>;

    WebPort(uv_loop_t* loop, Closed closed);
    ~WebPort();
    WebPort(const WebPort&) = delete;
    WebPort& operator=(const WebPort&) = delete;

    // Serves the connection under `config` (the one in force when it came) until it closes.
    void add(const Config& config, const WebServices& services, WebArrival arrival);
    // Ends every connection (the daemon stops); each still reports its close.
    void stop_all();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace clipshare
