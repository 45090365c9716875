#include "web/http_response.hpp"

#include <cstdio>

namespace clipshare {
namespace {

// An answer other than the page loads nothing, runs nothing and is framed by no other site
// (the page's own policy, web/page.hpp's, allows its inline style and script by hash).
constexpr std::string_view kDefaultCsp =
    "default-src 'none'; form-action 'none'; base-uri 'none'; frame-ancestors 'none'";
constexpr std::string_view kSecurityHeaders =
    "X-Content-Type-Options: nosniff\r\n"
    "Referrer-Policy: no-referrer\r\n"
    "X-Frame-Options: DENY\r\n";

void append(std::vector<std::uint8_t>& out, std::string_view text) {
    out.insert(out.end(), text.begin(), text.end());
}

}  // namespace

std::string_view http_reason(int status) {
    switch (status) {
        case 200:
            return "OK";
        case 201:
            return "Created";
        case 204:
            return "No Content";
        case 304:
            return "Not Modified";
        case 403:
            return "Forbidden";
        case 400:
            return "Bad Request";
        case 404:
            return "Not Found";
        case 405:
            return "Method Not Allowed";
        case 408:
            return "Request Timeout";
        case 411:
            return "Length Required";
        case 413:
            return "Content Too Large";
        case 414:
            return "URI Too Long";
        case 415:
            return "Unsupported Media Type";
        case 421:
            return "Misdirected Request";
        case 431:
            return "Request Header Fields Too Large";
        case 500:
            return "Internal Server Error";
        case 503:
            return "Service Unavailable";
        case 505:
            return "HTTP Version Not Supported";
        case 507:
            return "Insufficient Storage";
        default:
            return "Error";
    }
}

std::vector<std::uint8_t> http_response_head(const HttpResponseHead& head) {
    std::vector<std::uint8_t> out;
    out.reserve(512);
    append(out, "HTTP/1.1 " + std::to_string(head.status) + " ");
    append(out, http_reason(head.status));
    append(out, "\r\n");
    if (!head.content_type.empty()) {
        append(out, "Content-Type: ");
        append(out, head.content_type);
        append(out, "\r\n");
    }
    // 204 and 304 have no body and must not say they have one.
    if (head.status != 204 && head.status != 304) {
        if (head.content_length) {
            append(out, "Content-Length: " + std::to_string(*head.content_length) + "\r\n");
        } else {
            append(out, "Transfer-Encoding: chunked\r\n");
        }
    }
    if (!head.etag.empty()) {
        append(out, "ETag: ");
        append(out, head.etag);
        append(out, "\r\n");
    }
    if (!head.disposition.empty()) {
        append(out, "Content-Disposition: ");
        append(out, head.disposition);
        append(out, "\r\n");
    }
    if (!head.allow.empty()) {
        append(out, "Allow: ");
        append(out, head.allow);
        append(out, "\r\n");
    }
    append(out, "Content-Security-Policy: ");
    append(out, head.csp.empty() ? kDefaultCsp : head.csp);
    append(out, "\r\n");
    if (head.max_age > 0) {
        append(out, "Cache-Control: max-age=" + std::to_string(head.max_age) + "\r\n");
    } else {
        append(out, "Cache-Control: no-store\r\n");
    }
    append(out, kSecurityHeaders);
    append(out, head.keep_alive ? "Connection: keep-alive\r\n" : "Connection: close\r\n");
    append(out, "\r\n");
    return out;
}

std::vector<std::uint8_t> http_chunk(std::string_view data) {
    std::vector<std::uint8_t> out;
    char size[24];
    int length = std::snprintf(size, sizeof size, "%zx\r\n", data.size());
    out.reserve(static_cast<std::size_t>(length) + data.size() + 2);
    append(out, std::string_view{size, static_cast<std::size_t>(length)});
    append(out, data);
    append(out, "\r\n");
    return out;
}

std::vector<std::uint8_t> http_text_response(int status, std::string_view text, bool keep_alive,
                                             std::string_view allow) {
    std::string body{text};
    if (!body.empty()) body += '\n';
    HttpResponseHead head{status,
                          body.empty() ? std::string_view{} : "text/plain; charset=utf-8",
                          body.size(),
                          keep_alive,
                          allow,
                          {},
                          {},
                          {},
                          0};
    auto out = http_response_head(head);
    append(out, body);
    return out;
}

}  // namespace clipshare
