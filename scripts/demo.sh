#!/bin/bash
# make demo: a container from a local busybox bundle, hardening visible.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
oci=$top/build/ward-oci
work=$(mktemp -d /tmp/ward-demo.XXXXXX)
state=$work/state
trap 'rm -rf "$work"' EXIT
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
