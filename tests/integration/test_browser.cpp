// The web page in a real browser: Debian's chromium, headless, driven over the DevTools
// protocol (support/cdp.*), loading the page from the real daemon. Skipped where
// /usr/bin/chromium is not installed.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>

#include "client_process.hpp"
#include "daemon_fixture.hpp"
#include "support/cdp.hpp"
#include "support/files.hpp"

namespace clipshare::test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

const fs::path kChromium = "/usr/bin/chromium";

// Bytes 0..255 twice and a line: every byte value through the upload and the download.
std::string all_bytes() {
    std::string bytes;
    for (int round = 0; round < 2; ++round) {
        for (int i = 0; i < 256; ++i) bytes += static_cast<char>(i);
    }
    return bytes + "end\n";
}

std::string hex(std::string_view bytes) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    for (char c : bytes) {
        auto byte = static_cast<unsigned char>(c);
        out += digits[byte >> 4];
        out += digits[byte & 15];
    }
    return out;
}

// The members of a ustar archive: name (prefix/name) -> content; "/" ends a folder's name.
std::map<std::string, std::string> tar_members(const std::string& tar) {
    std::map<std::string, std::string> members;
    std::size_t at = 0;
    std::string long_name;
    while (at + 512 <= tar.size() && tar[at] != '\0') {
        auto field = [&](std::size_t offset, std::size_t length) {
            auto text = tar.substr(at + offset, length);
            return text.substr(0, text.find('\0'));
        };
        auto size = std::stoull("0" + field(124, 12), nullptr, 8);
        char type = tar[at + 156];
        std::string name = field(0, 100);
        if (field(257, 5) == "ustar" && !field(345, 155).empty()) {
            name = field(345, 155) + "/" + name;
        }
        std::string content = tar.substr(at + 512, size);
        at += 512 + (size + 511) / 512 * 512;
        if (type == 'x') {
            // A pax header: a long name for the next member.
            auto path = content.find(" path=");
            if (path != std::string::npos) {
                auto end = content.find('\n', path);
                long_name = content.substr(path + 6, end - path - 6);
            }
            continue;
        }
        if (!long_name.empty()) name = std::exchange(long_name, {});
        if (type == '5' && name.back() != '/') name += '/';
        members[name] = content;
    }
    return members;
}

class BrowserTest : public ::testing::Test {
protected:
    void SetUp() override {
        if (!fs::exists(kChromium)) GTEST_SKIP() << kChromium << " is not installed";
        daemon = Daemon::start("[web]\nenabled = true\ntls = false\nport = @WEB_PORT@\n");
        ASSERT_TRUE(daemon);
        browser = Browser::launch(kChromium);
        ASSERT_TRUE(browser) << "chromium did not start";
        page = std::make_unique<BrowserPage>(*browser);
        ASSERT_TRUE(page->ready()) << browser->log();
        // Every CSP violation the page meets, seen from a script the page's policy does not
        // govern (DevTools adds it before the page's own).
        ASSERT_TRUE(
            page->call("Page.addScriptToEvaluateOnNewDocument",
                       R"({"source":"window.__violations = [];)"
                       R"(document.addEventListener('securitypolicyviolation', e => )"
                       R"(window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));"})")
                .ok());
        origin = "http://127.0.0.1:" + std::to_string(daemon->web_port());
        ASSERT_TRUE(page->navigate(origin + "/")) << browser->log();
        // The first poll has answered: its word on the status line comes before the test's.
        ASSERT_TRUE(
            page_until("!document.getElementById('status').textContent.startsWith("
                       "'Connecting')"));
    }

    Json eval(const std::string& expression) {
        std::string error;
        Json value = page->evaluate(expression, &error);
        EXPECT_EQ(error, "") << expression;
        return value;
    }

    std::string eval_string(const std::string& expression) { return eval(expression).string(); }

    // Polls `expression` in the page until it is true (the page polls the daemon every 2 s).
    bool page_until(const std::string& expression) {
        return wait_until([&] { return page->evaluate(expression).boolean(); }, default_patience,
                          100ms);
    }

    RunResult clipshare(std::vector<std::string> args) const {
        args.insert(args.begin(), {client_binary().string(), "-p", std::to_string(daemon->port())});
        return run_command(args, {}, daemon->dir());
    }

    // Whether the daemon serves `path` (the file routes came with a later change than the page).
    bool served(std::string_view path) {
        return eval("fetch('" + std::string{path} + "').then(r => r.status)").number() != 404;
    }

    // The bytes at `url` fetched by the page, as hex (JSON carries no raw bytes).
    std::string fetch_hex(const std::string& url) {
        return eval_string("fetch(" + json_quote(url) +
                           ").then(r => r.arrayBuffer()).then(b => Array.from(new Uint8Array(b), "
                           "x => x.toString(16).padStart(2, '0')).join(''))");
    }

    // The href of the #files link whose text is `text`, once the list shows it.
    std::string link_to(const std::string& text) {
        const std::string find =
            "[...document.querySelectorAll('#files a')].find(a => "
            "a.textContent === " +
            json_quote(text) + ")";
        if (!page_until("!!" + find)) return {};
        EXPECT_TRUE(eval("(" + find + ").hasAttribute('download')").boolean());
        return eval_string("(" + find + ").getAttribute('href')");
    }

    int node_of(const std::string& selector) {
        auto document = page->call("DOM.getDocument");
        auto node = page->call("DOM.querySelector",
                               R"({"nodeId":)" + document.result["root"]["nodeId"].dump() +
                                   R"(,"selector":)" + json_quote(selector) + "}");
        return static_cast<int>(node.result["nodeId"].number());
    }

    // Sets the page's width (and a phone's touch and scale at `mobile`), and saves a PNG of it.
    void screenshot(int width, int height, bool mobile, const std::string& name) {
        ASSERT_TRUE(page->call("Emulation.setDeviceMetricsOverride",
                               "{\"width\":" + std::to_string(width) +
                                   ",\"height\":" + std::to_string(height) +
                                   ",\"deviceScaleFactor\":" + (mobile ? "2" : "1") +
                                   ",\"mobile\":" + (mobile ? "true" : "false") + "}")
                        .ok());
        // Nothing wider than the screen: no sideways scrolling on a phone.
        EXPECT_LE(eval("document.documentElement.scrollWidth").number(), width) << name;
        auto shot = page->call("Page.captureScreenshot", R"({"format":"png"})");
        ASSERT_TRUE(shot.ok()) << shot.error;
        auto png = base64_decode(shot.result["data"].string());
        ASSERT_EQ(png.substr(0, 8), "\x89PNG\r\n\x1a\n");
        const char* dir = std::getenv("CLIPSHARE_SCREENSHOT_DIR");
        fs::path into = dir != nullptr ? fs::path{dir} : daemon->dir();
        write_file(into / name, png);
    }

    std::unique_ptr<Daemon> daemon;
    std::unique_ptr<Browser> browser;
    std::unique_ptr<BrowserPage> page;
    std::string origin;
};

TEST_F(BrowserTest, PageLoadsWithItsStyleAndScriptAndNoErrors) {
    // The inline script ran and the inline style applied: the policy's hashes match them.
    EXPECT_EQ(eval_string("typeof window.clipshareUpload"), "function");
    EXPECT_EQ(eval_string("getComputedStyle(document.querySelector('main')).maxWidth"), "768px");
    for (auto id : {"text", "copy", "send", "status", "file-input", "folder-input", "drop",
                    "progress", "files", "image", "screenshot"}) {
        EXPECT_TRUE(eval("!!document.getElementById('" + std::string{id} + "')").boolean()) << id;
    }
    EXPECT_EQ(eval("window.__violations.length").number(), 0) << eval("window.__violations").dump();
    // No image on the clipboard: its place takes no room.
    EXPECT_EQ(eval_string("getComputedStyle(document.getElementById('image')).display"), "none");
    // Before the server had /api/kind the page fell back to polling the text alone; its 404
    // is no fault of the page's. The browser's own /favicon.ico has no excuse: it gets 204.
    const bool kind_served = served("/api/kind");
    auto excused = [&](const std::string& url) {
        return !kind_served && url.ends_with("/api/kind");
    };
    for (const auto& event : page->events()) {
        const auto& method = event["method"].string();
        const auto& params = event["params"];
        EXPECT_NE(method, "Runtime.exceptionThrown") << params.dump();
        if (method == "Runtime.consoleAPICalled") {
            EXPECT_NE(params["type"].string(), "error") << params.dump();
            EXPECT_NE(params["type"].string(), "warning") << params.dump();
        }
        if (method == "Log.entryAdded" && !excused(params["entry"]["url"].string())) {
            EXPECT_NE(params["entry"]["level"].string(), "error") << params.dump();
        }
    }
    // The policy is enforced, and a violation would have been seen: a script the page did
    // not bring is refused, as is an image from elsewhere.
    eval(
        "(() => { const s = document.createElement('script'); s.textContent = "
        "'window.__injected = 1'; document.body.append(s); "
        "document.createElement('img').src = 'http://127.0.0.1:1/x.png'; })()");
    EXPECT_TRUE(page_until("window.__violations.length === 2"))
        << eval("window.__violations").dump();
    EXPECT_EQ(eval_string("typeof window.__injected"), "undefined");
}

TEST_F(BrowserTest, TextSentThroughTheProtocolAppearsInThePage) {
    const std::string text = "from the protocol: caf\xc3\xa9 \xe2\x9c\x93\nsecond line";
    auto sent = clipshare({"send-text", "127.0.0.1", text});
    ASSERT_EQ(sent.exit_status, 0) << sent.err;
    EXPECT_TRUE(page_until("document.getElementById('text').value === " + json_quote(text)))
        << eval_string("document.getElementById('text').value");
    // A second change shows as well (the ETag moved on).
    ASSERT_EQ(clipshare({"send-text", "127.0.0.1", "changed"}).exit_status, 0);
    EXPECT_TRUE(page_until("document.getElementById('text').value === 'changed'"));
}

TEST_F(BrowserTest, SendButtonSetsTheTextTheClientGets) {
    const std::string text = "from the page \xf0\x9f\x93\x8b";
    eval("(() => { const t = document.getElementById('text'); t.value = " + json_quote(text) +
         "; t.dispatchEvent(new Event('input')); document.getElementById('send').click(); })()");
    ASSERT_TRUE(page_until("document.getElementById('status').textContent === 'Clipboard set.'"))
        << eval_string("document.getElementById('status').textContent");
    auto got = clipshare({"get-text", "127.0.0.1"});
    EXPECT_EQ(got.exit_status, 0) << got.err;
    EXPECT_EQ(got.out, text);
}

TEST_F(BrowserTest, FileUploadedThroughThePickerDownloadsBack) {
    if (!served("/api/files")) GTEST_SKIP() << "this build does not serve /api/files yet";
    TempDir source{"clipshare-browser-src"};
    const std::string bytes = all_bytes();
    write_file(source.path() / "bytes \xc3\xa9.bin", bytes);
    auto set =
        page->call("DOM.setFileInputFiles",
                   R"({"files":[)" + json_quote((source.path() / "bytes \xc3\xa9.bin").string()) +
                       R"(],"nodeId":)" + std::to_string(node_of("#file-input")) + "}");
    ASSERT_TRUE(set.ok()) << set.error;
    const auto landed = daemon->working_dir() / "bytes \xc3\xa9.bin";
    ASSERT_TRUE(wait_until([&] { return read_file(landed) == bytes; })) << daemon->log();
    auto href = link_to("bytes \xc3\xa9.bin");
    EXPECT_EQ(href, "/api/files/bytes%20%C3%A9.bin");
    EXPECT_EQ(fetch_hex(href), hex(bytes));
}

TEST_F(BrowserTest, FolderUploadedThroughThePickerDownloadsAsTar) {
    if (!served("/api/files")) GTEST_SKIP() << "this build does not serve /api/files yet";
    TempDir source{"clipshare-browser-src"};
    write_file(source.path() / "album" / "a.txt", "alpha\n");
    write_file(source.path() / "album" / "sub" / "b.bin", all_bytes());
    // What the picker gave the page, seen before the page's own handler clears it.
    eval(
        "document.addEventListener('change', e => window.__picked = e.target.files.length, "
        "true)");
    auto set = page->call("DOM.setFileInputFiles",
                          R"({"files":[)" + json_quote((source.path() / "album").string()) +
                              R"(],"nodeId":)" + std::to_string(node_of("#folder-input")) + "}");
    if (!set.ok() || !page_until("window.__picked !== undefined") ||
        eval("window.__picked").number() == 0) {
        GTEST_SKIP() << "chromium did not give the folder picker a directory: "
                     << (set.ok() ? "no files" : set.error)
                     << " (ClipshareUploadSendsFoldersWithEmptyOnes covers folders)";
    }
    EXPECT_EQ(eval("window.__picked").number(), 2);
    const auto landed = daemon->working_dir() / "album";
    ASSERT_TRUE(wait_until([&] {
        return read_file(landed / "a.txt") == "alpha\n" &&
               read_file(landed / "sub" / "b.bin") == all_bytes();
    })) << daemon->log();
    auto href = link_to("album.tar");
    ASSERT_EQ(href, "/api/files/album");
    auto tar = base64_decode(eval_string(
        "fetch('/api/files/album').then(r => r.blob()).then(b => new Promise(ok => { const f = "
        "new FileReader(); f.onload = () => ok(f.result.split(',')[1]); f.readAsDataURL(b); }))"));
    auto members = tar_members(tar);
    EXPECT_EQ(members["album/a.txt"], "alpha\n");
    EXPECT_EQ(members["album/sub/b.bin"], all_bytes());
}

TEST_F(BrowserTest, ClipshareUploadSendsFoldersWithEmptyOnes) {
    if (!served("/api/files")) GTEST_SKIP() << "this build does not serve /api/files yet";
    // What the drop zone's walk gives clipshareUpload for a dropped folder: files with their
    // paths and the empty folders.
    auto status = eval(
        "window.clipshareUpload(["
        "{path: 'trip/notes.txt', file: new File(['day one\\n'], 'notes.txt')},"
        "{path: 'trip/raw/0.bin', file: new File([new Uint8Array([0, 1, 2, 255])], '0.bin')},"
        "{path: 'trip/empty', dir: true}])");
    ASSERT_EQ(status.number(), 201) << daemon->log();
    const auto landed = daemon->working_dir() / "trip";
    EXPECT_EQ(read_file(landed / "notes.txt"), "day one\n");
    EXPECT_EQ(read_file(landed / "raw" / "0.bin"), std::string("\x00\x01\x02\xff", 4));
    EXPECT_TRUE(fs::is_directory(landed / "empty"));
    EXPECT_TRUE(fs::is_empty(landed / "empty"));
    EXPECT_EQ(link_to("trip.tar"), "/api/files/trip");
    auto tar = base64_decode(eval_string(
        "fetch('/api/files/trip').then(r => r.blob()).then(b => new Promise(ok => { const f = "
        "new FileReader(); f.onload = () => ok(f.result.split(',')[1]); f.readAsDataURL(b); }))"));
    auto members = tar_members(tar);
    EXPECT_EQ(members["trip/notes.txt"], "day one\n");
    EXPECT_EQ(members["trip/raw/0.bin"], std::string("\x00\x01\x02\xff", 4));
    EXPECT_TRUE(members.count("trip/empty/")) << members.size();
}

TEST_F(BrowserTest, DroppedFolderKeepsItsEmptyFolders) {
    TempDir source{"clipshare-browser-src"};
    write_file(source.path() / "drop" / "one.txt", "one\n");
    write_file(source.path() / "drop" / "deep" / "two.txt", "two\n");
    fs::create_directories(source.path() / "drop" / "hollow");
    // A real drag from outside the page: the browser makes the DataTransfer and its entries.
    auto centre = eval(
        "(() => { const r = document.getElementById('drop')"
        ".getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; })()");
    ASSERT_EQ(centre.items().size(), 2u);
    const std::string at =
        ",\"x\":" + centre.items()[0].dump() + ",\"y\":" + centre.items()[1].dump();
    const std::string data = R"(,"data":{"items":[],"files":[)" +
                             json_quote((source.path() / "drop").string()) +
                             R"(],"dragOperationsMask":1})";
    for (auto type : {"dragEnter", "dragOver", "drop"}) {
        auto reply = page->call("Input.dispatchDragEvent",
                                std::string{R"({"type":")"} + type + "\"" + at + data + "}");
        ASSERT_TRUE(reply.ok()) << type << ": " << reply.error;
    }
    const auto landed = daemon->working_dir() / "drop";
    ASSERT_TRUE(wait_until([&] {
        return read_file(landed / "one.txt") == "one\n" &&
               read_file(landed / "deep" / "two.txt") == "two\n" &&
               fs::is_directory(landed / "hollow");
    })) << eval_string("document.getElementById('status').textContent")
        << daemon->log();
    EXPECT_TRUE(fs::is_empty(landed / "hollow"));
}

TEST_F(BrowserTest, ScreenshotButtonSaysWhenTheBackendCannot) {
    // The store backend has no display: 204, which the page says rather than show a broken
    // image.
    eval("document.getElementById('screenshot').click()");
    EXPECT_TRUE(
        page_until("document.getElementById('status').textContent.startsWith('No "
                   "screenshot: this daemon')"))
        << eval_string("document.getElementById('status').textContent");
    EXPECT_TRUE(eval("document.getElementById('shot').hidden").boolean());
}

TEST_F(BrowserTest, PageFitsAPhoneAndADesktop) {
    ASSERT_EQ(clipshare({"send-text", "127.0.0.1",
                         "Shared from the router: the Wi-Fi password is on the fridge."})
                  .exit_status,
              0);
    ASSERT_TRUE(page_until("document.getElementById('text').value.startsWith('Shared')"));
    if (served("/api/files")) {
        eval(
            "window.clipshareUpload([{path: 'holiday photos/IMG_0001.jpg', file: new "
            "File([new Uint8Array(2400000)], 'x')}, {path: 'holiday photos/IMG_0002.jpg', "
            "file: new File([new Uint8Array(1800000)], 'x')}])");
        link_to("holiday photos.tar");
    }
    screenshot(360, 740, true, "page-phone-360.png");
    screenshot(390, 844, true, "page-phone-390.png");
    screenshot(1280, 800, false, "page-desktop-1280.png");
    ASSERT_TRUE(page->call("Emulation.setEmulatedMedia",
                           R"({"features":[{"name":"prefers-color-scheme","value":"dark"}]})")
                    .ok());
    screenshot(390, 844, true, "page-phone-390-dark.png");
}

}  // namespace
}  // namespace clipshare::test
