#!/bin/sh
# Make a Debian 12 (bookworm) minbase root filesystem once, for the scan
# inventory tests and bench/scan: ${WARD_DEBOOTSTRAP_DIR:-build/debootstrap}/rootfs.
# debootstrap writes under a temporary name that is renamed only when it
# finished, so an interrupted run is never taken for a complete rootfs.
#   scripts/mkdebootstrap.sh        prints the rootfs path (creating it if needed)
# Needs root and debootstrap; the mirror is WARD_DEBIAN_MIRROR or deb.debian.org.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
dir=${WARD_DEBOOTSTRAP_DIR:-$top/build/debootstrap}
mirror=${WARD_DEBIAN_MIRROR:-http://deb.debian.org/debian}
suite=${WARD_DEBIAN_SUITE:-bookworm}
rootfs=$dir/rootfs

if [ -f "$rootfs/var/lib/dpkg/status" ] && [ -f "$rootfs/etc/os-release" ]; then
	echo "$rootfs"
	exit 0
fi
# A rootfs dir without those files is not ours to trust (a run from before
# this script renamed atomically, or a hand-made one): make it again.
if [ -e "$rootfs" ]; then
	rm -rf "$rootfs"
fi
command -v debootstrap >/dev/null 2>&1 || { echo "mkdebootstrap: debootstrap is not installed" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "mkdebootstrap: needs root" >&2; exit 1; }

mkdir -p "$dir"
tmp=$(mktemp -d "$dir/.rootfs.XXXXXX")
chmod 755 "$tmp"
trap 'rm -rf "$tmp"' EXIT INT TERM
if ! debootstrap --variant=minbase "$suite" "$tmp" "$mirror" >"$dir/debootstrap.log" 2>&1; then
	echo "mkdebootstrap: debootstrap failed, see $dir/debootstrap.log" >&2
	tail -n 5 "$dir/debootstrap.log" >&2
	exit 1
fi
# Another run may have finished first: keep the one that is there (mv -T
# fails rather than moving ours inside it).
if ! mv -T "$tmp" "$rootfs" 2>/dev/null; then
	rm -rf "$tmp"
fi
trap - EXIT INT TERM
echo "$rootfs"
