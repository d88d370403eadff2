#!/usr/bin/env bats
# `ward exec`, `ward top`, `ward diff` and `ward run --init` on containers
# started with `ward run -d` from an imported busybox image.

load helpers

setup() {
	setup_bundle
	setup_ward
	tar -C "$ROOTFS" -czf "$E2E_TMP/rootfs.tgz" .
	ward import "$E2E_TMP/rootfs.tgz" busybox >/dev/null
}

teardown() {
	ward rm -f c1 >/dev/null 2>&1 || true
	ward_teardown
}

# start_detached NAME [RUN FLAGS...] -- COMMAND...: `ward run -d --name NAME`;
# $CID is the id it printed. Through files: a container holding a pipe would
# keep bats' `run` from returning.
start_detached() {
	local name=$1
	shift
	local -a flags=()
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		flags+=("$1")
		shift
	done
	shift
	if ! ward run -d --name "$name" "${flags[@]}" busybox "$@" >"$E2E_TMP/run.out" 2>"$E2E_TMP/run.err"; then
		cat "$E2E_TMP/run.out" "$E2E_TMP/run.err" >&2
		fail "ward run -d failed"
	fi
	CID=$(tail -n1 "$E2E_TMP/run.out")
	[[ "$CID" =~ ^[0-9a-f]{12,64}$ ]] || fail "no container id: $(cat "$E2E_TMP/run.out")"
}

# ward_tty ARGS...: ward with a terminal on stdin/stdout (script(1)).
ward_tty() {
	timeout -k 5 60 script -qec "$(printf '%q ' "$WARD" --root "$WROOT" --runroot "$WRUN" "$@")" /dev/null </dev/null 3>&-
}

@test "ward exec: the container's env, -e, -u, -w and the command's exit status" {
	start_detached c1 -e FROM_RUN=yes -- sleep 300
	run ward exec c1 sh -c 'echo "run=$FROM_RUN"; exit 3'
	assert_status 3
	assert_output_contains "run=yes"
	run ward exec -e GREETING=hi -e FROM_RUN=overridden c1 sh -c 'echo "$GREETING $FROM_RUN"'
	assert_success
	assert_output_equals "hi overridden"
	echo "FILE_VAR=from-file" >"$E2E_TMP/env"
	run ward exec --env-file "$E2E_TMP/env" c1 sh -c 'echo $FILE_VAR'
	assert_output_equals "from-file"
	run ward exec -u ward c1 id
	assert_success
	assert_output_contains "uid=1000(ward) gid=1000(ward)"
	run ward exec -u 1000:0 c1 id -u
	assert_output_equals 1000
	run ward exec -w /tmp c1 pwd
	assert_output_equals /tmp
	# The id prefix finds it too.
	run ward exec "${CID:0:12}" true
	assert_success
}

@test "ward exec: the container's capabilities, no_new_privs and seccomp apply" {
	start_detached c1 --cap-drop ALL --cap-add NET_BIND_SERVICE -- sleep 300
	run ward exec c1 sh -c 'grep -E "^(CapEff|CapBnd|NoNewPrivs|Seccomp):" /proc/self/status; unshare -m true 2>&1 || echo blocked'
	assert_success
	assert_output_contains $'CapEff:\t0000000000000400' $'NoNewPrivs:\t1' $'Seccomp:\t2' blocked
	run --separate-stderr ward exec --privileged c1 grep ^CapEff /proc/self/status
	assert_success
	assert_output_not_contains "0000000000000400"
	[[ "$stderr" == *privileged* ]] || fail "--privileged not logged: $stderr"
}

@test "ward exec: 127 not found, 126 not executable, 125 for unknown or stopped containers" {
	start_detached c1 -- sleep 300
	run -127 ward exec c1 no-such-command
	assert_status 127
	assert_output_contains "no-such-command"
	run ward exec c1 /etc/passwd
	assert_status 126
	run ward exec nosuch true
	assert_status 125
	assert_output_contains 'no container with name or ID "nosuch"'
	ward run --name c2 busybox true
	run ward exec c2 true
	assert_status 125
	assert_output_contains '"c2" is not running'
	ward rm -f c2 >/dev/null 2>&1 || true
}

@test "ward exec -t: the command runs on a /dev/pts terminal; without -t it has none" {
	require_cmd script
	start_detached c1 -- sleep 300
	run ward_tty exec -it c1 sh -c 'tty; echo "TERM=$TERM"'
	assert_success
	assert_output_contains /dev/pts/ TERM=xterm
	run ward exec c1 tty
	assert_output_contains "not a tty"
}

@test "ward exec -d: the process runs on after exec returns" {
	start_detached c1 -- sleep 300
	run ward exec -d c1 sh -c 'sleep 0.3; echo done > /tmp/detached'
	assert_success
	for _ in $(seq 50); do
		ward exec c1 cat /tmp/detached 2>/dev/null | grep -q done && return 0
		sleep 0.1
	done
	fail "the detached process never wrote /tmp/detached"
}

@test "ward top: podman's columns, container pids, descriptors and json" {
	start_detached c1 -- sleep 300
	run ward top c1
	assert_success
	[[ "${lines[0]}" =~ ^USER\ +PID\ +PPID\ +%CPU\ +ELAPSED\ +TTY\ +TIME\ +COMMAND$ ]] ||
		fail "header: ${lines[0]}"
	[[ "${lines[1]}" =~ ^root\ +1\ +0\ +[0-9.]+\ +[0-9.]+(ms|s)\ +\?\ +[0-9.]+(ms|s)\ +sleep\ 300$ ]] ||
		fail "row: ${lines[1]}"
	run ward top c1 pid,comm user
	assert_success
	[[ "${lines[0]}" =~ ^PID\ +COMMAND\ +USER$ ]] || fail "header: ${lines[0]}"
	[[ "${lines[1]}" =~ ^1\ +sleep\ +root$ ]] || fail "row: ${lines[1]}"
	run ward top --format json c1 pid args
	assert_success
	echo "$output" | jq -e '.[0].pid == 1 and .[0].args == "sleep 300"'
	run ward top c1 bogus
	assert_status 125
	assert_output_contains "unknown descriptor 'bogus'"
	run ward top nosuch
	assert_status 125
}

@test "ward top: an exec'd process shows with its container pid and parent 0" {
	start_detached c1 -- sleep 300
	ward exec -d c1 sleep 123
	for _ in $(seq 50); do
		run ward top c1 pid ppid args
		[[ "$output" == *"sleep 123"* ]] && break
		sleep 0.1
	done
	assert_output_contains "sleep 123"
	line=$(printf '%s\n' "${lines[@]}" | grep 'sleep 123')
	[[ "$line" =~ ^[0-9]+\ +0\ +sleep\ 123$ ]] || fail "exec'd row: $line"
	[[ ! "$line" =~ ^1\  ]] || fail "exec'd process shown as pid 1: $line"
}

@test "ward diff: added, changed and deleted paths, parents as changed, json" {
	start_detached c1 -- sleep 300
	ward exec c1 sh -c 'touch /etc/new; echo x >> /etc/group; rm /etc/passwd; mkdir -p /home/ward/d; rm -rf /mnt; mkdir /mnt; touch /mnt/m'
	run ward diff c1
	assert_success
	assert_output_contains "C /etc" "A /etc/new" "C /etc/group" "D /etc/passwd" \
		"C /home/ward" "A /home/ward/d" "C /mnt" "A /mnt/m"
	assert_output_not_contains "C /bin" "/proc"
	# podman's order: a directory before its contents.
	[ "$(printf '%s\n' "${lines[@]}" | grep -n '^C /etc$' | cut -d: -f1)" -lt \
		"$(printf '%s\n' "${lines[@]}" | grep -n '^A /etc/new$' | cut -d: -f1)" ] ||
		fail "order: $output"
	run ward diff --format json c1
	assert_success
	echo "$output" | jq -e '(.added | index("/etc/new")) and (.deleted == ["/etc/passwd"]) and (.changed | index("/etc"))'
	# It still answers once the container has exited.
	ward stop -t 1 c1 >/dev/null 2>&1 || ward kill c1 >/dev/null 2>&1 || true
	run ward diff c1
	assert_success
	assert_output_contains "A /etc/new"
}

@test "ward diff: a --rootfs container has no image to compare with" {
	ward run --name c1 --rootfs "$ROOTFS" true
	run ward diff c1
	assert_status 125
	assert_output_contains "--rootfs"
	run ward diff nosuch
	assert_status 125
}

@test "ward run --init: ward-init is PID 1 and runs the command; exit status passes through" {
	run ward run --rm --init --rootfs "$ROOTFS" sh -c 'cat /proc/1/cmdline | tr "\0" " "; echo; cat /proc/1/comm; echo "me=$$"; exit 5'
	assert_status 5
	assert_output_contains "/run/ward-init -- sh -c" "ward-init"
	assert_output_not_contains "me=1"
	run ward run --rm --init --rootfs "$ROOTFS" sh -c 'kill -KILL $$'
	assert_status 137
	run ward run --rm --init --rootfs "$ROOTFS" sh -c 'touch /run/ward-init 2>&1 || echo read-only'
	assert_output_contains read-only
	WARD_INIT_PATH=/nonexistent run ward run --rm --init --rootfs "$ROOTFS" true
	assert_status 125
	assert_output_contains WARD_INIT_PATH
}

@test "ward run --init: orphans are reaped, SIGTERM reaches the command so stop is fast" {
	# The shell waits in `wait` (no short-lived children that could be
	# caught as zombies between exit and reaping); the trap runs on TERM.
	start_detached c1 --init -- sh -c 'trap "echo got-term > /tmp/term; exit 0" TERM; (sleep 0.2 &); sleep 300 & wait'
	# An exec'd process's orphan is re-parented to the container's PID 1 too.
	ward exec c1 sh -c '(sleep 0.2 &)'
	sleep 1
	# The orphaned sleeps were re-parented to PID 1 and died: ward-init reaped them.
	run ward exec c1 sh -c 'cat /proc/1/comm; grep -l "^State:.*Z" /proc/[0-9]*/status || echo no-zombies'
	assert_success
	assert_output_contains ward-init no-zombies
	# Control: under a PID 1 that never reaps (sleep), the same orphan stays a zombie.
	ward run -d --name c2 busybox sleep 300 >/dev/null 2>&1
	defer "ward rm -f c2"
	ward exec c2 sh -c '(sleep 0.2 &)'
	sleep 1
	run ward exec c2 sh -c 'grep -l "^State:.*Z" /proc/[0-9]*/status || echo no-zombies'
	assert_output_not_contains no-zombies
	start=$(date +%s%N)
	run ward stop c1
	assert_success
	ms=$((($(date +%s%N) - start) / 1000000))
	[ "$ms" -lt 5000 ] || fail "stop took ${ms}ms: SIGTERM was not forwarded"
	[ -f "$WROOT/containers/$CID/upper/tmp/term" ] || fail "the trap did not run"
}

@test "ward run --init: a command that ignores SIGTERM as PID 1 stops at once under ward-init" {
	# Control: sleep as PID 1 has no handler, so SIGTERM does nothing and
	# stop waits out its timeout before SIGKILL.
	start_detached c1 -- sleep 300
	start=$(date +%s%N)
	ward stop -t 2 c1 >/dev/null
	ms=$((($(date +%s%N) - start) / 1000000))
	[ "$ms" -ge 1900 ] || fail "control: stop took only ${ms}ms without --init"
	ward rm -f c1 >/dev/null
	start_detached c1 --init -- sleep 300
	start=$(date +%s%N)
	ward stop -t 10 c1 >/dev/null
	ms=$((($(date +%s%N) - start) / 1000000))
	[ "$ms" -lt 3000 ] || fail "stop with --init took ${ms}ms"
}
