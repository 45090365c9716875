#!/bin/sh
# layer_check.sh SRC_DIR BUILD_DIR CXX [ARG...]: fails when a layer reaches, directly or
# through another header, a layer above it or beside it (the order is at the end and in
# src/LAYERS.md); besides, the protocol core (src/proto) and the client never reach libuv or
# toml++, and net never toml++.
# The compiler lists every header a file reaches (-M); with -MG a header not installed here
# (a vendored mbedTLS) is listed by name instead of failing, so only the tree decides.

set -u

if [ "$#" -lt 3 ]; then
    echo "usage: $0 SRC_DIR BUILD_DIR CXX [ARG...]" >&2
    exit 2
fi
src=$1
build=$2
shift 2

failed=0

# check LAYER FORBIDDEN CXX...: FORBIDDEN is an extended regex over the headers a file
# reaches, named relative to SRC_DIR when in the tree ("config/config.hpp"), else as found.
check() {
    layer=$1
    forbidden=$2
    shift 2
    for file in "$src/$layer"/*.hpp "$src/$layer"/*.cpp; do
        [ -e "$file" ] || continue
        if ! deps=$("$@" -std=c++20 -I"$src" -I"$build" -M -MG -x c++ "$file" 2>&1); then
            echo "$file: the compiler could not list its headers:" >&2
            printf '%s\n' "$deps" >&2
            failed=1
            continue
        fi
        bad=$(printf '%s\n' "$deps" | tr ' ' '\n' |
            awk -v prefix="$src/" 'index($0, prefix) == 1 { $0 = substr($0, length(prefix) + 1) }
                                   { print }' |
            grep -E "$forbidden" | sort -u)
        if [ -n "$bad" ]; then
            echo "$file reaches what the $layer layer must not include:" >&2
            printf '  %s\n' $bad >&2
            failed=1
        fi
    done
}

# The order, bottom up (src/LAYERS.md): util; files; clipboard; proto and net side by side;
# web on proto (the upload stream and the committer), beside net;
# config (it reads files into the types the layers below declare); server; and the client on
# proto, net, files and util, and on clipboard's plain data (presets, targets, URI lists) for
# send-clipboard, never on its libuv side (the runner, the backends).
client_clipboard='^clipboard/(command|process|store|deferred_clipboard)\.hpp$'
no_runtime='(^|/)uv\.h$|(^|/)toml\+\+/'
check util "^(files|clipboard|proto|net|config|server|client|web)/" "$@"
check files "^(clipboard|proto|net|config|server|client|web)/" "$@"
check clipboard "^(proto|net|config|server|client|web)/" "$@"
check proto "$no_runtime|^(config|net|server|client|web)/" "$@"
check net "(^|/)toml\+\+/|^(files|clipboard|proto|config|server|client|web)/" "$@"
check web "$no_runtime|^(net|config|server|client)/" "$@"
check config "^(proto|server|client|web)/" "$@"
check client "$no_runtime|$client_clipboard|^(config|server|web)/" "$@"

exit "$failed"
