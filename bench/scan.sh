#!/bin/bash
# bench/scan.sh: ward's vulnerability scan of a Debian 12 minbase rootfs
# (debootstrap) against a database of generated OSV records: the import
# rate, a cold scan (page cache dropped, no result cache) and warm scans
# (medians), of the rootfs and of the same files as an image in the store
# (the image's second scan comes from the per-digest result cache).
#   bench/scan.sh [-n RUNS] [-c RECORDS]
#   -n RUNS     warm scans to take the median of (default 21)
#   -c RECORDS  OSV records to generate (default 100000)
# Targets (issue 5): import above 20,000 records/s, warm scan under 100 ms.
# No peer in the same run: Trivy and Grype are not Debian packages and this
# machine has no network; `dpkg-query -W` listing the same rootfs (what
# ward's inventory reads, without any matching) is timed for scale.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/.." && pwd)
runs=21 count=100000
while getopts n:c:h opt; do
	case $opt in
	n) runs=$OPTARG ;;
	c) count=$OPTARG ;;
	*) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
	esac
done
[[ $runs =~ ^[1-9][0-9]*$ && $count =~ ^[1-9][0-9]*$ ]] || { echo "bench/scan: -n and -c take positive integers" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "bench/scan: needs root (debootstrap, drop_caches)" >&2; exit 1; }
ward=${WARD:-$top/build/ward}
[ -x "$ward" ] || { echo "bench/scan: $ward missing (run make)" >&2; exit 1; }

rootfs=$("$top/scripts/mkdebootstrap.sh")
work=$(mktemp -d /tmp/ward-bench-scan.XXXXXX)
trap 'rm -rf "$work"' EXIT
W=("$ward" --root "$work/root" --runroot "$work/run")

now() { date +%s%N; }
ms_since() { echo $((($(now) - $1) / 1000000)); }
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

echo "generating $count OSV records (bench/gen-osv.py, seed 1)..." >&2
/usr/bin/python3 "$here/gen-osv.py" --count "$count" --status "$rootfs/var/lib/dpkg/status" "$work/osv.zip" >/dev/null

sync; echo 3 >/proc/sys/vm/drop_caches 2>/dev/null || true
t0=$(now)
"${W[@]}" db import "$work/osv.zip" >"$work/import.log"
import_ms=$(ms_since "$t0")
stored=$("${W[@]}" db status --format json | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["records"])')

scan_rootfs() { "${W[@]}" scan --rootfs "$rootfs" --format json --max-db-age 3650d >"$work/report.json"; }
sync; echo 3 >/proc/sys/vm/drop_caches 2>/dev/null || true
t0=$(now); scan_rootfs; cold_ms=$(ms_since "$t0")
read -r packages findings < <(/usr/bin/python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))
print(r["packagesCount"], sum(len(p["findings"]) for p in r["packages"]))' "$work/report.json")
warm=()
for _ in $(seq "$runs"); do t0=$(now); scan_rootfs; warm+=("$(ms_since "$t0")"); done

# The same files as an image: the first scan reads it, the next ones are
# answered from the result cache (per manifest digest and import).
tar -C "$rootfs" -czf "$work/rootfs.tgz" .
"${W[@]}" import "$work/rootfs.tgz" bench/debian:12 >/dev/null
scan_image() { "${W[@]}" scan bench/debian:12 --format json --max-db-age 3650d "$@" >/dev/null; }
sync; echo 3 >/proc/sys/vm/drop_caches 2>/dev/null || true
t0=$(now); scan_image --no-cache; image_cold_ms=$(ms_since "$t0")
scan_image # fills the cache
cached=()
for _ in $(seq "$runs"); do t0=$(now); scan_image; cached+=("$(ms_since "$t0")"); done

dpkg=()
for _ in $(seq "$runs"); do t0=$(now); dpkg-query --admindir="$rootfs/var/lib/dpkg" -W >/dev/null; dpkg+=("$(ms_since "$t0")"); done

rate=$((stored * 1000 / (import_ms > 0 ? import_ms : 1)))
printf 'database: %s records stored from %s generated, import %.2f s = %s records/s (target > 20000)\n' \
	"$stored" "$count" "$(echo "$import_ms / 1000" | bc -l)" "$rate"
printf 'rootfs scan (debootstrap minbase, %s packages, %s findings): cold %s ms, warm median of %s %s ms (target < 100)\n' \
	"$packages" "$findings" "$cold_ms" "$runs" "$(median "${warm[@]}")"
printf 'image scan (same files, ward import): cold %s ms, cached median %s ms\n' \
	"$image_cold_ms" "$(median "${cached[@]}")"
printf 'for scale: dpkg-query -W of the same rootfs (listing only) median %s ms\n' "$(median "${dpkg[@]}")"
