// The head of every response the daemon sends over HTTP: the status line, the content's
// type and length (or chunked), and the same protective headers on every answer: nothing is
// cached (the clipboard is private and changes; the one exception is the empty favicon),
// nothing is sniffed, framed or loaded from elsewhere.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace clipshare {

struct HttpResponseHead {
    int status = 200;
    std::string_view content_type;  // empty: no body, no Content-Type
    // The body's length; unset means a chunked body (see chunk_of below).
    std::optional<std::uint64_t> content_length = 0;
    bool keep_alive = true;        // else "Connection: close"
    std::string_view allow;        // for 405: the methods the route has
    std::string_view etag;         // quoted, or empty
    std::string_view disposition;  // Content-Disposition, or empty
    // The Content-Security-Policy; empty: default-src 'none' (every answer but the page's).
    std::string_view csp;
    // How long a browser may keep the answer, in seconds; 0: not at all (no-store).
    std::uint32_t max_age = 0;
};

// "OK", "Not Found", ...; "Error" for a status not listed.
std::string_view http_reason(int status);

std::vector<std::uint8_t> http_response_head(const HttpResponseHead& head);

// A chunk of a chunked body (an empty `data` is the last chunk).
std::vector<std::uint8_t> http_chunk(std::string_view data);

// A whole short answer with a text/plain body (errors, confirmations).
std::vector<std::uint8_t> http_text_response(int status, std::string_view text, bool keep_alive,
                                             std::string_view allow = {});

}  // namespace clipshare
