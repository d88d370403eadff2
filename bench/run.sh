#!/bin/bash
# Engine benchmark: `ward run --rm IMAGE true` against `podman run --rm IMAGE
# true` on the same busybox image, same run, interleaved. See bench/README.md.
#
#   bench/run.sh [-n N] [-w WARMUP]
#
#   -n N        measured runs per engine (default 20, env N)
#   -w WARMUP   unmeasured runs of each first (default 2, env WARMUP)
#
# Env: WARD (default build/ward, the release build), PODMAN (default podman),
# PODMAN_RUNTIME (default runc: crun 1.8 refuses hybrid cgroup hosts).
# Both engines get private storage under a temp dir (ward --root/--runroot,
# podman --root/--runroot), so the host's images and containers are not
# touched. Both run with no network (ward's default; podman --network none,
# so neither pays for a bridge) and the cgroupfs manager. podman gets
# explicit nofile and nproc ulimits: its defaults (1048576 files) are above
# the hard limits here, and root without CAP_SYS_RESOURCE cannot raise them.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/.." && pwd)
N=${N:-20}
WARMUP=${WARMUP:-2}
while getopts n:w:h opt; do
	case $opt in
	n) N=$OPTARG ;;
	w) WARMUP=$OPTARG ;;
	*) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
	esac
done
[[ $N =~ ^[1-9][0-9]*$ ]] || { echo "bench: -n wants a positive integer, got '$N'" >&2; exit 2; }
[[ $WARMUP =~ ^[0-9]+$ ]] || { echo "bench: -w wants an integer, got '$WARMUP'" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "bench: needs root" >&2; exit 1; }

WARD=${WARD:-$top/build/ward}
PODMAN=${PODMAN:-podman}
PODMAN_RUNTIME=${PODMAN_RUNTIME:-runc}
[ -x "$WARD" ] || { echo "bench: $WARD missing (run make)" >&2; exit 1; }
command -v "$PODMAN" >/dev/null || { echo "bench: podman missing (apt-get install podman)" >&2; exit 1; }
[ -x /bin/busybox ] || { echo "bench: /bin/busybox missing (apt-get install busybox-static)" >&2; exit 1; }

tmp=$(mktemp -d /tmp/ward-bench-run.XXXXXX)
wroot=$tmp/ward/root wrun=$tmp/ward/run
proot=$tmp/podman/root prun=$tmp/podman/run
pod=("$PODMAN" --root "$proot" --runroot "$prun" --cgroup-manager cgroupfs --runtime "$PODMAN_RUNTIME"
	--events-backend file --storage-driver overlay)
cleanup() {
	"${pod[@]}" rm -af >/dev/null 2>&1 || true
	"${pod[@]}" system reset -f >/dev/null 2>&1 || true
	umount -R "$proot" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT

# The same rootfs tarball becomes a one-layer image in each engine.
mkdir -p "$tmp/rootfs/bin" "$tmp/rootfs/etc" "$tmp/rootfs/tmp"
cp /bin/busybox "$tmp/rootfs/bin/busybox"
for a in sh true ls cat; do ln -s busybox "$tmp/rootfs/bin/$a"; done
echo 'root:x:0:0:root:/root:/bin/sh' >"$tmp/rootfs/etc/passwd"
echo 'root:x:0:' >"$tmp/rootfs/etc/group"
tar -C "$tmp/rootfs" -czf "$tmp/rootfs.tgz" .
"$WARD" --root "$wroot" --runroot "$wrun" import "$tmp/rootfs.tgz" bench/busybox:1 >/dev/null
"${pod[@]}" import -q "$tmp/rootfs.tgz" localhost/bench/busybox:1 >/dev/null

ward_run() { "$WARD" --root "$wroot" --runroot "$wrun" run --rm bench/busybox:1 true; }
podman_run() { "${pod[@]}" run --rm --network none --ulimit nofile=$(ulimit -Hn):$(ulimit -Hn) --ulimit nproc=4096:4096 localhost/bench/busybox:1 true; }

# ms NAME: run one engine once, print milliseconds.
ms() {
	local t0 t1
	t0=$(date +%s%N)
	"$1" >/dev/null 2>&1 </dev/null || { echo "bench: $1 failed" >&2; "$1" </dev/null >&2 || true; exit 1; }
	t1=$(date +%s%N)
	echo $(((t1 - t0) / 1000))
}

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

for ((i = 0; i < WARMUP; i++)); do ms ward_run >/dev/null; ms podman_run >/dev/null; done
: >"$tmp/ward.us"
: >"$tmp/podman.us"
for ((i = 0; i < N; i++)); do
	# Alternate which engine goes first, so drift favours neither.
	if ((i % 2)); then
		ms ward_run >>"$tmp/ward.us"
		ms podman_run >>"$tmp/podman.us"
	else
		ms podman_run >>"$tmp/podman.us"
		ms ward_run >>"$tmp/ward.us"
	fi
done
w=$(median <"$tmp/ward.us")
p=$(median <"$tmp/podman.us")
printf 'run --rm IMAGE true, median of %d (ms):\n' "$N"
printf '  ward    %8.1f\n' "$(echo "$w / 1000" | bc -l)"
printf '  podman  %8.1f   (%s)\n' "$(echo "$p / 1000" | bc -l)" "$("$PODMAN" --version)"
printf '  podman/ward = %.1fx\n' "$(echo "$p / $w" | bc -l)"
