# Sourced by the .ci/*.sh legs. Each leg installs its own Debian 12 packages, so it runs on a
# fresh machine as on one where another leg already ran.
export DEBIAN_FRONTEND=noninteractive
# The vendored sources: ../shared/vendor next to the checkout in CI and in the developers'
# checkouts, else /work/shared/vendor (a clone made elsewhere), or $VENDOR if set.
if [ -z "${VENDOR:-}" ]; then
    for candidate in "$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/shared/vendor" \
        /work/shared/vendor; do
        if [ -f "$candidate/mbedtls-3.6.6.tar.gz" ]; then
            VENDOR=$candidate
            break
        fi
    done
fi

# require_vendored: a leg that needs the vendored sources cannot download them (the machines
# reach no network but Debian's mirror); without them it says so loudly and is skipped
# rather than turning every other leg's result red.
require_vendored() {
    if [ -z "${VENDOR:-}" ]; then
        echo "SKIPPED: the vendored sources (../shared/vendor) are not on this machine"
        exit 0
    fi
    echo "vendored sources: $VENDOR"
}

# apt_install PACKAGE...: a mirror in the middle of a sync sometimes fails one index of one
# architecture; try the update again before giving up on the install.
apt_install() {
    local try
    for try in 1 2 3; do
        apt-get update -qq && break
        echo "apt-get update failed (try $try), retrying"
        sleep 5
    done
    apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# unpack_vendored TARBALL DIR: offline, a wrap's source is the vendored tarball unpacked into
# subprojects/DIR; meson then uses the directory without downloading.
unpack_vendored() {
    [ -d "subprojects/$2" ] || tar -xzf "$VENDOR/$1" -C subprojects
}

# gtest_total BUILD_DIR: the GoogleTest total of one build's test log, "N passed, N failed".
gtest_total() {
    local log=$1/meson-logs/testlog.txt p f
    # grep finds no FAILED line in a green run: not an error here (set -e, pipefail).
    p=$( (grep -oE '^\[  PASSED  \] [0-9]+ test' "$log" || true) | awk '{s+=$4} END {print s+0}')
    f=$( (grep -oE '^\[  FAILED  \] [0-9]+ test' "$log" || true) | awk '{s+=$4} END {print s+0}')
    echo "gtest ($1): $p passed, $f failed"
}
