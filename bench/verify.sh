#!/bin/bash
# bench/verify.sh: signature verification, in the same run:
#  1. a GPG-signed image already in ward's store: `ward verify` under a
#     signedBy policy, vs `skopeo copy` of the same image from a local
#     docker-registry (lookaside on disk) to an oci: dir under the same
#     policy (skopeo has no local store that keeps signatures);
#  2. what the policy adds to `ward run`: `ward run --rm IMAGE /bin/true` of
#     a cosign-signed image under a sigstoreSigned policy vs --insecure-policy.
# Medians of N runs, interleaved, and the ratio / difference.
#   bench/verify.sh [-n RUNS]
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
runs=11
while getopts n: o; do
	case $o in
	n) runs=$OPTARG ;;
	*) exit 2 ;;
	esac
done
ward=${WARD:-$top/build/ward}
for t in docker-registry skopeo gpg gpgconf jq "$ward" /bin/busybox; do
	command -v "$t" >/dev/null || { echo "bench/verify: $t missing" >&2; exit 1; }
done
work=$(mktemp -d /tmp/ward-bench-verify.XXXXXX)
reg_pid=""
export GNUPGHOME=$work/gnupg
cleanup() {
	gpgconf --homedir "$GNUPGHOME" --kill all 2>/dev/null || true
	[ -n "$reg_pid" ] && kill "$reg_pid" 2>/dev/null && wait "$reg_pid" 2>/dev/null
	grep -o " $work/[^ ]*" /proc/self/mounts | xargs -r -n1 umount -l 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

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
host=127.0.0.1:$port
img=$host/bench/app:1

W=("$ward" --root "$work/root" --runroot "$work/run" --registries-d "$work/rd")
mkdir -p "$work/rootfs/bin" "$work/rd" "$work/look"
cp /bin/busybox "$work/rootfs/bin/busybox"
ln -s busybox "$work/rootfs/bin/true"
ln -s busybox "$work/rootfs/bin/sh"
tar -C "$work/rootfs" -czf "$work/rootfs.tgz" .
"${W[@]}" import "$work/rootfs.tgz" "$img" >/dev/null
printf 'docker:\n  %s:\n    lookaside: file://%s\n' "$host" "$work/look" >"$work/rd/bench.yaml"

# GPG: sign in ward, push (image + lookaside), pull into a fresh store.
mkdir -m 0700 "$GNUPGHOME"
gpg --batch --quiet --passphrase '' --quick-gen-key 'bench <b@ward.test>' ed25519 sign never 2>/dev/null
fpr=$(gpg --batch --with-colons --list-secret-keys | awk -F: '$1=="fpr"{print $10; exit}')
gpg --batch --armor --export "$fpr" >"$work/key.gpg"
"${W[@]}" sign --sign-by "$fpr" "$img" >/dev/null
"${W[@]}" push -q --tls-verify=false "$img" >/dev/null 2>&1
jq -n --arg h "$host" --arg k "$work/key.gpg" '{default: [{type: "reject"}],
	transports: {docker: {($h): [{type: "signedBy", keyType: "GPGKeys", keyPath: $k}]}}}' \
	>"$work/gpg-policy.json"

# cosign: sign the same image; a sigstoreSigned policy for run.
WARD_PASSWORD= "${W[@]}" key generate --output-key-prefix "$work/cosign" 2>/dev/null
WARD_PASSWORD= "${W[@]}" sign --key "$work/cosign.key" "$img" >/dev/null
jq -n --arg h "$host" --arg k "$work/cosign.pub" '{default: [{type: "reject"}],
	transports: {docker: {($h): [{type: "sigstoreSigned", keyPath: $k}]}}}' \
	>"$work/cosign-policy.json"

"${W[@]}" --policy "$work/gpg-policy.json" verify "$img" >/dev/null 2>&1 ||
	{ echo "bench/verify: ward verify failed" >&2; exit 1; }

now_ns() { date +%s%N; }
declare -A samples
time_it() { # KEY CMD...
	local k=$1 t0 t1
	shift
	t0=$(now_ns)
	"$@" >/dev/null 2>&1 || { echo "bench/verify: $k failed: $*" >&2; exit 1; }
	t1=$(now_ns)
	samples[$k]+="$(((t1 - t0) / 1000)) "
}
median() { # microseconds
	tr ' ' '\n' <<<"$1" | grep . | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}

skopeo_copy() {
	rm -rf "$work/oci"
	skopeo copy -q --remove-signatures --src-tls-verify=false --registries.d "$work/rd" \
		--policy "$work/gpg-policy.json" "docker://$img" "oci:$work/oci:x"
}
ward_verify() { "${W[@]}" --policy "$work/gpg-policy.json" verify "$img"; }
run_signed() { "${W[@]}" --policy "$work/cosign-policy.json" run --rm "$img" /bin/true; }
run_insecure() { "${W[@]}" --insecure-policy run --rm "$img" /bin/true; }

echo "bench/verify: $runs runs each, interleaved (ward: $ward)" >&2
for i in $(seq "$runs"); do
	if [ $((i % 2)) = 0 ]; then
		time_it ward_verify ward_verify
		time_it skopeo_copy skopeo_copy
		time_it run_signed run_signed
		time_it run_insecure run_insecure
	else
		time_it skopeo_copy skopeo_copy
		time_it ward_verify ward_verify
		time_it run_insecure run_insecure
		time_it run_signed run_signed
	fi
done

wv=$(median "${samples[ward_verify]}")
sc=$(median "${samples[skopeo_copy]}")
rs=$(median "${samples[run_signed]}")
ri=$(median "${samples[run_insecure]}")
printf '%-48s %10s\n' "case" "median ms"
printf '%-48s %10.2f\n' "ward verify (signedBy, image in the store)" "$(echo "$wv / 1000" | bc -l)"
printf '%-48s %10.2f\n' "skopeo copy docker:// -> oci: (same policy)" "$(echo "$sc / 1000" | bc -l)"
printf '%-48s %10.2f\n' "ward run --rm (sigstoreSigned policy)" "$(echo "$rs / 1000" | bc -l)"
printf '%-48s %10.2f\n' "ward run --rm (--insecure-policy)" "$(echo "$ri / 1000" | bc -l)"
printf 'ratio skopeo/ward verify: %.1fx\n' "$(echo "$sc / $wv" | bc -l)"
printf 'policy cost in ward run (median difference, noisy): %.2f ms\n' "$(echo "($rs - $ri) / 1000" | bc -l)"
# The check's own time, as ward measures it around ward_cli_check_local.
us=""
for i in $(seq "$runs"); do
	us+="$("${W[@]}" --log-level info --policy "$work/cosign-policy.json" run --rm "$img" /bin/true 2>&1 |
		sed -n 's/.*(policy check \([0-9]*\) us).*/\1/p') "
done
printf 'policy check inside ward run (sigstoreSigned, median of %s): %.3f ms\n' "$runs" \
	"$(echo "$(median "$us") / 1000" | bc -l)"
