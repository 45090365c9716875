#!/usr/bin/env bash
# CI leg mbedtls36: OpenWrt's TLS library, mbedTLS 3.6, from the vendored tarball through the
# meson subproject, running the whole suite (unit, integration, docs; every TLS test under
# TLS 1.3 and again capped at 1.2), then openssl s_client -tls1_3 against the daemon with and
# without a client certificate, and openssl s_client -tls1_2 sending full 16 KiB records.
set -euo pipefail
cd "$(dirname "$0")/.."
. .ci/common.sh
require_vendored

apt_install g++ cmake meson ninja-build pkg-config libuv1-dev libtomlplusplus-dev \
    googletest libgtest-dev groff-base openssl
unpack_vendored mbedtls-3.6.6.tar.gz mbedtls-3.6.6

[ -d build-36 ] || meson setup build-36 --force-fallback-for=mbedtls -Dbench=true >/dev/null
status=0
meson test -C build-36 --print-errorlogs || status=1
gtest_total build-36
sh tests/tls13_s_client.sh build-36/src/clipshared || status=1
exit $status
