#!/bin/sh
# A slow disk for the upload-ack benchmark (clipshare_bench --only ack --slow-dir DIR):
# an ext4 file system on a file-backed loop device whose writes the kernel throttles to
# RATE bytes per second (default 5000000, a USB stick on a router).
#
#   bench/slow-disk.sh up [DIR] [RATE]   make it and mount it on DIR (/tmp/clipshare-slow)
#   bench/slow-disk.sh check [DIR]       write 20 MB with dd conv=fsync and print the rate
#   bench/slow-disk.sh down [DIR]        unmount it, free the loop device, remove the image
#
# Needs root, cgroup v1's blkio controller at /sys/fs/cgroup/blkio and a free loop device.
# The throttle rule goes into the ROOT blkio cgroup: buffered data reaches the device
# through the kernel's flusher threads, which run there, so a rule anywhere else would
# throttle only direct and synchronous writes. The rule names only the loop device's
# MAJ:MIN, so nothing else on the machine slows down.
set -eu

command=${1:-}
dir=${2:-/tmp/clipshare-slow}
rate=${3:-5000000}
image=/var/tmp/clipshare-slow-disk.img
state=/var/tmp/clipshare-slow-disk.dev
rules=/sys/fs/cgroup/blkio/blkio.throttle.write_bps_device

device_numbers() {
    # MAJ:MIN of a block device, from sysfs.
    cat "/sys/class/block/$(basename "$1")/dev"
}

case "$command" in
up)
    if [ -e "$state" ]; then
        echo "slow-disk: already up on $(cat "$state"); run '$0 down' first" >&2
        exit 1
    fi
    [ -w "$rules" ] || { echo "slow-disk: $rules is not writable (root, cgroup v1?)" >&2; exit 1; }
    truncate -s 768M "$image"
    # Inode tables and journal written now, not by ext4lazyinit in the background, where
    # they would eat the throttled bandwidth the measurement needs.
    mkfs.ext4 -q -F -E lazy_itable_init=0,lazy_journal_init=0 "$image"
    device=$(losetup -f --show "$image")
    echo "$device" >"$state"
    mkdir -p "$dir"
    mount -t ext4 "$device" "$dir"
    echo "$(device_numbers "$device") $rate" >"$rules"
    echo "slow-disk: $device ($(device_numbers "$device")) on $dir, writes limited to $rate bytes/s"
    ;;
check)
    # A fresh file each time: conv=fsync counts the time until the data is on the device.
    dd if=/dev/zero of="$dir/check.bin" bs=1M count=20 conv=fsync 2>&1 | tail -n 1
    rm -f "$dir/check.bin"
    ;;
down)
    if [ -e "$state" ]; then
        device=$(cat "$state")
        # Lift the limit first, so that unmounting does not wait at the throttled rate.
        echo "$(device_numbers "$device") 0" >"$rules" 2>/dev/null || true
        if mountpoint -q "$dir"; then umount "$dir"; fi
        losetup -d "$device" 2>/dev/null || true
        rm -f "$state"
    fi
    rm -f "$image"
    rmdir "$dir" 2>/dev/null || true
    echo "slow-disk: down"
    ;;
*)
    echo "usage: $0 up|check|down [DIR] [RATE]" >&2
    exit 2
    ;;
esac
