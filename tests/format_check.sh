#!/bin/sh
# format_check.sh TOP: fails when a C++ file under src/, tests/ or bench/ differs from what
# the repository's .clang-format makes of it. The layout is clang-format 14's (Debian 12);
# other versions place a few constructs differently, so with another version, or none, the
# check is skipped (exit 77) rather than failing on layout nobody chose.
set -u
top=${1:?usage: format_check.sh TOP}
tool=
for candidate in clang-format-14 clang-format; do
    if command -v "$candidate" >/dev/null 2>&1 &&
        "$candidate" --version | grep -q 'version 14\.'; then
        tool=$candidate
        break
    fi
done
if [ -z "$tool" ]; then
    echo "no clang-format 14: skipped"
    exit 77
fi
cd "$top" || exit 2
files=$(find src tests bench -name '*.cpp' -o -name '*.hpp' | sort)
if "$tool" --style=file --dry-run --Werror $files; then
    echo "format: $(echo "$files" | wc -l) files follow .clang-format"
else
    echo "format: run  $tool -i --style=file \$(git ls-files '*.cpp' '*.hpp')  and commit"
    exit 1
fi
