// A browser driven over the Chrome DevTools Protocol through --remote-debugging-pipe: the
// browser reads commands on its fd 3 and writes replies and events on its fd 4, each message
// one JSON text ended by a NUL byte. No websocket, nothing downloaded: Debian's chromium and
// two pipes.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <deque>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "support/json.hpp"
#include "support/temp_dir.hpp"

namespace clipshare::test {

struct CdpReply {
    Json result;        // the command's result (null on error)
    std::string error;  // the browser's error message, or ours (timeout, closed pipe)
    bool ok() const { return error.empty(); }
};

class Browser {
public:
    // Starts `chromium` headless with a fresh profile in a temporary directory; its own
    // output goes to a file there (see log()). Null when it cannot be started.
    static std::unique_ptr<Browser> launch(const std::filesystem::path& chromium);
    ~Browser();
    Browser(const Browser&) = delete;
    Browser& operator=(const Browser&) = delete;

    // Sends `method` with `params` (a JSON object text) to the browser or, with a session id,
    // to one page, and waits up to `patience` for its reply. Events that come meanwhile are
    // kept for wait_event and events().
    CdpReply call(std::string_view method, std::string_view params = "{}",
                  std::string_view session = {},
                  std::chrono::milliseconds patience = std::chrono::seconds{30});

    // The params of the first event named `method` not yet taken (waiting up to `patience`
    // for one to come); null when none came.
    Json wait_event(std::string_view method,
                    std::chrono::milliseconds patience = std::chrono::seconds{20});

    // Every event received so far, whole ({"method", "params", "sessionId"}), in order.
    const std::vector<Json>& events() const { return seen_; }

    // Reads what has arrived without waiting, so that events() is current.
    void drain();

    std::string log() const;

private:
    Browser() = default;
    // Reads one more message, waiting up to `patience`; false on timeout or a closed pipe.
    bool read_message(std::chrono::milliseconds patience);

    TempDir dir_{"clipshare-browser"};
    pid_t pid_ = -1;
    int to_browser_ = -1;
    int from_browser_ = -1;
    long next_id_ = 1;
    std::string buffer_;
    std::deque<Json> pending_replies_;
    std::deque<Json> pending_events_;
    std::vector<Json> seen_;
};

// A page of the browser, attached in flat mode: its commands carry its session id.
class BrowserPage {
public:
    // Opens about:blank in a new target and enables the Page, Runtime and Log domains.
    explicit BrowserPage(Browser& browser);

    const std::string& session() const { return session_; }
    bool ready() const { return !session_.empty(); }
    CdpReply call(std::string_view method, std::string_view params = "{}") {
        return browser_.call(method, params, session_);
    }
    // Navigates and waits for the load event; false when it did not come.
    bool navigate(const std::string& url);
    // Evaluates `expression` (awaiting a promise it gives) and returns its value; `error`
    // says what went wrong (an exception in the page included).
    Json evaluate(const std::string& expression, std::string* error = nullptr);
    // This page's events only.
    std::vector<Json> events() const;

private:
    Browser& browser_;
    std::string session_;
};

// Base64 (as Page.captureScreenshot answers) to bytes; empty on bad input.
std::string base64_decode(std::string_view text);

}  // namespace clipshare::test
