#!/bin/bash
# bench/pull.sh: pull + unpack of a locally built multi-layer image (about
# 200 MB of gzip layers) from Debian's docker-registry on 127.0.0.1, ward vs
# skopeo copy + umoci unpack, in the same run. Prints medians and the ratio.
#   bench/pull.sh [-n RUNS] [-s SIZE_MB] [-k]
#   -k: keep the registry running and the work dir afterwards (for profiling:
#       the script prints the reference and the registry's pid)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
runs=3 size_mb=200 keep=0
while getopts n:s:k o; do
	case $o in
	k) keep=1 ;;
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
	if [ "$keep" = 1 ]; then
		echo "kept: registry pid $reg_pid, ref 127.0.0.1:$port/bench/img:1, work $work" >&2
		return
	fi
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

# The image: a busybox base and six layers of real files (binaries,
# libraries, text from /usr), of uneven sizes as real images have (a big
# base, a runtime, an app, small config layers): about size_mb MB of gzip
# in all. Each layer is a plain tar of copied files, added with
# `umoci raw add-layer` (which gzips it) into an OCI layout.
echo "building a ~${size_mb} MB multi-layer image..." >&2
oci=$work/src
umoci init --layout "$oci" >/dev/null
umoci new --image "$oci:img" >/dev/null
mkdir -p "$work/l0"
cp /bin/busybox "$work/l0/busybox"
tar -C "$work/l0" -cf "$work/l0.tar" .
umoci raw add-layer --image "$oci:img" "$work/l0.tar"
rm -rf "$work/l0" "$work/l0.tar"
# Percent of the compressed total per layer.
shares=(38 26 17 11 6 2)
src_dirs=(/usr/lib /usr/share /usr/bin /usr/libexec /usr/include /usr/sbin)
# Layers are made of whole directories, files in directory order, as a
# package install leaves them (a layer of files picked one by one from all
# over /usr would be mostly directories). The directories are shuffled
# (fixed seed) and dealt to the layers until each one's budget is spent:
# these files compress about 2.5:1 with gzip -6. Big directories are dealt
# in runs of 48 files (a package owns some files of /usr/lib, not all).
python3 - "$work/list" $((size_mb * 1024 * 1024 * 5 / 2)) "${shares[*]}" "${src_dirs[@]}" <<'PY'
import os, random, sys
out, total, shares, roots = sys.argv[1], int(sys.argv[2]), [int(x) for x in sys.argv[3].split()], sys.argv[4:]
dirs = []
for root in roots:
    for d, subdirs, files in os.walk(root):
        subdirs.sort()
        fs = []
        for f in sorted(files):
            p = os.path.join(d, f)
            try:
                st = os.lstat(p)
            except OSError:
                continue
            if os.path.isfile(p) and not os.path.islink(p) and st.st_size < 8 << 20:
                fs.append((st.st_size, p))
        # a package owns some files of a big directory, not all of them
        for k in range(0, len(fs), 48):
            dirs.append(fs[k:k + 48])
random.Random(1).shuffle(dirs)
i, left = 0, total * shares[0] // 100
f = open(out + "1", "w")
for fs in dirs:
    for size, p in fs:
        f.write(p + "\n")
        left -= size
    if left <= 0:
        f.close()
        i += 1
        if i == len(shares):
            break
        left = total * shares[i] // 100
        f = open(out + str(i + 1), "w")
if not f.closed:
    f.close()
PY
# The tars are made straight from /usr (no copy on disk): deleting tens of
# thousands of files just before a measured run would slow its file
# creation (ext4 without a journal skips recently deleted inodes one by
# one when it allocates new ones).
i=0
for share in "${shares[@]}"; do
	i=$((i + 1))
	tar -C / -cf "$work/l$i.tar" --transform "s,^,data$i/," \
		--files-from="$work/list$i" --verbatim-files-from 2>/dev/null || true
	umoci raw add-layer --image "$oci:img" "$work/l$i.tar"
	rm -f "$work/l$i.tar"
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
	sync; echo 3 >/proc/sys/vm/drop_caches 2>/dev/null || true
	t0=$(now)
	skopeo copy -q --src-tls-verify=false "docker://127.0.0.1:$port/bench/img:1" "oci:$work/p$r:img"
	umoci unpack --image "$work/p$r:img" "$work/pb$r" >/dev/null
	t1=$(now)
	peer_times+=("$(echo "$t1 - $t0" | bc)")
	echo "run $r: ward ${ward_times[-1]} s, skopeo+umoci ${peer_times[-1]} s" >&2
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
mw=$(median "${ward_times[@]}") mp=$(median "${peer_times[@]}")
printf 'pull+unpack, median of %d: ward %.2f s, skopeo copy + umoci unpack %.2f s, ratio peer/ward %.1fx\n' \
	"$runs" "$mw" "$mp" "$(echo "$mp / $mw" | bc -l)"
