#!/bin/bash
# Container lifecycle benchmark: ward-oci against crun and runc, same run,
# interleaved. See bench/README.md for the method.
#
#   bench/runtime.sh [-n N] [-w WARMUP] [-o OUTDIR]
#
#   -n N        measured runs per runtime and mode (default 50, env N)
#   -w WARMUP   unmeasured runs first (default 3, env WARMUP)
#   -o OUTDIR   keep raw samples there (default: a temp dir, removed)
#
# Env: WARD_OCI (default build/ward-oci, the release build), CRUN
# (default /usr/bin/crun), RUNC (default /usr/sbin/runc), CC (default cc).
# A runtime that is missing is skipped with a message.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/.." && pwd)

N=${N:-50}
WARMUP=${WARMUP:-3}
outdir=
while getopts n:w:o:h opt; do
	case $opt in
	n) N=$OPTARG ;;
	w) WARMUP=$OPTARG ;;
	o) outdir=$OPTARG ;;
	*)
		sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'
		exit 2
		;;
	esac
done
[[ $N =~ ^[1-9][0-9]*$ ]] || { echo "bench: -n wants a positive integer, got '$N'" >&2; exit 2; }
[[ $WARMUP =~ ^[0-9]+$ ]] || { echo "bench: -w wants an integer, got '$WARMUP'" >&2; exit 2; }

if [ "$(id -u)" != 0 ]; then
	echo "bench: needs root (the runtimes create namespaces and cgroups)" >&2
	exit 1
fi
for t in jq awk sort; do
	command -v $t >/dev/null 2>&1 || { echo "bench: $t is required (scripts/install-deps.sh)" >&2; exit 1; }
done
[ -x /bin/busybox ] || { echo "bench: /bin/busybox missing (apt-get install busybox-static)" >&2; exit 1; }

tmp=$(mktemp -d /tmp/ward-bench.XXXXXX)
keep_raw=0
if [ -n "$outdir" ]; then
	mkdir -p "$outdir"
	keep_raw=1
else
	outdir=$tmp/out
	mkdir -p "$outdir"
fi

# ------------------------------------------------------------- runtimes
# name|kind|command...   kind: plain, or wrapper (crun through the
# unshare wrapper), or ns (rtbench itself runs in the private namespace).
names=()
declare -A rt_cmd rt_prefix rt_label
add_runtime() { # NAME LABEL PREFIX CMD
	names+=("$1")
	rt_label[$1]=$2
	rt_prefix[$1]=$3
	rt_cmd[$1]=$4
}

ward=${WARD_OCI:-$top/build/ward-oci}
crun=${CRUN:-/usr/bin/crun}
runc=${RUNC:-/usr/sbin/runc}

# crun 1.8 refuses the hybrid cgroup layout (v1 controllers + cgroup2 at
# /sys/fs/cgroup/unified); it runs in a private mount namespace with that
# mount removed. The wrapper pays unshare + sh + umount on every call, so
# crun is also measured with rtbench itself inside such a namespace.
hybrid=0
if awk '$5 == "/sys/fs/cgroup/unified" { f = 1 } END { exit !f }' /proc/self/mountinfo; then
	hybrid=1
fi
ns_prefix="unshare -m --propagation private sh -c 'umount /sys/fs/cgroup/unified && exec \"\$0\" \"\$@\"'"

if [ -x "$ward" ]; then
	add_runtime ward "ward-oci" "" "$ward"
else
	echo "bench: skip ward-oci: $ward not found (make build/ward-oci)" >&2
fi
if [ -x "$crun" ]; then
	if [ $hybrid = 1 ]; then
		cat >"$tmp/crun-wrapper" <<EOF
#!/bin/sh
exec unshare -m --propagation private sh -c 'umount /sys/fs/cgroup/unified && exec $crun "\$@"' sh "\$@"
EOF
		# The same wrapper around /bin/true: what the wrapper alone costs.
		sed "s|exec $crun|exec /bin/true|" "$tmp/crun-wrapper" >"$tmp/wrapper-true"
		chmod +x "$tmp/crun-wrapper" "$tmp/wrapper-true"
		add_runtime crun "crun (wrapper)" "" "$tmp/crun-wrapper"
		add_runtime crunns "crun (in ns)" "$ns_prefix" "$crun"
	else
		add_runtime crun "crun" "" "$crun"
	fi
else
	echo "bench: skip crun: $crun not found" >&2
fi
if [ -x "$runc" ]; then
	add_runtime runc "runc" "" "$runc"
else
	echo "bench: skip runc: $runc not found" >&2
fi
if [ ${#names[@]} -eq 0 ]; then
	echo "bench: no runtime to measure" >&2
	exit 1
fi

# ------------------------------------------------------------- cleanup
cleanup() {
	local n id
	for n in "${names[@]}"; do
		[ -d "$tmp/root-$n" ] || continue
		for id in $(run_rt "$n" list -q 2>/dev/null); do
			run_rt "$n" delete --force "$id" >/dev/null 2>&1 || true
		done
	done
	rm -rf "${tmp:?}"
	if [ $keep_raw = 1 ]; then
		echo "bench: raw samples in $outdir" >&2
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# run_rt NAME ARGS...: the runtime NAME with its own --root.
run_rt() {
	local n=$1
	shift
	if [ -n "${rt_prefix[$n]}" ]; then
		eval "${rt_prefix[$n]}" '"${rt_cmd[$n]}"' --root '"$tmp/root-$n"' '"$@"'
	else
		"${rt_cmd[$n]}" --root "$tmp/root-$n" "$@"
	fi
}

# ------------------------------------------------------------- tools
rtbench=$tmp/rtbench
${CC:-cc} -std=gnu11 -D_GNU_SOURCE -O2 -Wall -Wextra -o "$rtbench" "$here/rtbench.c" ||
	{ echo "bench: cannot build bench/rtbench.c" >&2; exit 1; }

# ------------------------------------------------------------- bundle
bundle=$tmp/bundle
if [ -x "$top/scripts/mkbundle.sh" ]; then
	env -u OCI_RUNTIME MKBUNDLE_CACHE="$tmp/mkbundle-cache" "$top/scripts/mkbundle.sh" "$bundle" >/dev/null
else
	# Fallback: busybox rootfs and runc's default spec.
	mkdir -p "$bundle/rootfs/bin" "$bundle/rootfs/proc" "$bundle/rootfs/sys" \
		"$bundle/rootfs/dev" "$bundle/rootfs/tmp" "$bundle/rootfs/etc"
	cp /bin/busybox "$bundle/rootfs/bin/busybox"
	for a in $(/bin/busybox --list); do
		[ "$a" = busybox ] || ln -s busybox "$bundle/rootfs/bin/$a"
	done
	echo 'root:x:0:0:root:/root:/bin/sh' >"$bundle/rootfs/etc/passwd"
	(cd "$bundle" && "$runc" spec)
fi
jq '.process.args = ["/bin/true"] | .process.terminal = false' "$bundle/config.json" >"$bundle/config.json.new"
mv "$bundle/config.json.new" "$bundle/config.json"
for n in "${names[@]}"; do
	mkdir -p "$tmp/root-$n"
done

# ------------------------------------------------------------- measure
modes=(run seq)
keys=()
for n in "${names[@]}"; do
	for m in "${modes[@]}"; do
		keys+=("$n.$m")
		: >"$outdir/$n.$m"
		: >"$outdir/$n.$m.err"
	done
done
if [ $hybrid = 1 ] && [ -x "$crun" ]; then
	keys+=(wrapper.exec)
	: >"$outdir/wrapper.exec"
fi
declare -A fails
for k in "${keys[@]}"; do fails[$k]=0; done

# sample KEY ITER: one measurement, appended to $outdir/KEY when ITER counts.
sample() {
	local key=$1 iter=$2 n=${1%.*} m=${1##*.} id line rc=0
	id=b$$-$iter-$n-$m
	if [ "$key" = wrapper.exec ]; then
		line=$("$rtbench" exec "$tmp/wrapper-true" 2>>"$outdir/wrapper.exec.err") || rc=$?
	elif [ -n "${rt_prefix[$n]}" ]; then
		line=$(eval "${rt_prefix[$n]}" '"$rtbench"' '"$m"' '"$tmp/root-$n"' '"$bundle"' '"$id"' \
			'"${rt_cmd[$n]}"' 2>>"$outdir/$key.err") || rc=$?
	else
		line=$("$rtbench" "$m" "$tmp/root-$n" "$bundle" "$id" "${rt_cmd[$n]}" \
			2>>"$outdir/$key.err") || rc=$?
	fi
	if [ $rc -ne 0 ]; then
		fails[$key]=$((fails[$key] + 1))
		return 0
	fi
	if [ "$iter" -gt 0 ]; then echo "$line" >>"$outdir/$key"; fi
	return 0
}

total=$((WARMUP + N))
nk=${#keys[@]}
echo "bench: ${names[*]}; modes run, seq; $N runs each after $WARMUP warm-up, interleaved" >&2
for ((i = 1; i <= total; i++)); do
	iter=$((i - WARMUP))
	if ((iter < 0)); then iter=0; fi
	# Rotate the order each round so no runtime always goes first.
	for ((j = 0; j < nk; j++)); do
		sample "${keys[$(((i + j) % nk))]}" "$iter"
	done
	if ((i % 10 == 0)); then printf '  %d/%d\n' "$i" "$total" >&2; fi
done

# ------------------------------------------------------------- report
# stats KEY FIELD: "median p10 p90 max" of FIELD over KEY's samples.
stats() {
	sed -n "s/.*\\b$2=\\([0-9]*\\).*/\\1/p" "$outdir/$1" | sort -n |
		awk '{ v[NR] = $1 } END {
			if (NR == 0) { print "- - - -"; exit }
			m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
			p10 = v[int((NR - 1) * 0.1) + 1]; p90 = v[int((NR - 1) * 0.9) + 1]
			print m, p10, p90, v[NR] }'
}
ms() { awk -v v="$1" 'BEGIN { if (v == "-") print "-"; else printf "%.2f", v / 1e6 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || b == "-" || b == 0) print "-"; else printf "%.2f", a / b }'; }

declare -A med rss
echo
echo "OCI runtime lifecycle of /bin/true in a busybox bundle: $N runs per row, interleaved"
echo "  run = \`RUNTIME run\`; seq = create, start, wait for exit, delete"
echo
printf '%-4s  %-15s %9s %9s %9s %22s %6s\n' mode runtime "median ms" "p10 ms" "p90 ms" "peak RSS KiB" fails
for m in "${modes[@]}"; do
	for n in "${names[@]}"; do
		k=$n.$m
		read -r md p10 p90 _ < <(stats "$k" total_ns)
		read -r rmd _ _ rmax < <(stats "$k" maxrss_kb)
		med[$k]=$md
		rss[$k]=$rmd
		printf '%-4s  %-15s %9s %9s %9s %22s %6s\n' "$m" "${rt_label[$n]}" "$(ms "$md")" \
			"$(ms "$p10")" "$(ms "$p90")" "$rmd${rmax:+ (max $rmax)}" "${fails[$k]}"
	done
done

echo
echo "seq steps, median ms:"
printf '  %-15s %8s %8s %8s %8s\n' runtime create start wait delete
for n in "${names[@]}"; do
	row=()
	for f in create_ns start_ns wait_ns delete_ns; do
		read -r md _ < <(stats "$n.seq" "$f")
		row+=("$(ms "$md")")
	done
	printf '  %-15s %8s %8s %8s %8s\n' "${rt_label[$n]}" "${row[@]}"
done

if [ -n "${rt_cmd[ward]:-}" ]; then
	echo
	echo "ratios of medians (below 1: ward-oci is faster / smaller):"
	printf '  %-4s %-22s %8s %8s\n' mode "" time "peak RSS"
	for m in "${modes[@]}"; do
		for n in crun crunns runc; do
			[ -n "${rt_cmd[$n]:-}" ] || continue
			printf '  %-4s %-22s %8s %8s\n' "$m" "ward/${rt_label[$n]}" \
				"$(ratio "${med[ward.$m]}" "${med[$n.$m]}")" "$(ratio "${rss[ward.$m]}" "${rss[$n.$m]}")"
		done
	done
fi

if [ $hybrid = 1 ] && [ -x "$crun" ]; then
	read -r wmd wp10 wp90 _ < <(stats wrapper.exec total_ns)
	read -r wrss _ _ _ < <(stats wrapper.exec maxrss_kb)
	echo
	echo "crun wrapper overhead (unshare -m + sh + umount, exec /bin/true): median $(ms "$wmd") ms" \
		"(p10 $(ms "$wp10"), p90 $(ms "$wp90")) per call, peak RSS $wrss KiB;"
	echo "  run pays it once, seq three times (create, start, delete). \"crun (in ns)\" pays none:"
	echo "  rtbench itself runs in the private namespace there."
fi

# Nothing may be left behind.
left=0
for n in "${names[@]}"; do
	ids=$(run_rt "$n" list -q 2>/dev/null || true)
	if [ -n "$ids" ]; then
		echo "bench: ${rt_label[$n]} left containers: $ids" >&2
		left=1
	fi
done
bad=0
for k in "${keys[@]}"; do
	if [ "${fails[$k]}" -gt 0 ]; then
		bad=1
		echo "bench: $k: ${fails[$k]} failed runs; first error:" >&2
		head -n 5 "$outdir/$k.err" | sed 's/^/  /' >&2
	fi
done
echo
[ $left = 0 ] && echo "containers left behind: none"
[ $left = 0 ] && [ $bad = 0 ]
