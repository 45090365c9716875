#!/usr/bin/env bash
# sizes.sh [ARCH...]: stripped sizes of clipshared and clipshare per architecture, without
# TLS, with Debian 12's mbedTLS 2.28 (a shared library, not counted) and with mbedTLS 3.6
# from the meson subproject (linked in: counted), clipshared with 2.28 and -Dweb=disabled
# (what web access costs: the 2.28 build has it wherever http_parser is found, which is
# the host only; elsewhere the column says "no web" and there is nothing to compare), plus
# a -Dstatic=true clipshared for the host. Builds are --buildtype=minsize -Db_lto=true -Dtests=false into build-sizes-*; the
# cross ones need what .ci/cross.sh installs. Prints a Markdown table for the README.
#   bench/sizes.sh                 # host, mipsel, armhf, arm64, s390x
#   bench/sizes.sh host armhf      # some of them
set -euo pipefail
shopt -s inherit_errexit  # a failed build inside $(...) stops the script
cd "$(dirname "$0")/.."
[ -d subprojects/mbedtls-3.6.6 ] || tar -xzf ../shared/vendor/mbedtls-3.6.6.tar.gz -C subprojects
[ -d subprojects/tomlplusplus-3.4.0 ] ||
    tar -xzf ../shared/vendor/tomlplusplus-3.4.0.tar.gz -C subprojects

arches=("$@")
[ ${#arches[@]} -gt 0 ] || arches=(host mipsel armhf arm64 s390x)
declare -A strip_tool=([host]=strip [mipsel]=mipsel-linux-gnu-strip
    [armhf]=arm-linux-gnueabihf-strip [arm64]=aarch64-linux-gnu-strip [s390x]=s390x-linux-gnu-strip)

# size DIR PROGRAM: bytes of a stripped copy, in KB (1000 bytes, as `ls -l` users read it).
size() {
    local copy
    copy=$(mktemp)
    "${strip_tool[$arch]}" -o "$copy" "$1/src/$2"
    echo "$(( ($(stat -c %s "$copy") + 500) / 1000 )) KB"
    rm -f "$copy"
}

# build NAME MESON_OPTIONS...: configures (once) and builds clipshared and clipshare.
build() {
    local dir=build-sizes-$arch-$1
    shift
    local cross=()
    [ "$arch" = host ] || cross=(--cross-file "cross/$arch.ini")
    [ -d "$dir" ] || meson setup "$dir" "${cross[@]}" --buildtype=minsize -Db_lto=true \
        -Dtests=false "$@" >/dev/null
    meson compile -C "$dir" src/clipshared src/clipshare >/dev/null
    echo "$dir"
}

# has_web DIR: whether that build has web access (-Dweb=auto found http_parser).
has_web() {
    grep -q '^#define CLIPSHARE_HAVE_WEB 1' "$1/build_config.hpp"
}

rows=()
for arch in "${arches[@]}"; do
    notls=$(build notls -Dtls=disabled)
    old=$(build mbedtls228)
    new=$(build mbedtls36 --force-fallback-for=mbedtls)
    row="| $arch | $(size "$notls" clipshared) | $(size "$old" clipshared)"
    if has_web "$old"; then
        noweb=$(build noweb -Dweb=disabled)
        row+=" | $(size "$noweb" clipshared)"
    else
        row+=" | no web"
    fi
    row+=" | $(size "$new" clipshared)"
    row+=" | $(size "$notls" clipshare) | $(size "$old" clipshare) | $(size "$new" clipshare)"
    if [ "$arch" = host ]; then
        static=$(build static -Dstatic=true)
        row+=" | $(size "$static" clipshared) |"
    else
        row+=" | |"
    fi
    rows+=("$row")
done
echo "| arch | clipshared, no TLS | + mbedTLS 2.28 (shared) | + 2.28, -Dweb=disabled | + mbedTLS 3.6 (linked in) | clipshare, no TLS | clipshare + 2.28 | clipshare + 3.6 | clipshared -Dstatic=true (2.28) |"
echo "|---|---|---|---|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
