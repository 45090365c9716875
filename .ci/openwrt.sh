#!/usr/bin/env bash
# CI leg openwrt: mbedTLS 3.6 with OpenWrt's build options (no MBEDTLS_VERSION_C, PLATFORM_C,
# DEBUG_C or renegotiation, fewer curves and ciphers) and toml++ from its wrap, header-only,
# as an OpenWrt build has them. The whole tree must build (daemon, client, tests, benchmarks)
# and the suite must pass against it.
set -euo pipefail
cd "$(dirname "$0")/.."
. .ci/common.sh
require_vendored

apt_install g++ cmake meson ninja-build pkg-config python3 libuv1-dev googletest \
    libgtest-dev groff-base openssl
unpack_vendored mbedtls-3.6.6.tar.gz mbedtls-3.6.6
unpack_vendored tomlplusplus-3.4.0.tar.gz tomlplusplus-3.4.0

# OpenWrt's options, applied to a second copy of the tree: its mbedtls_config.h is then
# handed to the subproject (-Dmbedtls_config), which the 3.6 leg uses unchanged.
config_tree=build-openwrt-config
if [ ! -f "$config_tree/mbedtls-3.6.6/include/mbedtls/mbedtls_config.h.openwrt" ]; then
    rm -rf "$config_tree"
    mkdir -p "$config_tree"
    tar -xzf "$VENDOR/mbedtls-3.6.6.tar.gz" -C "$config_tree"
    sh "$VENDOR/openwrt-mbedtls-config.sh" "$config_tree/mbedtls-3.6.6"
    touch "$config_tree/mbedtls-3.6.6/include/mbedtls/mbedtls_config.h.openwrt"
fi
[ -d build-openwrt ] || meson setup build-openwrt --force-fallback-for=mbedtls,tomlplusplus \
    -Dmbedtls_config="$PWD/$config_tree/mbedtls-3.6.6/include/mbedtls/mbedtls_config.h" \
    -Dmbedtls_tuning=false -Dbench=true >/dev/null
meson compile -C build-openwrt
status=0
meson test -C build-openwrt --print-errorlogs || status=1
gtest_total build-openwrt

# The toml++ fallback is header-only: the installed daemon needs no libtomlplusplus.so that
# `meson install` would not install.
dest=$(mktemp -d)
DESTDIR=$dest meson install -C build-openwrt --quiet >/dev/null
installed=$(find "$dest" -path "*/sbin/clipshared" -type f | head -n 1)
if "$installed" -v && ! ldd "$installed" | grep -q tomlplusplus; then
    echo "ok: installed $installed runs and links no toml++ library"
else
    echo "FAILED: the installed clipshared does not run on its own:"
    ldd "$installed"
    status=1
fi
rm -rf "$dest"
exit $status
