// The page GET / serves, compiled in. A placeholder until the real page (issue #17): it names
// the API so that a browser user sees what the daemon offers. Nothing in it loads from
// elsewhere (the Content-Security-Policy forbids it anyway).
#pragma once

#include <string_view>

namespace clipshare {

inline constexpr std::string_view kWebPage = R"(<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>ClipShare</title>
<style>body{font-family:sans-serif;max-width:40em;margin:1em auto;padding:0 1em}</style>
</head>
<body>
<h1>ClipShare</h1>
<p>This daemon shares its clipboard over HTTP.</p>
<ul>
<li><code>GET /api/text</code>: the clipboard's text</li>
<li><code>PUT /api/text</code>: set it (UTF-8)</li>
</ul>
</body>
</html>
)";

}  // namespace clipshare
