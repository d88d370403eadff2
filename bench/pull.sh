#!/bin/bash
# bench/pull.sh: pull + unpack of a locally built multi-layer image (about
# 200 MB of gzip layers) from Debian's docker-registry on 127.0.0.1, ward vs
# skopeo copy + umoci unpack, in the same run. Prints medians and the ratio.
#   bench/pull.sh [-n RUNS] [-s SIZE_MB]
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
runs=3 size_mb=200
while getopts n:s: o; do
	case $o in
	n) runs=$OPTARG ;;
	s) size_mb=$OPTARG ;;
	*) exit 2 ;;
	esac
done
ward=${WARD:-$top/build/ward}
for t in docker-registry skopeo umoci "$ward"; do
	command -v "$t" >/dev/null || { echo "bench/pull: $t missing" >&2; exit 1; }
done
work=$(mktemp -d /tmp/ward-bench-pull.XXXXXX)
reg_pid=""
cleanup() {
	[ -n "$reg_pid" ] && kill "$reg_pid" 2>/dev/null && wait "$reg_pid" 2>/dev/null
	grep -o " $work/[^ ]*" /proc/self/mounts | xargs -r -n1 umount -l 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

# A registry on a free loopback port.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat >"$work/reg.yml" <<CFG
version: 0.1
log: {level: error, accesslog: {disabled: true}}
storage: {filesystem: {rootdirectory: $work/regdata}}
http: {addr: 127.0.0.1:$port}
CFG
docker-registry serve "$work/reg.yml" >"$work/reg.log" 2>&1 &
reg_pid=$!
for _ in $(seq 100); do (: </dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.1; done

# The image: a busybox base and four layers of real files (from /usr), about
# size_mb MB of gzip in all, built with umoci into an OCI layout.
echo "building a ~${size_mb} MB multi-layer image..." >&2
oci=$work/src
umoci init --layout "$oci" >/dev/null
umoci new --image "$oci:img" >/dev/null
umoci unpack --image "$oci:img" "$work/b" >/dev/null
cp /bin/busybox "$work/b/rootfs/busybox"
umoci repack --image "$oci:img" "$work/b" >/dev/null
rm -rf "$work/b"
per_layer=$((size_mb / 4))
src_dirs=(/usr/lib /usr/share /usr/bin /usr/libexec /usr/include /usr/sbin)
for i in 1 2 3 4; do
	umoci unpack --image "$oci:img" "$work/b" >/dev/null
	mkdir -p "$work/b/rootfs/data$i"
	# Copy files until the layer's compressed size is about per_layer MB:
	# real binaries and text compress about 2.5:1.
	budget=$((per_layer * 1024 * 1024 * 5 / 2))
	find "${src_dirs[@]}" -type f -size -8M 2>/dev/null | shuf --random-source=<(yes $i) |
		while read -r f; do
			s=$(stat -c %s "$f"); budget=$((budget - s))
			[ $budget -le 0 ] && break
			d=$work/b/rootfs/data$i/$(dirname "$f"); mkdir -p "$d"; cp -p "$f" "$d/" 2>/dev/null || true
		done
	umoci repack --image "$oci:img" "$work/b" >/dev/null
	rm -rf "$work/b"
done
skopeo copy -q --dest-tls-verify=false "oci:$oci:img" "docker://127.0.0.1:$port/bench/img:1"
raw=$(skopeo inspect --raw --tls-verify=false "docker://127.0.0.1:$port/bench/img:1")
total=$(echo "$raw" | python3 -c 'import json,sys; print(sum(l["size"] for l in json.load(sys.stdin)["layers"]))')
echo "image: $(echo "$raw" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["layers"]))') layers, $((total / 1024 / 1024)) MB compressed" >&2

now() { date +%s.%N; }
ward_times=() peer_times=()
for r in $(seq "$runs"); do
	sync; echo 3 >/proc/sys/vm/drop_caches 2>/dev/null || true
	t0=$(now)
	"$ward" --root "$work/w$r" --runroot "$work/wr$r" pull -q --tls-verify=false "127.0.0.1:$port/bench/img:1" >/dev/null
	# run unpacks every layer (checked against the config's diff ids) then starts /busybox true
	"$ward" --root "$work/w$r" --runroot "$work/wr$r" run "127.0.0.1:$port/bench/img:1" /busybox true
	t1=$(now)
	ward_times+=("$(echo "$t1 - $t0" | bc)")
	rm -rf "$work/w$r" "$work/wr$r"
	sync; echo 3 >/proc/sys/vm/drop_caches 2>/dev/null || true
	t0=$(now)
	skopeo copy -q --src-tls-verify=false "docker://127.0.0.1:$port/bench/img:1" "oci:$work/p$r:img"
	umoci unpack --image "$work/p$r:img" "$work/pb$r" >/dev/null
	t1=$(now)
	peer_times+=("$(echo "$t1 - $t0" | bc)")
	rm -rf "$work/p$r" "$work/pb$r"
	echo "run $r: ward ${ward_times[-1]} s, skopeo+umoci ${peer_times[-1]} s" >&2
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
mw=$(median "${ward_times[@]}") mp=$(median "${peer_times[@]}")
printf 'pull+unpack, median of %d: ward %.2f s, skopeo copy + umoci unpack %.2f s, ratio peer/ward %.1fx\n' \
	"$runs" "$mw" "$mp" "$(echo "$mp / $mw" | bc -l)"
