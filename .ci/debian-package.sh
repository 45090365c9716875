#!/usr/bin/env bash
# CI leg: build the Debian packages with dpkg-buildpackage on Debian 12, check what they
# hold, and run lintian. Builds in a copy of the tree so that nothing lands in the checkout
# (dpkg-buildpackage writes its .deb files next to the source directory).
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive

# A failing index (a mirror mid-sync, a foreign architecture) must not stop the build.
apt-get update -qq || true
apt-get install -y -qq --no-install-recommends dpkg-dev debhelper fakeroot lintian g++ \
    meson ninja-build pkg-config libuv1-dev libmbedtls-dev libtomlplusplus-dev libhttp-parser-dev >/dev/null

version=$(dpkg-parsechangelog -S Version)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
src="$work/clipshare-$version"
mkdir "$src"
tar --exclude=.git --exclude='./build*' --exclude='./subprojects/*/' -cf - . | tar -C "$src" -xf -

# Other builds may share the machine (see the README's house rules): take the build lock.
lock=()
command -v flock >/dev/null && lock=(flock /tmp/clipshare-build.lock)
(cd "$src" && "${lock[@]}" dpkg-buildpackage -us -uc -b -j2) >"$work/build.log" 2>&1 || {
    tail -n 60 "$work/build.log"
    exit 1
}

arch=$(dpkg --print-architecture)
daemon="$work/clipshared_${version}_${arch}.deb"
client="$work/clipshare_${version}_${arch}.deb"
status=0
fail() {
    echo "debian-package: FAIL: $*"
    status=1
}

# What each package must hold.
contents() { dpkg-deb -c "$1" | awk '{print $6}' | sed 's|^\./|/|'; }
for path in /usr/sbin/clipshared /etc/clipshare/clipshared.toml /etc/init.d/clipshared \
    /lib/systemd/system/clipshared.service /usr/share/clipshare/make-certs.sh \
    /usr/share/man/man8/clipshared.8.gz /usr/share/man/man5/clipshared.toml.5.gz; do
    contents "$daemon" | grep -qx "$path" || fail "clipshared lacks $path"
done
for path in /usr/bin/clipshare /usr/share/man/man1/clipshare.1.gz; do
    contents "$client" | grep -qx "$path" || fail "clipshare lacks $path"
done
contents "$client" | grep -q clipshared && fail "the client package holds daemon files"
dpkg-deb -I "$daemon" conffiles | grep -qx /etc/clipshare/clipshared.toml ||
    fail "/etc/clipshare/clipshared.toml is not a conffile"
dpkg-deb -I "$daemon" postinst | grep -q "adduser --system --group --home /var/lib/clipshare" ||
    fail "postinst does not create the clipshare system user"
dpkg-deb -I "$daemon" postinst | grep -q "deb-systemd-helper" || fail "no systemd snippet"
dpkg-deb -I "$daemon" postinst | grep -q "update-rc.d clipshared" || fail "no SysV snippet"
dpkg-deb -f "$daemon" Depends | grep -q libmbedtls || fail "clipshared does not depend on mbedTLS"

# The packaged daemon runs, with full RELRO, and the shipped config checks out.
root="$work/root"
dpkg-deb -x "$daemon" "$root"
dpkg-deb -x "$client" "$root"
"$root/usr/sbin/clipshared" -v | grep -qx "clipshared $version" || fail "clipshared -v"
"$root/usr/bin/clipshare" -v | grep -qx "clipshare $version" || fail "clipshare -v"
for binary in "$root/usr/sbin/clipshared" "$root/usr/bin/clipshare"; do
    readelf -d "$binary" | grep -q BIND_NOW || fail "$binary lacks -z now"
done
grep -q 'ExecStart=/usr/sbin/clipshared -D -c /etc/clipshare/clipshared.toml' \
    "$root/lib/systemd/system/clipshared.service" || fail "the unit names the wrong paths"
grep -q '^DAEMON=/usr/sbin/clipshared' "$root/etc/init.d/clipshared" ||
    fail "the SysV script names the wrong daemon"
sed -e "s|^working_dir = .*|working_dir = \"$work\"|" -e 's|^user = .*|allow_root = true|' \
    -e '/^allow_root = false/d' "$root/etc/clipshare/clipshared.toml" >"$work/check.toml"
"$root/usr/sbin/clipshared" -t -c "$work/check.toml" >/dev/null || fail "the shipped config fails -t"

# lintian: errors and warnings fail the leg; what remains is listed with the reason for each
# tag in debian/README.lintian.
echo "lintian:"
if ! lintian --fail-on error,warning --info "$work"/clipshare_"${version}"_"${arch}".changes; then
    fail "lintian found errors or warnings"
fi

ls -l "$daemon" "$client"
[ "$status" -eq 0 ] && echo "debian-package: ok"
exit "$status"
