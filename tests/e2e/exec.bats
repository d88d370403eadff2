#!/usr/bin/env bats
# exec: a new process in a running container (args, --env, --cwd, --user, --cap,
# --no-new-privs, --process, --detach, --pid-file, --tty).

load helpers

setup() {
	setup_bundle
	update_config '.hostname = "exec-host" | .process.env += ["FROM_CONFIG=1"]'
	set_sh 'echo init > /tmp/init-ready; trap "exit 0" TERM; while :; do sleep 0.1; done'
	start_container
}

teardown() {
	common_teardown
}

rt_exec() {
	run --separate-stderr rt exec "$@" </dev/null
}

@test "exec: runs the args in the container and returns their output" {
	rt_exec "$ID" echo hello-exec
	assert_success
	assert_output_equals hello-exec
}

@test "exec: arguments that look like flags reach the process" {
	rt_exec "$ID" sh -c 'printf "[%s]" "$@"' argv0 -a --long 'sp ace'
	assert_success
	assert_output_equals '[-a][--long][sp ace]'
}

@test "exec: the exit status of the process is exec's exit status" {
	rt_exec "$ID" sh -c 'exit 5'
	assert_status 5
	rt_exec "$ID" true
	assert_success
}

@test "exec: joins the container's namespaces" {
	rt_exec "$ID" sh -c 'hostname; cat /proc/1/cmdline | tr "\0" " "; echo; for n in pid mnt net; do readlink /proc/self/ns/$n; done'
	assert_success
	assert_equal "${lines[0]}" exec-host "hostname"
	[[ "${lines[1]}" == "sh -c "* ]] || fail "pid 1 is not the container init: ${lines[1]}"
	local pid ns i=2
	pid=$(container_pid)
	for ns in pid mnt net; do
		assert_equal "${lines[i]}" "$(readlink "/proc/$pid/ns/$ns")" "$ns namespace"
		i=$((i + 1))
	done
}

@test "exec: inherits process.env and adds --env" {
	rt_exec --env FOO=bar --env 'SPACED=a b' "$ID" sh -c 'echo "$FROM_CONFIG|$FOO|$SPACED"'
	assert_success
	assert_output_equals '1|bar|a b'
}

@test "exec: --env overrides a variable of process.env" {
	rt_exec --env FROM_CONFIG=2 "$ID" sh -c 'echo $FROM_CONFIG; env | grep -c ^FROM_CONFIG='
	assert_success
	assert_output_equals $'2\n1'
}

@test "exec: --cwd sets the working directory" {
	rt_exec --cwd /home/ward "$ID" pwd
	assert_success
	assert_output_equals /home/ward
}

@test "exec: --user uid:gid" {
	rt_exec --user 1000:1000 "$ID" sh -c 'id -u; id -g'
	assert_success
	assert_output_equals $'1000\n1000'
}

@test "exec: --user uid alone runs with gid 0" {
	rt_exec --user 1000 "$ID" sh -c 'id -u; id -g'
	assert_success
	assert_output_equals $'1000\n0'
}

@test "exec: --process FILE runs the process described in the file" {
	jq -n '{terminal: false, user: {uid: 1000, gid: 100}, args: ["sh", "-c", "echo $WHO; pwd; id -u; id -g"],
		env: ["PATH=/bin:/usr/bin", "WHO=from-process-json"], cwd: "/tmp"}' >"$E2E_TMP/process.json"
	rt_exec --process "$E2E_TMP/process.json" "$ID"
	assert_success
	assert_output_equals $'from-process-json\n/tmp\n1000\n100'
}

@test "exec: --process with an invalid file fails and the container keeps running" {
	echo '{"args": "not-an-array"}' >"$E2E_TMP/process.json"
	rt_exec --process "$E2E_TMP/process.json" "$ID"
	assert_failure
	assert_ward_error args
	assert_equal "$(state_field "$ID" .status)" running status
}

@test "exec: --detach with --pid-file returns at once, the process runs in the container" {
	rt exec --detach --pid-file "$E2E_TMP/exec.pid" "$ID" sh -c 'sleep 1000' \
		</dev/null >/dev/null 2>&1
	local pid
	pid=$(cat "$E2E_TMP/exec.pid")
	[[ "$pid" =~ ^[0-9]+$ ]] || fail "pid file: '$pid'"
	pid_alive "$pid" || fail "detached exec process $pid not running"
	assert_equal "$(readlink "/proc/$pid/ns/pid")" "$(readlink "/proc/$(container_pid)/ns/pid")" \
		"pid namespace of the exec'd process"
	# It is pid > 1 inside the container's pid namespace.
	local nspid
	nspid=$(awk '/^NSpid:/ { print $NF }' "/proc/$pid/status")
	[ "$nspid" -gt 1 ] || fail "NSpid of the exec'd process: $nspid"
	kill -KILL "$pid"
	wait_for_exit "$pid"
}

@test "exec: --cap adds a capability" {
	# CAP_SYS_ADMIN is bit 21; the bundle's default set does not hold it.
	rt_exec "$ID" sh -c 'grep ^CapEff: /proc/self/status'
	assert_success
	local before=$((0x${output##*:$'\t'}))
	(((before >> 21) & 1)) && fail "CAP_SYS_ADMIN already effective: $output"
	rt_exec --cap CAP_SYS_ADMIN "$ID" sh -c 'grep ^CapEff: /proc/self/status'
	assert_success
	local after=$((0x${output##*:$'\t'}))
	(((after >> 21) & 1)) || fail "CAP_SYS_ADMIN not effective after --cap: $output"
}

@test "exec: --no-new-privs sets NoNewPrivs" {
	update_config '.process.noNewPrivileges = false'
	rt_exec --no-new-privs "$ID" grep ^NoNewPrivs: /proc/self/status
	assert_success
	assert_output_equals $'NoNewPrivs:\t1'
}

@test "exec: --tty with --console-socket gives the process a terminal" {
	local recvtty sock=$E2E_TMP/exec-console.sock
	recvtty=$(recvtty_bin)
	"$recvtty" -t 20 "$sock" >"$E2E_TMP/tty.out" 2>"$E2E_TMP/tty.err" 3>&- &
	local rpid=$!
	wait_for_file "$sock"
	# runc's contract: the console socket is for a detached exec (a foreground one
	# uses the caller's own terminal).
	rt_exec --tty --detach --console-socket "$sock" "$ID" sh -c 'tty; [ -t 1 ] && echo is-a-tty'
	assert_success
	wait "$rpid" || fail "recvtty failed: $(cat "$E2E_TMP/tty.err")"
	local out
	out=$(tr -d '\r' <"$E2E_TMP/tty.out")
	[[ "$out" == *"/dev/pts/"* && "$out" == *is-a-tty* ]] || fail "terminal output: $out"
}

@test "exec: the exec'd process is in the container's cgroup" {
	rt exec --detach --pid-file "$E2E_TMP/exec.pid" "$ID" sleep 1000 </dev/null >/dev/null 2>&1
	local pid ctl
	pid=$(cat "$E2E_TMP/exec.pid")
	for ctl in pids memory; do
		[ -n "$(cgroup_dir "$pid" "$ctl")" ] || continue
		assert_equal "$(cgroup_dir "$pid" "$ctl")" "$(cgroup_dir "$(container_pid)" "$ctl")" "$ctl cgroup"
	done
}

@test "exec: into a stopped container fails" {
	rt kill "$ID" KILL
	wait_for_state "$ID" stopped
	rt_exec "$ID" true
	assert_failure
}

@test "exec: into an unknown container fails" {
	rt_exec "no-such-$ID" true
	assert_failure
}

@test "exec: a missing executable fails with a non-zero status" {
	rt_exec "$ID" /no/such/binary
	assert_failure
	assert_equal "$(state_field "$ID" .status)" running status
}
