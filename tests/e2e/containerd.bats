#!/usr/bin/env bats
# ward-oci under containerd 1.6: a private containerd, the runc v2 shim, and
# ctr --runc-binary pointing at the runtime under test. The shim calls the
# runtime as
#   RUNTIME --root /run/containerd/runc/<ns> --log <bundle>/log.json \
#           --log-format json create --bundle B --pid-file P [--console-socket S] ID
# then start, state, kill [--all], exec --process --detach --pid-file, ps
# --format json, pause, resume, delete [--force].
#
#   OCI_RUNTIME=/usr/sbin/runc bats tests/e2e/containerd.bats    # reference
#   bats tests/e2e/containerd.bats          # build/test/ward-oci (default)

load containerd-helpers

setup_file() {
	local why
	why=$(ctrd_preflight)
	if [ -n "$why" ]; then
		export CTRD_SKIP=$why
		return 0
	fi
	ctrd_resolve_runtime
	ctrd_start
	ctrd_import_busybox
}

teardown_file() {
	ctrd_stop
}

setup() {
	[ -z "${CTRD_SKIP:-}" ] || skip "$CTRD_SKIP"
	ID=t$BATS_TEST_NUMBER
}

teardown() {
	[ -n "${CTRD_PID:-}" ] || return 0
	ctrd_dump_on_failure
	local c
	for c in $(ctrc containers ls -q 2>/dev/null); do
		ctr_cleanup_container "$c"
	done
}

# host_ns PID NS: the namespace identity of a host process.
host_ns() {
	readlink "/proc/$1/ns/$2"
}

# cgroup_file PID CONTROLLER FILE: path of FILE in PID's cgroup (v1 or v2).
cgroup_file() {
	local rel
	rel=$(awk -F: -v c="$2" '{ n = split($2, a, ","); for (i = 1; i <= n; i++) if (a[i] == c) print $3 }' "/proc/$1/cgroup")
	if [ -n "$rel" ] && [ -d "/sys/fs/cgroup/$2$rel" ]; then
		echo "/sys/fs/cgroup/$2$rel/$3"
		return
	fi
	rel=$(awk -F: '$1 == "0" { print $3 }' "/proc/$1/cgroup")
	echo "/sys/fs/cgroup$rel/$3"
}

@test "ctr run --rm prints the container's output" {
	run ctr_run --rm "$ID" echo hello
	[ "$status" -eq 0 ]
	[ "$output" = hello ]
	# --rm removed the container, and the runtime forgot it.
	run ctrc containers ls -q
	[ "$output" = "" ]
	run "$OCI_RUNTIME" --root "/run/containerd/runc/$CTRD_NS" state "$ID"
	[ "$status" -ne 0 ]
}

@test "ctr run propagates the process's exit status" {
	run ctr_run --rm "$ID" sh -c 'exit 7'
	[ "$status" -eq 7 ]
	run ctr_run --rm "$ID" sh -c 'exit 0'
	[ "$status" -eq 0 ]
}

@test "ctr run passes stdin, environment and working directory" {
	printf 'line-one\nline-two\n' >"$BATS_TEST_TMPDIR/in"
	# head, not cat: ctr 1.6 does not pass EOF of a non-terminal stdin on
	# to the shim, so a reader that waits for EOF would never end.
	run ctr_run --rm "$ID" head -n 2 <"$BATS_TEST_TMPDIR/in"
	[ "$status" -eq 0 ]
	[ "$output" = $'line-one\nline-two' ]

	run ctr_run --rm --env=WARD_E2E=from-ctr --cwd=/tmp "$ID" sh -c 'echo "$WARD_E2E $(pwd)"'
	[ "$status" -eq 0 ]
	[ "$output" = "from-ctr /tmp" ]
}

@test "container init is PID 1 in new namespaces" {
	run ctr_run --rm "$ID" sh -c 'echo $$; for n in pid mnt ipc uts; do readlink /proc/self/ns/$n; done'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 1 ]
	[ "${lines[1]}" != "$(host_ns $$ pid)" ]
	[ "${lines[2]}" != "$(host_ns $$ mnt)" ]
	[ "${lines[3]}" != "$(host_ns $$ ipc)" ]
	[ "${lines[4]}" != "$(host_ns $$ uts)" ]
}

@test "a missing executable fails the run with the runtime's error" {
	run ctr_run --rm "$ID" /no/such/binary
	[ "$status" -ne 0 ]
	# The shim reads the runtime's --log (log.json) and puts its message in
	# the error ctr prints; the message must name the path.
	[[ $output == */no/such/binary* ]]
	run ctrc containers ls -q
	[ "$output" = "" ]
}

@test "ctr run -d, task exec, task ps, task kill" {
	run ctr_run -d "$ID" sh -c 'trap "exit 3" TERM; while :; do sleep 0.1; done'
	[ "$status" -eq 0 ]
	ctr_wait_status "$ID" RUNNING
	local pid
	pid=$(ctr_task_pid "$ID")
	[ -n "$pid" ] && [ "$pid" -gt 0 ]

	# The runtime's own state agrees with containerd's.
	run "$OCI_RUNTIME" --root "/run/containerd/runc/$CTRD_NS" state "$ID"
	[ "$status" -eq 0 ]
	[ "$(jq -r .status <<<"$output")" = running ]
	[ "$(jq -r .pid <<<"$output")" = "$pid" ]

	# exec joins the container's namespaces, output and status come back.
	run ctr_exec --exec-id e1 "$ID" sh -c 'echo from-exec; readlink /proc/self/ns/pid; readlink /proc/self/ns/mnt'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = from-exec ]
	[ "${lines[1]}" = "$(host_ns "$pid" pid)" ]
	[ "${lines[2]}" = "$(host_ns "$pid" mnt)" ]
	run ctr_exec --exec-id e2 "$ID" sh -c 'exit 5'
	[ "$status" -eq 5 ]
	# Killed by a signal: the shim reports 128 + the signal number. (Only
	# an exec'd process can show this: the kernel shields a PID 1 from
	# signals sent inside its own namespace.)
	run ctr_exec --exec-id e4 "$ID" sh -c 'kill -TERM $$'
	[ "$status" -eq 143 ]
	run ctr_exec --exec-id e3 --user 65534 --cwd /tmp "$ID" sh -c 'echo "$(id -u) $(pwd)"'
	[ "$status" -eq 0 ]
	[ "$output" = "65534 /tmp" ]

	# task ps goes through the runtime's `ps --format json`.
	run ctr_exec -d --exec-id sleeper "$ID" sleep 300
	[ "$status" -eq 0 ]
	local i ps sleeper=""
	for ((i = 0; i < 50; i++)); do
		ps=$(ctrc tasks ps "$ID")
		sleeper=$(awk '/ExecID:sleeper[,}]/ { print $1 }' <<<"$ps")
		[ -n "$sleeper" ] && break
		sleep 0.1
	done
	# init is listed, and the shim matched the exec'd sleep to its exec id:
	# both come from the PIDs the runtime reported.
	awk 'NR > 1 { print $1 }' <<<"$ps" | grep -qx "$pid"
	[ -n "$sleeper" ]
	[ "$(cat "/proc/$sleeper/comm")" = sleep ]
	[ "$(host_ns "$sleeper" pid)" = "$(host_ns "$pid" pid)" ]

	# SIGTERM reaches init's handler; its exit takes the exec'd sleep along.
	run ctrc tasks kill "$ID"
	[ "$status" -eq 0 ]
	ctr_wait_status "$ID" STOPPED
	for ((i = 0; i < 50; i++)); do
		[ -d "/proc/$sleeper" ] || break
		sleep 0.1
	done
	[ ! -d "/proc/$sleeper" ]
	run ctrc tasks delete "$ID"
	[ "$status" -eq 0 ]
	# ctr 1.6 reports init's exit status only as a warning.
	[[ $output == *"exit code 3"* ]]
	run "$OCI_RUNTIME" --root "/run/containerd/runc/$CTRD_NS" state "$ID"
	[ "$status" -ne 0 ]
}

@test "task kill --all signals every process in the container" {
	run ctr_run -d "$ID" sh -c 'trap "" TERM; while :; do sleep 0.1; done'
	[ "$status" -eq 0 ]
	ctr_wait_status "$ID" RUNNING
	# init ignores SIGTERM, so only a SIGKILL to all of them stops it.
	run ctrc tasks kill -s SIGTERM "$ID"
	[ "$status" -eq 0 ]
	sleep 0.5
	[ "$(ctr_task_status "$ID")" = RUNNING ]
	run ctrc tasks kill -a -s SIGKILL "$ID"
	[ "$status" -eq 0 ]
	ctr_wait_status "$ID" STOPPED
	run ctrc tasks delete "$ID"
	[ "$status" -eq 0 ]
	[[ $output == *"exit code 137"* ]]
}

@test "task pause freezes the container and resume thaws it" {
	local out=$BATS_TEST_TMPDIR/out
	mkdir -p "$out"
	run ctr_run -d --mount="type=bind,src=$out,dst=/out,options=rbind:rw" "$ID" \
		sh -c 'while :; do echo t >>/out/ticks; sleep 0.05; done'
	[ "$status" -eq 0 ]
	ctr_wait_status "$ID" RUNNING
	sleep 0.3
	[ -s "$out/ticks" ]

	run ctrc tasks pause "$ID"
	[ "$status" -eq 0 ]
	ctr_wait_status "$ID" PAUSED
	run "$OCI_RUNTIME" --root "/run/containerd/runc/$CTRD_NS" state "$ID"
	[ "$(jq -r .status <<<"$output")" = paused ]
	sleep 0.2
	local n1 n2
	n1=$(wc -l <"$out/ticks")
	sleep 0.6
	n2=$(wc -l <"$out/ticks")
	[ "$n1" -eq "$n2" ]

	run ctrc tasks resume "$ID"
	[ "$status" -eq 0 ]
	ctr_wait_status "$ID" RUNNING
	sleep 0.6
	[ "$(wc -l <"$out/ticks")" -gt "$n2" ]
	# A resumed container still takes execs.
	run ctr_exec --exec-id after "$ID" echo awake
	[ "$status" -eq 0 ]
	[ "$output" = awake ]
}

@test "ctr run --tty gives the process a terminal" {
	local cmd
	cmd=$(ctr_cmdline run --runc-binary "$OCI_RUNTIME" --fifo-dir "$CTRD_DIR/fifo" \
		--rm -t "$CTRD_IMAGE" "$ID" sh -c 'tty; stty size; echo tty-ok')
	# exec: whatever $SHELL script(1) picks (dash when SHELL is unset, as in
	# CI), timeout must lead the pty's session, or its own process group is
	# a background one and ctr stops on SIGTTOU setting the terminal raw.
	run script -qec "exec $cmd" /dev/null </dev/null
	[ "$status" -eq 0 ]
	output=${output//$'\r'/}
	[[ $output == */dev/pts/* ]]
	[[ $output == *tty-ok* ]]
}

@test "task exec --tty gives the exec'd process a terminal" {
	run ctr_run -d "$ID" sleep 300
	[ "$status" -eq 0 ]
	ctr_wait_status "$ID" RUNNING
	local cmd
	cmd=$(ctr_cmdline tasks exec --fifo-dir "$CTRD_DIR/fifo" -t --exec-id tty1 \
		"$ID" sh -c 'tty; echo exec-tty-ok')
	# exec: whatever $SHELL script(1) picks (dash when SHELL is unset, as in
	# CI), timeout must lead the pty's session, or its own process group is
	# a background one and ctr stops on SIGTTOU setting the terminal raw.
	run script -qec "exec $cmd" /dev/null </dev/null
	[ "$status" -eq 0 ]
	output=${output//$'\r'/}
	[[ $output == */dev/pts/* ]]
	[[ $output == *exec-tty-ok* ]]
}

@test "memory limit lands in the container's cgroup" {
	run ctr_run -d --memory-limit=67108864 "$ID" sleep 300
	[ "$status" -eq 0 ]
	ctr_wait_status "$ID" RUNNING
	local pid f
	pid=$(ctr_task_pid "$ID")
	f=$(cgroup_file "$pid" memory memory.limit_in_bytes)
	[ -f "$f" ] || f=$(cgroup_file "$pid" memory memory.max)
	[ "$(cat "$f")" = 67108864 ]
	# Placed under /<namespace>/<id>, the path containerd asked for.
	[[ $f == *"/$CTRD_NS/$ID/"* ]]

	# Deleting the container removes its cgroup.
	run ctrc tasks kill -s SIGKILL "$ID"
	[ "$status" -eq 0 ]
	ctr_wait_status "$ID" STOPPED
	run ctrc tasks delete "$ID"
	[ "$status" -eq 0 ]
	[ ! -d "$(dirname "$f")" ]
}

@test "--read-only, --cap-drop, --seccomp and no_new_privs are applied" {
	run ctr_run --rm --read-only "$ID" sh -c 'touch /x'
	[ "$status" -ne 0 ]
	[[ $output == *"Read-only file system"* ]]

	run ctr_run --rm "$ID" sh -c 'touch /tmp/f && chown 1 /tmp/f && echo chowned'
	[ "$status" -eq 0 ]
	[ "$output" = chowned ]
	run ctr_run --rm --cap-drop=CAP_CHOWN "$ID" sh -c 'touch /tmp/f && chown 1 /tmp/f'
	[ "$status" -ne 0 ]
	[[ $output == *"Operation not permitted"* ]]

	run ctr_run --rm "$ID" sh -c 'grep -E "^(Seccomp|NoNewPrivs):" /proc/self/status'
	[ "$status" -eq 0 ]
	[[ $output == *$'NoNewPrivs:\t1'* ]]
	[[ $output == *$'Seccomp:\t0'* ]]
	run ctr_run --rm --seccomp "$ID" sh -c 'grep "^Seccomp:" /proc/self/status'
	[ "$status" -eq 0 ]
	[ "$output" = $'Seccomp:\t2' ]
}
