#include "support/cdp.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "support/files.hpp"
#include "support/process.hpp"

namespace clipshare::test {
namespace {

using Clock = std::chrono::steady_clock;

// A descriptor of ours moved above the browser's 3 and 4, closed on exec.
int above_four(int fd) {
    int moved = fcntl(fd, F_DUPFD_CLOEXEC, 10);
    close(fd);
    return moved;
}

}  // namespace

std::unique_ptr<Browser> Browser::launch(const std::filesystem::path& chromium) {
    std::unique_ptr<Browser> browser{new Browser};
    const auto profile = browser->dir_.path() / "profile";
    const auto log = browser->dir_.path() / "chromium.log";
    std::vector<std::string> args = {
        chromium.string(), "--headless", "--remote-debugging-pipe",
        "--user-data-dir=" + profile.string(),
        // Nothing but the test's own page: no first-run pages, updates, sync or phoning home.
        "--no-first-run", "--no-default-browser-check", "--disable-background-networking",
        "--disable-component-update", "--disable-default-apps", "--disable-sync",
        "--disable-extensions", "--disable-domain-reliability", "--disable-breakpad",
        "--disable-client-side-phishing-detection", "--password-store=basic", "--use-mock-keychain",
        "--mute-audio", "--disable-gpu", "about:blank"};
    // Chromium's sandbox refuses to run as root.
    if (geteuid() == 0) args.insert(args.begin() + 1, "--no-sandbox");

    int to[2];
    int from[2];
    if (pipe(to) != 0) return nullptr;
    if (pipe(from) != 0) {
        close(to[0]);
        close(to[1]);
        return nullptr;
    }
    int child_reads = above_four(to[0]);
    int child_writes = above_four(from[1]);
    browser->to_browser_ = above_four(to[1]);
    browser->from_browser_ = above_four(from[0]);

    std::vector<char*> argv;
    for (auto& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    std::string log_path = log.string();

    pid_t pid = fork();
    if (pid < 0) return nullptr;
    if (pid == 0) {
        // Its own process group, so that its helpers (zygote, renderers) go with it.
        setpgid(0, 0);
        int out = open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int null_in = open("/dev/null", O_RDONLY);
        if (out < 0 || null_in < 0 || dup2(null_in, 0) < 0 || dup2(out, 1) < 0 ||
            dup2(out, 2) < 0 || dup2(child_reads, 3) < 0 || dup2(child_writes, 4) < 0) {
            _exit(127);
        }
        execv(argv[0], argv.data());
        _exit(127);
    }
    close(child_reads);
    close(child_writes);
    browser->pid_ = pid;
    // The browser answers once it is up: ask for its version, which needs no target.
    if (!browser->call("Browser.getVersion").ok()) return nullptr;
    return browser;
}

Browser::~Browser() {
    if (pid_ > 0) {
        call("Browser.close", "{}", {}, std::chrono::seconds{5});
        bool reaped = false;
        signal_and_reap(pid_, SIGTERM, std::chrono::seconds{10}, reaped);
        kill(-pid_, SIGKILL);  // helpers it left behind, in its own group
    }
    if (to_browser_ >= 0) close(to_browser_);
    if (from_browser_ >= 0) close(from_browser_);
}

std::string Browser::log() const {
    return read_file(dir_.path() / "chromium.log");
}

CdpReply Browser::call(std::string_view method, std::string_view params, std::string_view session,
                       std::chrono::milliseconds patience) {
    const long id = next_id_++;
    std::string message = "{\"id\":" + std::to_string(id) + ",\"method\":" + json_quote(method) +
                          ",\"params\":" + std::string{params};
    if (!session.empty()) message += ",\"sessionId\":" + json_quote(session);
    message += "}";
    message += '\0';
    std::size_t sent = 0;
    while (sent < message.size()) {
        ssize_t n = write(to_browser_, message.data() + sent, message.size() - sent);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return {{}, "the browser's pipe is closed"};
        sent += static_cast<std::size_t>(n);
    }
    const auto deadline = Clock::now() + patience;
    for (;;) {
        for (auto it = pending_replies_.begin(); it != pending_replies_.end(); ++it) {
            if ((*it)["id"].number() != static_cast<double>(id)) continue;
            Json reply = std::move(*it);
            pending_replies_.erase(it);
            if (reply.has("error")) {
                return {{}, reply["error"]["message"].string() + " (" + std::string{method} + ")"};
            }
            return {reply["result"], {}};
        }
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        if (left.count() <= 0 || !read_message(left)) {
            return {{}, "no reply to " + std::string{method}};
        }
    }
}

Json Browser::wait_event(std::string_view method, std::chrono::milliseconds patience) {
    const auto deadline = Clock::now() + patience;
    for (;;) {
        for (auto it = pending_events_.begin(); it != pending_events_.end(); ++it) {
            if ((*it)["method"].string() != method) continue;
            Json params = (*it)["params"];
            pending_events_.erase(it);
            return params;
        }
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        if (left.count() <= 0 || !read_message(left)) return {};
    }
}

void Browser::drain() {
    while (read_message(std::chrono::milliseconds{0})) {
    }
}

bool Browser::read_message(std::chrono::milliseconds patience) {
    const auto deadline = Clock::now() + patience;
    for (;;) {
        auto end = buffer_.find('\0');
        if (end != std::string::npos) {
            auto message = Json::parse(std::string_view{buffer_}.substr(0, end));
            buffer_.erase(0, end + 1);
            if (!message) continue;  // not JSON: nothing we could use
            if (message->has("id")) {
                pending_replies_.push_back(std::move(*message));
            } else {
                seen_.push_back(*message);
                pending_events_.push_back(std::move(*message));
            }
            return true;
        }
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        pollfd ready{from_browser_, POLLIN, 0};
        int n = poll(&ready, 1, static_cast<int>(std::max<long>(0, left.count())));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        char chunk[65536];
        ssize_t got = read(from_browser_, chunk, sizeof chunk);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) return false;
        buffer_.append(chunk, static_cast<std::size_t>(got));
    }
}

BrowserPage::BrowserPage(Browser& browser) : browser_(browser) {
    auto target = browser_.call("Target.createTarget", R"({"url":"about:blank"})");
    if (!target.ok()) return;
    auto attached = browser_.call(
        "Target.attachToTarget",
        R"({"targetId":)" + json_quote(target.result["targetId"].string()) + R"(,"flatten":true})");
    if (!attached.ok()) return;
    std::string session = attached.result["sessionId"].string();
    for (auto domain : {"Page.enable", "Runtime.enable", "Log.enable", "DOM.enable"}) {
        if (!browser_.call(domain, "{}", session).ok()) return;
    }
    session_ = session;
}

bool BrowserPage::navigate(const std::string& url) {
    auto reply = call("Page.navigate", R"({"url":)" + json_quote(url) + "}");
    if (!reply.ok() || reply.result.has("errorText")) return false;
    return !browser_.wait_event("Page.loadEventFired").is_null();
}

Json BrowserPage::evaluate(const std::string& expression, std::string* error) {
    auto reply = call("Runtime.evaluate", R"({"expression":)" + json_quote(expression) +
                                              R"(,"awaitPromise":true,"returnByValue":true})");
    std::string problem = reply.error;
    if (reply.ok() && reply.result.has("exceptionDetails")) {
        const Json& details = reply.result["exceptionDetails"];
        problem = details["exception"]["description"].string();
        if (problem.empty()) problem = details["text"].string();
    }
    if (error != nullptr) *error = problem;
    if (!problem.empty()) return {};
    return reply.result["result"]["value"];
}

std::vector<Json> BrowserPage::events() const {
    browser_.drain();
    std::vector<Json> mine;
    for (const auto& event : browser_.events()) {
        if (event["sessionId"].string() == session_) mine.push_back(event);
    }
    return mine;
}

std::string base64_decode(std::string_view text) {
    std::string out;
    unsigned bits = 0;
    int count = 0;
    for (char c : text) {
        int value;
        if (c >= 'A' && c <= 'Z') {
            value = c - 'A';
        } else if (c >= 'a' && c <= 'z') {
            value = c - 'a' + 26;
        } else if (c >= '0' && c <= '9') {
            value = c - '0' + 52;
        } else if (c == '+') {
            value = 62;
        } else if (c == '/') {
            value = 63;
        } else if (c == '=') {
            break;
        } else {
            return {};
        }
        bits = (bits << 6) | static_cast<unsigned>(value);
        count += 6;
        if (count >= 8) {
            count -= 8;
            out += static_cast<char>((bits >> count) & 0xFF);
        }
    }
    return out;
}

}  // namespace clipshare::test
