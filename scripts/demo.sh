#!/bin/bash
# make demo: a container from a local busybox bundle, hardening visible; then
# the engine: a locally built image loaded, run, listed, logged, exec'd, removed.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
oci=$top/build/ward-oci
work=$(mktemp -d /tmp/ward-demo.XXXXXX)
state=$work/state
# Unmount anything left under $work (a container's overlay) before removing it.
cleanup() {
	grep -o " $work/[^ ]*" /proc/self/mounts 2>/dev/null | xargs -r -n1 umount -l 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "building a bundle from Debian's busybox-static"
OCI_RUNTIME=$oci "$top/scripts/mkbundle.sh" "$work/bundle" >/dev/null
cd "$work/bundle"
# The default spec (ward-oci spec) with a non-terminal process that reports
# its own hardening from /proc/self/status.
jq '.process.terminal = false
  | .process.args = ["sh", "-c", "echo \"hostname: $(hostname)\"; echo \"uid: $(id -u)\"; grep -E \"^(Cap(Inh|Prm|Eff|Bnd|Amb)|NoNewPrivs|Seccomp|Seccomp_filters):\" /proc/self/status; echo \"pid in container: $$\"; touch /etc/demo 2>&1 | sed \"s/^/read-only root: /\"; mount -t tmpfs none /mnt 2>&1 | sed \"s/^/seccomp: /\"; ls /dev | tr \"\\\\n\" \" \"; echo"]
  | .linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW",
      "syscalls": [{"names": ["mount", "umount2", "ptrace", "kexec_load", "init_module"],
                    "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]}
  | .linux.resources.memory = {"limit": 67108864}
  | .linux.resources.pids = {"limit": 64}' config.json >config.json.new
mv config.json.new config.json

say "ward-oci run demo (runc command line; state under $state)"
echo "(CapEff 0x20000420 = CAP_KILL, CAP_NET_BIND_SERVICE, CAP_AUDIT_WRITE: runc's default set)"
"$oci" --root "$state" run demo

say "the same container, step by step: create, state, start, delete"
jq '.process.args = ["sleep", "30"]' config.json >c.json && mv c.json config.json
"$oci" --root "$state" create demo2
"$oci" --root "$state" state demo2 | jq -c '{id, status, pid}'
"$oci" --root "$state" start demo2
"$oci" --root "$state" list
"$oci" --root "$state" exec demo2 sh -c 'echo "exec sees: $(cat /proc/1/cmdline | tr "\0" " ")"'
"$oci" --root "$state" kill demo2 KILL
sleep 0.2
"$oci" --root "$state" state demo2 | jq -c '{id, status}'
"$oci" --root "$state" delete demo2
echo "deleted; containers left: $("$oci" --root "$state" list -q | wc -l)"

# ---------------------------------------------------------------- the engine
ward=$top/build/ward
W=("$ward" --root "$work/ward-root" --runroot "$work/ward-run")
say "ward: an OCI image built locally from busybox-static, loaded into ward's store"
"$top/scripts/mkimage.sh" -p -r localhost/demo/busybox:1 "$work/busybox.tar" >/dev/null
"${W[@]}" load -i "$work/busybox.tar"
"${W[@]}" images

say "ward scan: the image's packages against OSV data imported offline"
# No network here, so no real feed: one sample OSV record, made up for the
# demo (id WARD-DEMO-0001), against the busybox source package the image
# records, fixed in a later revision than the one installed.
mkdir -p "$work/osv"
installed=$(dpkg-query -W -f '${source:Version}' busybox-static)
cat >"$work/osv/WARD-DEMO-0001.json" <<EOF
{"schema_version": "1.6.0", "id": "WARD-DEMO-0001", "modified": "$(date -u +%Y-%m-%dT%H:%M:%SZ)",
 "aliases": ["CVE-0000-0001"], "summary": "sample record for the demo: busybox before ${installed}+demo1",
 "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:N"}],
 "affected": [{"package": {"ecosystem": "Debian:12", "name": "busybox"},
   "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "${installed}+demo1"}]}]}]}
EOF
"${W[@]}" db import "$work/osv"
"${W[@]}" scan localhost/demo/busybox:1
if "${W[@]}" scan localhost/demo/busybox:1 --fail-on high >/dev/null; then
	echo "the scan gate passed a vulnerable image" >&2
	exit 1
else
	echo "ward scan --fail-on high: exit $? (the CI gate)"
fi

say "ward key generate + ward sign: a cosign key signs the image; the policy requires it"
export WARD_PASSWORD=demo
"${W[@]}" key generate --output-key-prefix "$work/demo"
"${W[@]}" sign --key "$work/demo.key" localhost/demo/busybox:1
jq -n --arg k "$work/demo.pub" '{default: [{type: "reject"}],
  transports: {docker: {"localhost/demo": [{type: "sigstoreSigned", keyPath: $k}]}}}' \
	>"$work/policy.json"
W+=(--policy "$work/policy.json")
"${W[@]}" verify localhost/demo/busybox:1
"${W[@]}" run --rm localhost/demo/busybox:1 echo "signed image: the policy lets it run"
"$top/scripts/mkimage.sh" -r localhost/demo/busybox:tampered -c 'echo tampered' \
	"$work/tampered.tar" >/dev/null
"${W[@]}" load -i "$work/tampered.tar" >/dev/null
if "${W[@]}" run --rm localhost/demo/busybox:tampered; then
	echo "the tampered copy ran: the policy failed" >&2
	exit 1
else
	echo "the tampered copy was refused (exit $?)"
fi

say "ward run (foreground): the image's hardening is ward's default"
"${W[@]}" run --rm localhost/demo/busybox:1 sh -c 'grep -E "^(CapEff|NoNewPrivs|Seccomp):" /proc/self/status; echo "pid in container: $$"'

say "ward run -d: a detached container, then ward ps and ward logs"
"${W[@]}" run -d --name demo-web localhost/demo/busybox:1 \
	sh -c 'i=0; while [ $i -lt 3 ]; do echo "tick $i"; i=$((i+1)); sleep 0.2; done; sleep 30' >/dev/null
sleep 1
"${W[@]}" ps
"${W[@]}" logs demo-web
"${W[@]}" exec demo-web sh -c 'echo "exec in demo-web: $(hostname)"'
"${W[@]}" stop -t 1 demo-web >/dev/null
"${W[@]}" ps -a
"${W[@]}" rm demo-web >/dev/null
echo "removed; containers left: $("${W[@]}" ps -aq | wc -l)"

say "ward audit: a deliberately misconfigured container against the CIS Docker Benchmark"
"${W[@]}" run -d --name demo-bad --privileged --network host -v /etc:/host-etc \
	localhost/demo/busybox:1 sleep 30 >/dev/null
"${W[@]}" audit demo-bad
if "${W[@]}" audit demo-bad --fail-on critical >/dev/null; then
	echo "the audit passed a privileged container" >&2
	exit 1
else
	echo "ward audit --fail-on critical: exit $? (a CI gate would stop here)"
fi
"${W[@]}" rm -f demo-bad >/dev/null
