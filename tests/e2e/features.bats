#!/usr/bin/env bats
# Runtime features beyond the basics: --no-pivot, --no-new-keyring, logging,
# time and cgroup namespaces, personality, scheduler, ioPriority, rro mounts,
# rootfs propagation, seccomp user notification, events --stats.

load helpers

setup() {
	setup_bundle
}

teardown() {
	common_teardown
}

@test "--no-pivot: the rootfs is moved onto / and the process runs" {
	set_sh 'ls /bin/busybox; ls -d /tmp'
	rt_run --no-pivot
	assert_success
	assert_output_equals $'/bin/busybox\n/tmp'
	[ ! -e "$ROOTFS$E2E_TMP" ] || fail "host tree visible"
}

@test "session keyring: a new one per container unless --no-new-keyring" {
	update_config '.linux.maskedPaths = [.linux.maskedPaths[]? | select(. != "/proc/keys")]'
	set_sh 'cat /proc/keys'
	rt_run
	assert_success
	assert_output_contains "_ses.$ID"
	# A new id: the first run's keyring may linger until the kernel's GC.
	ID=$ID-nokeyring
	rt_run --no-new-keyring
	assert_success
	assert_output_not_contains "_ses.$ID"
}

@test "--log --log-format json: an error is one JSON line naming the field" {
	is_ward || skip "message format is ward-oci's"
	update_config '.process.args = "sh"'
	run rt --log "$E2E_TMP/log.json" --log-format json create --bundle "$BUNDLE" "$ID"
	assert_failure
	jq -e 'select(.level == "error") | .msg | test("process.args")' "$E2E_TMP/log.json"
	jq -e '.time | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T")' "$E2E_TMP/log.json"
}

@test "--systemd-cgroup is refused with a clear error" {
	is_ward || skip "ward-oci has no systemd driver; runc does"
	run rt --systemd-cgroup run --bundle "$BUNDLE" "$ID"
	assert_failure
	assert_output_contains "systemd cgroup driver is not supported"
}

@test "time namespace: timeOffsets shift the container's boottime and monotonic clocks" {
	[ -e /proc/self/ns/time ] || skip "kernel without time namespaces"
	add_namespace time
	update_config '.linux.timeOffsets = {boottime: {secs: 864000}, monotonic: {secs: 864000}}'
	set_sh 'cut -d. -f1 /proc/uptime'
	rt_run
	assert_success
	host=$(cut -d. -f1 /proc/uptime)
	[ "$output" -ge $((host + 864000 - 5)) ] || fail "uptime $output, host $host"
}

@test "cgroup namespace: the container sees its cgroup as the root" {
	add_namespace cgroup
	set_sh 'cat /proc/self/cgroup'
	rt_run
	assert_success
	# Every line ends in ":/" (v1 and the unified line alike).
	bad=$(printf '%s\n' "$output" | grep -v ':/$' || true)
	[ -z "$bad" ] || fail "cgroup paths not at the namespace root: $bad"
}

@test "personality LINUX32: uname -m reports a 32-bit machine" {
	update_config '.linux.personality = {domain: "LINUX32"}'
	set_sh 'uname -m'
	rt_run
	assert_success
	[[ "$output" == i?86 ]] || fail "uname -m: $output"
}

@test "scheduler SCHED_BATCH with nice 5 applies to the process" {
	update_config '.process.scheduler = {policy: "SCHED_BATCH", nice: 5}'
	set_sh 'grep -E "^policy" /proc/self/sched; cut -d" " -f19 /proc/self/stat'
	rt_run
	assert_success
	assert_output_contains "policy"
	[ "$(printf '%s\n' "$output" | awk '/^policy/ {print $3}')" = 3 ] || fail "$output"
	[ "$(printf '%s\n' "$output" | tail -1)" = 5 ] || fail "nice: $output"
}

@test "ioPriority IOPRIO_CLASS_IDLE applies to the process" {
	update_config '.process.ioPriority = {class: "IOPRIO_CLASS_IDLE", priority: 0}'
	set_sh 'ionice'
	rt_run
	assert_success
	assert_output_contains idle
}

@test "rro: a recursive read-only bind makes submounts read-only too" {
	host=$E2E_TMP/rro-src
	mkdir -p "$host/sub"
	mount -t tmpfs tmpfs "$host/sub"
	defer "umount -l '$host/sub'"
	add_mount /data none "$host" rbind rro
	set_sh 'touch /data/sub/x 2>&1; echo rc=$?'
	rt_run
	assert_success
	assert_output_contains "Read-only file system"
	[ ! -e "$host/sub/x" ] || fail "write reached the host's submount"
}

@test "rootfsPropagation: the root mount is never shared by default, shared on request" {
	set_sh 'while read -r a b c d mp rest; do [ "$mp" = / ] && echo "$rest"; done </proc/self/mountinfo; true'
	rt_run
	assert_success
	assert_output_not_contains "shared:"
	update_config '.linux.rootfsPropagation = "shared"'
	rt_run
	assert_success
	assert_output_contains "shared:"
}

@test "domainname: set in the UTS namespace" {
	update_config '.domainname = "ward.example"'
	set_sh 'cat /proc/sys/kernel/domainname'
	rt_run
	assert_success
	assert_output_equals ward.example
}

@test "seccomp SCMP_ACT_NOTIFY: the agent at listenerPath gets the fd and answers" {
	agent=$BATS_TEST_DIRNAME/../../build/tools/seccomp-agent
	[ -x "$agent" ] || skip "build/tools/seccomp-agent not built"
	sock=$E2E_TMP/agent.sock
	"$agent" "$sock" "$E2E_TMP/agent.state" 28 &
	apid=$!
	defer "kill $apid"
	for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.05; done
	update_config '.linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW", listenerPath: $s,
		listenerMetadata: "e2e-meta",
		syscalls: [{names: ["mkdir", "mkdirat"], action: "SCMP_ACT_NOTIFY"}]}' --arg s "$sock"
	set_sh 'mkdir /tmp/notified 2>&1; echo rc=$?'
	rt_run
	assert_success
	assert_output_contains "No space left on device"
	[ ! -e "$ROOTFS/tmp/notified" ] || fail "mkdir ran despite the agent's answer"
	jq -e '.metadata == "e2e-meta" and .fds == ["seccompFd"] and .state.id == $id' \
		--arg id "$ID" "$E2E_TMP/agent.state"
}

@test "events --stats: memory and pids of a running container" {
	update_config '.linux.resources.memory = {limit: 67108864} | .linux.resources.pids = {limit: 50}'
	set_args sleep 30
	start_container
	run rt events --stats "$ID"
	assert_success
	echo "$output" | jq -e '.type == "stats" and .id == $id' --arg id "$ID"
	echo "$output" | jq -e '.data.pids.current >= 1'
}

@test "cgroup v2 host (simulated in a private mount namespace): run, pause, delete" {
	is_ward || skip "runc and crun are exercised on the host's own layout"
	grep -q cgroup2 /proc/filesystems || skip "no cgroup2"
	set_args sleep 30
	# A cgroup2 mount alone at /sys/fs/cgroup is what a v2 host has; the
	# hierarchy is the host's unified one, seen from this private namespace.
	run unshare -m sh -euc '
		umount -R /sys/fs/cgroup 2>/dev/null || umount -l /sys/fs/cgroup
		mount -t cgroup2 none /sys/fs/cgroup
		"$1" --root "$2" run -d --bundle "$3" "$4" </dev/null >/dev/null 2>&1
		pid=$("$1" --root "$2" state "$4" | jq -r .pid)
		grep -qx "$pid" "/sys/fs/cgroup/ward/$4/cgroup.procs"
		"$1" --root "$2" pause "$4"
		"$1" --root "$2" state "$4" | jq -r .status
		"$1" --root "$2" delete --force "$4"
		[ ! -e "/sys/fs/cgroup/ward/$4" ] && echo removed
	' sh "$OCI_RUNTIME" "$E2E_STATE" "$BUNDLE" "$ID"
	assert_success
	assert_output_equals $'paused\nremoved'
}
