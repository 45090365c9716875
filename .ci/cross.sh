#!/usr/bin/env bash
# CI leg cross: clipshared and clipshare cross-built with Debian 12's cross compilers and
# multiarch packages for mipsel (the common router), armhf, arm64 and big-endian s390x, with
# the meson cross files in cross/, then run under qemu-user against the host's integration
# test programs (they take the binaries from $CLIPSHARED and $CLIPSHARE). The subset covers
# negotiation, every method, TLS, discovery and the client; on armhf (32-bit) a file just
# over 4 GiB goes up and down as well. Left out, and why:
# - CommandLine.*, Privileges.*, install, hostile, desktop, transfer: process plumbing, the
#   desktop backend and load tests, not byte order or word size. The one CommandLine test
#   that once found a 32-bit overflow (-s and -r timing out at once) runs on the 32-bit
#   targets.
set -euo pipefail
cd "$(dirname "$0")/.."
. .ci/common.sh
require_vendored

arches=(mipsel armhf arm64 s390x)
declare -A triplet=([mipsel]=mipsel-linux-gnu [armhf]=arm-linux-gnueabihf
    [arm64]=aarch64-linux-gnu [s390x]=s390x-linux-gnu)
declare -A qemu=([mipsel]=qemu-mipsel [armhf]=qemu-arm [arm64]=qemu-aarch64 [s390x]=qemu-s390x)

packages=(qemu-user g++ cmake meson ninja-build pkg-config libuv1-dev libmbedtls-dev
    libtomlplusplus-dev googletest libgtest-dev openssl)
for arch in "${arches[@]}"; do
    dpkg --add-architecture "$arch"
    packages+=("g++-${triplet[$arch]}" "libuv1-dev:$arch" "libmbedtls-dev:$arch"
        "libstdc++6:$arch" "libatomic1:$arch")
done
apt_install "${packages[@]}"
# OpenWrt has no toml++ package: the cross builds take the wrap, header-only.
unpack_vendored tomlplusplus-3.4.0.tar.gz tomlplusplus-3.4.0

# The host's test programs: the main leg's build when it is there, else a build of their own.
host=build
[ -f "$host/build.ninja" ] || { host=build-cross-host; [ -d $host ] || meson setup $host >/dev/null; }
meson compile -C $host itest_daemon itest_methods itest_discovery itest_tls itest_client \
    itest_large_files

status=0
results=()
run() {  # run LABEL COMMAND...: one test program, its outcome remembered
    local label=$1
    shift
    local start=$SECONDS
    if "$@" >"$logs/$label.log" 2>&1; then
        results+=("ok     $label ($((SECONDS - start)) s): $(grep -E '^\[  PASSED  \]' "$logs/$label.log")")
    else
        results+=("FAILED $label ($((SECONDS - start)) s)")
        grep -E '^\[  FAILED  \]|Failure' -A6 "$logs/$label.log" | head -n 60
        status=1
    fi
}

for arch in "${arches[@]}"; do
    dir=build-cross-$arch
    [ -d $dir ] || meson setup $dir --cross-file cross/$arch.ini --buildtype=minsize \
        -Dtests=false >/dev/null
    meson compile -C $dir src/clipshared src/clipshare
    file $dir/src/clipshared | sed 's/, BuildID.*//'
    # qemu-user with Debian's multiarch libraries in / (not -L /usr/<triplet>).
    mkdir -p $dir/qemu
    for program in clipshared clipshare; do
        printf '#!/bin/sh\nexec %s -L / %s "$@"\n' "${qemu[$arch]}" "$PWD/$dir/src/$program" \
            >$dir/qemu/$program
        chmod +x $dir/qemu/$program
    done
    logs=$dir/qemu
    export CLIPSHARED=$PWD/$dir/qemu/clipshared CLIPSHARE=$PWD/$dir/qemu/clipshare
    export MAKE_CERTS=$PWD/etc/make-certs.sh
    run "$arch negotiation" $host/tests/itest_daemon --gtest_filter='Daemon.*:*/DaemonOver.*'
    run "$arch methods" $host/tests/itest_methods
    # qemu-user copies IP_PKTINFO / IPV6_PKTINFO ancillary data without byte-swapping its
    # interface index for a big-endian guest (index 1 reaches s390x as 0x1000000: checked with
    # a 30-line recvmsg program, native against qemu-s390x), so a daemon whose discovery is
    # bound to a specific address cannot tell the arrival interface there and rightly stays
    # silent. Those tests run on the three little-endian guests and natively; on s390x the
    # wildcard-bound discovery tests still run.
    pktinfo_tests=
    if [ "$arch" = s390x ]; then
        pktinfo_tests='Discovery.AnswersIpv4Unicast:Discovery.AnswersBothFamiliesAtOnce'
        pktinfo_tests+=':Discovery.BoundToOneAddress*:Discovery.RefusalsAreNotInTheDefaultLog'
        pktinfo_tests+=':Discovery.JunkGetsNoReplyAndTheDaemonKeepsServing'
        pktinfo_tests+=':Discovery.BoundToTheLanAnswersTheLanAndNotTheWan'
        pktinfo_tests+=':ClientScan.FindsTheDaemonOnIpv*:ClientScan.JsonNamesEachServerAndItsPort'
    fi
    run "$arch discovery" $host/tests/itest_discovery --gtest_filter="-$pktinfo_tests"
    run "$arch tls" $host/tests/itest_tls
    run "$arch client" $host/tests/itest_client --gtest_filter="-*/tls:ClientTls.*:$pktinfo_tests"
    run "$arch client_tls" $host/tests/itest_client --gtest_filter='*/tls:ClientTls.*'
    if [ "$arch" = armhf ] || [ "$arch" = mipsel ]; then
        run "$arch stop and restart" $host/tests/itest_daemon \
            --gtest_filter='CommandLine.DetachesWritesPidfileRestartsAndStops'
    fi
    if [ "$arch" = armhf ]; then
        run "$arch 4 GiB file" env CLIPSHARE_LARGE_FILE_TEST=1 $host/tests/itest_large_files
    fi
done
printf '%s\n' "${results[@]}"
exit $status
