#!/bin/sh
# man_lint.sh PAGE...: render each man page with all groff warnings enabled and fail if
# any page makes groff write anything to standard error.
#
# Uses groff when it is installed, else man(1) from man-db.

set -u

if [ "$#" -eq 0 ]; then
    echo "usage: $0 PAGE..." >&2
    exit 2
fi

if command -v groff >/dev/null 2>&1; then
    render() { LC_ALL=C.UTF-8 groff -ww -man -Tutf8 -z "$1"; }
elif command -v man >/dev/null 2>&1; then
    render() { LC_ALL=C.UTF-8 MANROFFSEQ='' man --warnings -l "$1" >/dev/null; }
else
    echo "$0: neither groff nor man is installed" >&2
    exit 2
fi

status=0
errfile=$(mktemp) || exit 2
trap 'rm -f "$errfile"' EXIT
trap 'exit 2' HUP INT TERM

for page in "$@"; do
    if [ ! -r "$page" ]; then
        echo "$page: cannot read" >&2
        status=1
        continue
    fi
    render "$page" 2>"$errfile"
    rc=$?
    if [ -s "$errfile" ] || [ "$rc" -ne 0 ]; then
        echo "$page: FAILED (exit status $rc)" >&2
        cat "$errfile" >&2
        status=1
    else
        echo "$page: ok"
    fi
done

exit "$status"
