# shellcheck shell=bash
# Shared helpers for the ward-oci end-to-end tests (bubblewrap libtest-core style).
#
# Every test gets its own bundle ($BUNDLE, rootfs $ROOTFS), its own runtime state
# directory ($E2E_STATE, passed as --root) and its own container id ($ID), all under
# $BATS_TEST_TMPDIR, so tests never see each other's containers or the host's.
#
# Environment:
#   OCI_RUNTIME         runtime under test (default build/test/ward-oci); any runtime
#                       with runc's command line works: /usr/sbin/runc, a crun wrapper
#   OCI_RUNTIME_BINARY  the executable file the CVE-2019-5736 tests guard, when
#                       OCI_RUNTIME is a wrapper script (default: OCI_RUNTIME)
#   WARD_E2E_IS_WARD    1/0 to force is_ward; default: OCI_RUNTIME's name starts "ward"
#   E2E_RT_TIMEOUT      seconds before one runtime call is killed (default 60)

bats_require_minimum_version 1.5.0

E2E_TOP=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
: "${OCI_RUNTIME:=$E2E_TOP/build/test/ward-oci}"
case $OCI_RUNTIME in
/*) ;;
*/*) OCI_RUNTIME=$PWD/$OCI_RUNTIME ;;
*) OCI_RUNTIME=$(command -v "$OCI_RUNTIME" || echo "$PWD/$OCI_RUNTIME") ;;
esac
export OCI_RUNTIME
: "${OCI_RUNTIME_BINARY:=$OCI_RUNTIME}"
: "${E2E_RT_TIMEOUT:=60}"
MKBUNDLE=$E2E_TOP/scripts/mkbundle.sh
# One template rootfs per bats run; each bundle copies it.
export MKBUNDLE_CACHE=${BATS_RUN_TMPDIR:-${TMPDIR:-/tmp}}/mkbundle-cache

# ---------------------------------------------------------------- generic asserts

fail() {
	printf '%s\n' "$@" >&2
	return 1
}

# Print what the last `run` saw; called by the asserts on failure.
dump_run() {
	printf 'status: %s\n' "${status:-?}" >&2
	printf 'output: %s\n' "${output:-}" >&2
	[ -z "${stderr:-}" ] || printf 'stderr: %s\n' "$stderr" >&2
}

assert_success() {
	if [ "${status:-}" != 0 ]; then
		echo "expected success" >&2
		dump_run
		return 1
	fi
}

# assert_failure [STATUS]: non-zero exit, and exactly STATUS when given.
assert_failure() {
	if [ "${status:-0}" = 0 ]; then
		echo "expected failure" >&2
		dump_run
		return 1
	fi
	if [ $# -gt 0 ] && [ "$status" != "$1" ]; then
		echo "expected exit status $1" >&2
		dump_run
		return 1
	fi
}

assert_status() {
	if [ "${status:-}" != "$1" ]; then
		echo "expected exit status $1" >&2
		dump_run
		return 1
	fi
}

assert_output_contains() {
	local s
	for s; do
		if [[ "${output:-}" != *"$s"* ]]; then
			echo "output does not contain '$s'" >&2
			dump_run
			return 1
		fi
	done
}

assert_output_not_contains() {
	local s
	for s; do
		if [[ "${output:-}" == *"$s"* ]]; then
			echo "output contains '$s'" >&2
			dump_run
			return 1
		fi
	done
}

assert_output_equals() {
	if [ "${output:-}" != "$1" ]; then
		echo "expected output '$1'" >&2
		dump_run
		return 1
	fi
}

assert_stderr_contains() {
	local s
	for s; do
		if [[ "${stderr:-}${stderr:+$'\n'}${output:-}" != *"$s"* ]]; then
			echo "stderr does not contain '$s'" >&2
			dump_run
			return 1
		fi
	done
}

# assert_equal ACTUAL EXPECTED [WHAT]
assert_equal() {
	if [ "$1" != "$2" ]; then
		fail "${3:-value}: expected '$2', got '$1'"
	fi
}

# ---------------------------------------------------------------- runtime identity

# True when the runtime under test is ward-oci. Guards assertions on ward's own
# messages and limits (runc and crun word errors differently and are laxer about
# some inputs), so the suite validates itself against runc and crun.
is_ward() {
	case ${WARD_E2E_IS_WARD:-auto} in
	1 | yes | true) return 0 ;;
	0 | no | false) return 1 ;;
	esac
	case ${OCI_RUNTIME##*/} in
	ward*) return 0 ;;
	esac
	return 1
}

# assert_ward_error WORD...: for ward-oci, stderr names each WORD (the field path).
assert_ward_error() {
	is_ward || return 0
	assert_stderr_contains "$@"
}

# known_runtime_bug NAME REASON: skip, saying why, when the runtime under test is
# NAME (never ward-oci): for spec behaviour that a reference runtime gets wrong.
known_runtime_bug() {
	is_ward && return 0
	case ${OCI_RUNTIME##*/} in
	"$1"*) skip "$2" ;;
	esac
}

# assert_ward_error_any WORD...: for ward-oci, stderr names at least one WORD.
assert_ward_error_any() {
	is_ward || return 0
	local w
	for w; do
		[[ "${stderr:-}${output:-}" == *"$w"* ]] && return 0
	done
	echo "stderr names none of: $*" >&2
	dump_run
	return 1
}

require_root() {
	[ "$(id -u)" = 0 ] || skip "needs root"
}

require_cmd() {
	local c
	for c; do
		command -v "$c" >/dev/null 2>&1 || skip "needs $c"
	done
}

require_runtime() {
	[ -x "$OCI_RUNTIME" ] ||
		fail "OCI_RUNTIME=$OCI_RUNTIME is not executable (make build/test/ward-oci, or set OCI_RUNTIME)"
}

# ---------------------------------------------------------------- runtime calls

# rt ARGS...: the runtime with this test's --root. fd 3 (bats' own output channel)
# is closed so a container that outlives the call cannot hold the test open; the
# timeout turns a hung runtime into a failure instead of a hung suite.
rt() {
	timeout -k 5 "$E2E_RT_TIMEOUT" "$OCI_RUNTIME" --root "$E2E_STATE" "$@" 3>&-
}

# rt_run [FLAGS...]: `run` the container $ID in the foreground from $BUNDLE, stdin
# from /dev/null; sets $status, $output (container stdout) and $stderr.
rt_run() {
	run --separate-stderr rt run --bundle "$BUNDLE" "$@" "$ID" </dev/null
}

# create_container [FLAGS...]: create $ID from $BUNDLE. The container's stdio goes to
# $CTR_STDOUT / $CTR_STDERR: with a pipe, the waiting container would keep a `run`
# (which reads to EOF) from ever returning.
create_container() {
	if ! rt create --bundle "$BUNDLE" "$@" "$ID" </dev/null >"$CTR_STDOUT" 2>"$CTR_STDERR"; then
		echo "create $ID failed:" >&2
		cat "$CTR_STDERR" >&2
		return 1
	fi
}

# try_create [FLAGS...] [-- ID]: create expecting it may fail; sets $status, $output
# and $stderr like `run`, but through files: bats' `run` reads a pipe to EOF, and a
# wrongly created container would hold that pipe open and hang the test.
try_create() {
	local id=$ID
	local -a flags=()
	while [ $# -gt 0 ]; do
		if [ "$1" = -- ]; then
			id=$2
			break
		fi
		flags+=("$1")
		shift
	done
	status=0
	rt create --bundle "$BUNDLE" "${flags[@]}" "$id" </dev/null \
		>"$E2E_TMP/create.out" 2>"$E2E_TMP/create.err" || status=$?
	output=$(cat "$E2E_TMP/create.out")
	stderr=$(cat "$E2E_TMP/create.err")
	mapfile -t lines <<<"$output"
}

# start_container: create (with FLAGS), start, wait until running.
start_container() {
	create_container "$@"
	rt start "$ID" >/dev/null
	wait_for_state "$ID" running
}

# state_field ID JQ-FIELD: one field of `state`.
state_field() {
	rt state "$1" | jq -r "$2"
}

container_pid() {
	state_field "${1:-$ID}" .pid
}

# wait_for_state ID STATUS [SECONDS]: poll `state` until status is STATUS.
wait_for_state() {
	local id=$1 want=$2 secs=${3:-10} got="" i
	for ((i = 0; i < secs * 20; i++)); do
		got=$(rt state "$id" 2>/dev/null | jq -r .status 2>/dev/null) || got=""
		[ "$got" = "$want" ] && return 0
		sleep 0.05
	done
	fail "container $id: status '$got' after ${secs}s, wanted '$want'"
}

# wait_for_file PATH [SECONDS]
wait_for_file() {
	local f=$1 secs=${2:-10} i
	for ((i = 0; i < secs * 20; i++)); do
		[ -e "$f" ] && return 0
		sleep 0.05
	done
	fail "$f did not appear within ${secs}s"
}

# pid_alive PID: running, not a zombie (a dead container init waits for whoever
# adopted it to reap it, which the test does not control).
pid_alive() {
	local st
	st=$(sed -n 's/^State:[[:space:]]*\([A-Z]\).*/\1/p' "/proc/$1/status" 2>/dev/null) || return 1
	[ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}

# wait_for_exit PID [SECONDS]
wait_for_exit() {
	local pid=$1 secs=${2:-10} i
	for ((i = 0; i < secs * 20; i++)); do
		pid_alive "$pid" || return 0
		sleep 0.05
	done
	fail "process $pid still alive after ${secs}s"
}

# ---------------------------------------------------------------- bundle and config

# setup_bundle: fresh bundle, state dir and container id for this test. The config
# is the runtime's `spec` (see scripts/mkbundle.sh) with a writable rootfs, so tests
# can leave marker files in $ROOTFS/tmp; tests of a read-only rootfs set it back.
setup_bundle() {
	require_root
	require_runtime
	E2E_TMP=$BATS_TEST_TMPDIR
	BUNDLE=$E2E_TMP/bundle
	ROOTFS=$BUNDLE/rootfs
	CONFIG=$BUNDLE/config.json
	E2E_STATE=$E2E_TMP/state
	CTR_STDOUT=$E2E_TMP/ctr.stdout
	CTR_STDERR=$E2E_TMP/ctr.stderr
	E2E_CLEANUP=()
	local file=${BATS_TEST_FILENAME##*/}
	# Unique per test and per run, within runc's id alphabet.
	ID=e2e-${file%.bats}-${BATS_TEST_NUMBER}-$$-$RANDOM
	"$MKBUNDLE" "$BUNDLE" >/dev/null
	update_config '.root.readonly = false | .process.terminal = false'
}

# update_config FILTER [JQ-OPTIONS...]: edit $CONFIG in place with jq, e.g.
#   update_config '.process.env += [$e]' --arg e FOO=bar
update_config() {
	local filter=$1
	shift
	jq "$@" "$filter" "$CONFIG" >"$CONFIG.tmp" || {
		rm -f "$CONFIG.tmp"
		fail "update_config: jq failed on: $filter"
	}
	mv "$CONFIG.tmp" "$CONFIG"
}

# json_array ARGS...: the arguments as a JSON array of strings (safe for args that
# start with '-', which jq would otherwise take as options).
json_array() {
	local i=0 a f='['
	local -a jargs=()
	for a; do
		jargs+=(--arg "a$i" "$a")
		f+="\$a$i,"
		i=$((i + 1))
	done
	f="${f%,}]"
	jq -nc "${jargs[@]}" "$f"
}

# set_args ARGS...: process.args = ARGS
set_args() {
	update_config '.process.args = $a' --argjson a "$(json_array "$@")"
}

# set_sh SCRIPT: process.args = ["sh", "-c", SCRIPT]
set_sh() {
	set_args sh -c "$1"
}

# add_mount DESTINATION TYPE SOURCE [OPTION...]
add_mount() {
	local dst=$1 type=$2 src=$3
	shift 3
	update_config '.mounts += [{destination: $d, type: $t, source: $s, options: $o}]' \
		--arg d "$dst" --arg t "$type" --arg s "$src" --argjson o "$(json_array "$@")"
}

# add_namespace TYPE [PATH]: add (or replace) a namespace entry.
add_namespace() {
	if [ $# -gt 1 ]; then
		update_config '.linux.namespaces = ([.linux.namespaces[]? | select(.type != $t)] + [{type: $t, path: $p}])' \
			--arg t "$1" --arg p "$2"
	else
		update_config '.linux.namespaces = ([.linux.namespaces[]? | select(.type != $t)] + [{type: $t}])' \
			--arg t "$1"
	fi
}

remove_namespace() {
	update_config '.linux.namespaces = [.linux.namespaces[]? | select(.type != $t)]' --arg t "$1"
}

# defer COMMAND: run COMMAND (eval'd) at teardown, last deferred first.
defer() {
	E2E_CLEANUP+=("$1")
}

# ---------------------------------------------------------------- host inspection

# cgroup_dir PID CONTROLLER: the host directory of PID's cgroup for a v1 controller
# ("memory", "pids", ...) or "unified" for the cgroup2 hierarchy. Works on v1, v2 and
# hybrid hosts; prints nothing when the controller is not mounted.
cgroup_dir() {
	local pid=$1 ctrl=$2 line hier ctrls path
	if [ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ]; then
		path=$(sed -n 's/^0:://p' "/proc/$pid/cgroup")
		echo "/sys/fs/cgroup$path"
		return 0
	fi
	while IFS= read -r line; do
		hier=${line%%:*}
		line=${line#*:}
		ctrls=${line%%:*}
		path=${line#*:}
		if [ "$ctrl" = unified ] && [ "$hier" = 0 ]; then
			[ -d /sys/fs/cgroup/unified ] && echo "/sys/fs/cgroup/unified$path"
			return 0
		fi
		case ",$ctrls," in
		*",$ctrl,"*)
			echo "/sys/fs/cgroup/$ctrl$path"
			return 0
			;;
		esac
	done <"/proc/$pid/cgroup"
}

require_cgroup_v1() {
	local c
	[ "$(stat -fc %T /sys/fs/cgroup)" != cgroup2fs ] || skip "host has cgroup v2 only"
	for c; do
		[ -d "/sys/fs/cgroup/$c" ] || skip "cgroup v1 controller $c not mounted"
	done
}

# cgroup_dirs_named NAME: every cgroup directory on the host whose name is NAME.
cgroup_dirs_named() {
	find /sys/fs/cgroup -mindepth 1 -maxdepth 8 -type d -name "$1" 2>/dev/null || true
}

# pids_of_bundle: processes whose root directory is $ROOTFS (compared by device and
# inode: a container's /proc/PID/root reads "/" from outside its mount namespace) or
# whose command line names $ID: the container's processes as seen from the host.
pids_of_bundle() {
	local want p
	# The globs expand here, in this shell, so the stat and grep processes do not
	# find themselves (their own command line names $ID).
	local -a roots=(/proc/[0-9]*/root) cmdlines=(/proc/[0-9]*/cmdline)
	want=$(stat -c %d:%i "$ROOTFS" 2>/dev/null) || return 0
	# One stat and one grep over /proc rather than a fork per process: this runs in
	# every teardown.
	for p in $({
		stat -Lc '%d:%i %n' "${roots[@]}" 2>/dev/null |
			awk -v w="$want" '$1 == w { split($2, a, "/"); print a[3] }'
		grep -laF -- "$ID" "${cmdlines[@]}" 2>/dev/null | cut -d/ -f3
	} | sort -u); do
		[ "$p" != "$$" ] && [ "$p" != "$BASHPID" ] && [ -d "/proc/$p" ] && echo "$p"
	done
	return 0
}

# mounts_under DIR: mount points in the host's mount table at or below DIR.
mounts_under() {
	awk -v d="$1" '$5 == d || index($5, d "/") == 1 { print $5 }' /proc/self/mountinfo
}

# snapshot_host: remember the host's mount table for assert_nothing_left.
# state_entries DIR: what a runtime root holds besides its seccomp cache.
state_entries() {
	ls -A "$1" 2>/dev/null | grep -vx '.seccomp-cache'
}

snapshot_host() {
	sort /proc/self/mountinfo >"$E2E_TMP/mountinfo.before"
}

# assert_nothing_left: after a failed create/run of $ID, nothing of it survives:
# no state under --root, no cgroup, no process, no new mount that touches this test.
assert_nothing_left() {
	local leftovers="" d
	if [ -e "$E2E_STATE/$ID" ]; then
		leftovers+="state dir $E2E_STATE/$ID; "
	fi
	# .seccomp-cache is the runtime's compiled-filter cache, shared by all
	# containers of that root, not a container's state.
	if [ -d "$E2E_STATE" ] && [ -n "$(state_entries "$E2E_STATE")" ]; then
		leftovers+="state entries: $(state_entries "$E2E_STATE" | tr '\n' ' '); "
	fi
	d=$(cgroup_dirs_named "$ID")
	[ -z "$d" ] || leftovers+="cgroups: $d; "
	d=$(pids_of_bundle | tr '\n' ' ')
	[ -z "$d" ] || leftovers+="processes: $d; "
	d=$(pgrep -f -- "$ID" | grep -vx "$$" | tr '\n' ' ' || true)
	[ -z "$d" ] || leftovers+="pgrep $ID: $d; "
	if [ -e "$E2E_TMP/mountinfo.before" ]; then
		d=$(sort /proc/self/mountinfo | comm -13 "$E2E_TMP/mountinfo.before" - |
			grep -F -e "$E2E_TMP" -e "$ID" || true)
		[ -z "$d" ] || leftovers+="mounts: $d; "
	fi
	d=$(mounts_under "$E2E_TMP")
	[ -z "$d" ] || leftovers+="mounts under the test dir: $d; "
	[ -z "$leftovers" ] || fail "left behind by $ID: $leftovers"
}

# sha256 FILE
sha256() {
	sha256sum "$1" | cut -d' ' -f1
}

# recvtty: path of the console-socket receiver (tests/tools/recvtty.c), built by the
# Makefile into build/tools/; compiled here when missing so the suite also runs
# against runc or crun in a tree where nothing is built yet.
recvtty_bin() {
	local b=$E2E_TOP/build/tools/recvtty c=${BATS_RUN_TMPDIR}/recvtty
	if [ -x "$b" ] && [ "$b" -nt "$E2E_TOP/tests/tools/recvtty.c" ]; then
		echo "$b"
		return 0
	fi
	if [ ! -x "$c" ]; then
		gcc -std=gnu11 -D_GNU_SOURCE -O2 -Wall -o "$c.$$" "$E2E_TOP/tests/tools/recvtty.c" >&2 &&
			mv "$c.$$" "$c"
	fi
	echo "$c"
}

# ---------------------------------------------------------------- teardown

# common_teardown: run deferred commands, force-delete every container left under
# this test's --root (by `list`, and by state entry in case list itself is broken),
# then remove what a broken runtime may leave: processes running from the bundle
# (by pid, verified to be ours), mounts under the test dir, empty cgroups named $ID.
common_teardown() {
	local i id ids p
	[ -n "${E2E_STATE:-}" ] || return 0
	for ((i = ${#E2E_CLEANUP[@]} - 1; i >= 0; i--)); do
		eval "${E2E_CLEANUP[i]}" >/dev/null 2>&1 || true
	done
	ids=$(rt list --format json 2>/dev/null | jq -r '.[]?.id' 2>/dev/null || true)
	if [ -d "$E2E_STATE" ]; then
		for p in "$E2E_STATE"/*/; do
			[ -d "$p" ] && ids+=$'\n'$(basename "$p")
		done
	fi
	for id in $(printf '%s\n' "$ids" "$ID" | sort -u); do
		[ -n "$id" ] && E2E_RT_TIMEOUT=15 rt delete --force "$id" >/dev/null 2>&1 || true
	done
	for p in $(pids_of_bundle); do
		kill -KILL "$p" 2>/dev/null || true
	done
	for p in $(mounts_under "$E2E_TMP" | sort -r); do
		umount -l "$p" 2>/dev/null || true
	done
	for p in $(cgroup_dirs_named "$ID" | sort -r); do
		rmdir "$p" 2>/dev/null || true
	done
	return 0
}

# ---------------------------------------------------------------- the ward engine

# setup_ward: $WARD (default build/test/ward) with its own --root ($WROOT) and
# --runroot ($WRUN) under the test's tmpdir; skips when ward is not built.
setup_ward() {
	WARD=${WARD:-$E2E_TOP/build/test/ward}
	[ -x "$WARD" ] || skip "build/test/ward not built"
	WROOT=$E2E_TMP/ward-root
	WRUN=$E2E_TMP/ward-run
	# ward enforces a trust policy at pull and run and rejects everything
	# when no policy file exists; tests that are not about trust run under
	# an explicit accept-anything one (tests about trust pass --policy,
	# which wins over $WARD_POLICY). See docs/sign.md "Enforcement".
	export WARD_POLICY=${WARD_POLICY:-$E2E_TOP/tests/e2e/policy-accept.json}
}

# ward ARGS...: the engine on this test's roots, stdin closed, bounded in time.
ward() {
	timeout -k 5 120 "$WARD" --root "$WROOT" --runroot "$WRUN" "$@" </dev/null 3>&-
}

# ward_teardown: containers ward left in its runtime state, overlays under
# $WROOT, then the common teardown.
ward_teardown() {
	local d
	for d in "${WRUN:-/nonexistent}"/*/; do
		[ -d "$d" ] && E2E_STATE=$WRUN rt delete --force "$(basename "$d")" >/dev/null 2>&1
	done
	[ -n "${WROOT:-}" ] && grep -o " $WROOT/[^ ]*" /proc/self/mounts 2>/dev/null |
		xargs -r -n1 umount -l 2>/dev/null
	common_teardown
}
