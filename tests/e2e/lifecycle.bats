#!/usr/bin/env bats
# The runc command-line contract: run, create/start/state, kill, delete, list,
# pid files, console sockets, features and spec.

load helpers

setup() {
	setup_bundle
}

teardown() {
	common_teardown
}

# A container init that stays up until killed and reports SIGTERM in $ROOTFS/tmp/sig
# (pid 1 of a pid namespace ignores signals it has no handler for, so the handler
# is what makes SIGTERM observable at all).
LONG_RUNNING='trap "echo TERM > /tmp/sig; exit 0" TERM; echo ready > /tmp/ready; while :; do sleep 0.1; done'

@test "run: foreground container's exit status is the runtime's exit status" {
	set_sh 'exit 3'
	rt_run
	assert_status 3
}

@test "run: exit status 0 and the container's stdout reach the caller" {
	set_sh 'echo hello-from-container; echo to-stderr >&2'
	rt_run
	assert_success
	assert_output_equals hello-from-container
	[[ "$stderr" == *to-stderr* ]] || fail "container stderr not passed through: $stderr"
}

@test "run: a container killed by a signal exits 128+signal" {
	# Outside a pid namespace: pid 1 of one cannot SIGKILL itself.
	remove_namespace pid
	set_sh 'kill -9 $$'
	rt_run
	assert_status 137
}

@test "run: the container is gone after a foreground run" {
	set_sh 'true'
	rt_run
	assert_success
	run rt state "$ID"
	assert_failure
	[ ! -e "$E2E_STATE/$ID" ] || fail "state of $ID left behind after run"
}

@test "run: a missing executable fails the run" {
	set_args /no/such/binary
	rt_run
	assert_failure
}

@test "run --detach: returns at once, container keeps running, --pid-file written" {
	set_sh "$LONG_RUNNING"
	rt run --detach --bundle "$BUNDLE" --pid-file "$E2E_TMP/pid" "$ID" \
		</dev/null >"$CTR_STDOUT" 2>"$CTR_STDERR"
	wait_for_state "$ID" running
	[ -s "$E2E_TMP/pid" ] || fail "pid file empty"
	assert_equal "$(cat "$E2E_TMP/pid")" "$(container_pid)" "pid file"
}

@test "create/start/state: created -> running -> stopped" {
	set_sh 'echo started > /tmp/started; read x < /tmp/fifo'
	mkfifo "$ROOTFS/tmp/fifo"
	create_container
	run rt state "$ID"
	assert_success
	assert_equal "$(jq -r .status <<<"$output")" created status
	# The user process must not run before start.
	sleep 0.2
	[ ! -e "$ROOTFS/tmp/started" ] || fail "process ran before start"

	rt start "$ID"
	wait_for_state "$ID" running
	wait_for_file "$ROOTFS/tmp/started"

	timeout 10 sh -c 'echo go >"$1"' _ "$ROOTFS/tmp/fifo" || fail "container never read its fifo"
	wait_for_state "$ID" stopped
	run rt delete "$ID"
	assert_success
	run rt state "$ID"
	assert_failure
}

@test "state: JSON has ociVersion, id, status, pid, bundle and annotations" {
	update_config '.annotations = {"org.ward.e2e": "yes", "org.ward.other": "1"}'
	set_sh "$LONG_RUNNING"
	create_container
	run rt state "$ID"
	assert_success
	local s=$output pid
	jq -e . <<<"$s" >/dev/null || fail "state is not JSON: $s"
	jq -e '.ociVersion | type == "string" and length > 0' <<<"$s" >/dev/null ||
		fail "ociVersion missing: $s"
	assert_equal "$(jq -r .id <<<"$s")" "$ID" id
	assert_equal "$(jq -r .status <<<"$s")" created status
	pid=$(jq -r .pid <<<"$s")
	[[ "$pid" =~ ^[0-9]+$ ]] && [ "$pid" -gt 0 ] || fail "bad pid: $s"
	kill -0 "$pid" || fail "state pid $pid not alive"
	assert_equal "$(jq -r .bundle <<<"$s")" "$(realpath "$BUNDLE")" bundle
	assert_equal "$(jq -r '.annotations["org.ward.e2e"]' <<<"$s")" yes annotation
	assert_equal "$(jq -r '.annotations["org.ward.other"]' <<<"$s")" 1 annotation
}

@test "state: stopped container reports status stopped" {
	set_sh 'exit 0'
	create_container
	rt start "$ID"
	wait_for_state "$ID" stopped
	run rt state "$ID"
	assert_success
	assert_equal "$(jq -r .id <<<"$output")" "$ID" id
}

@test "state: unknown container id fails" {
	run --separate-stderr rt state "no-such-$ID"
	assert_failure
}

@test "create: a second container with the same id is refused" {
	set_sh "$LONG_RUNNING"
	create_container
	try_create
	assert_failure
	# The first container is untouched.
	assert_equal "$(state_field "$ID" .status)" created status
}

@test "create --pid-file: the file holds the container init's pid" {
	set_sh "$LONG_RUNNING"
	create_container --pid-file "$E2E_TMP/init.pid"
	local pid
	pid=$(cat "$E2E_TMP/init.pid")
	[[ "$pid" =~ ^[0-9]+$ ]] || fail "pid file content: '$pid'"
	assert_equal "$pid" "$(container_pid)" "pid file vs state"
	kill -0 "$pid"
}

@test "create --pid-file with a relative path is relative to the caller's cwd" {
	set_sh "$LONG_RUNNING"
	cd "$E2E_TMP"
	create_container --pid-file rel.pid
	assert_equal "$(cat "$E2E_TMP/rel.pid")" "$(container_pid)" "pid file"
}

@test "start: a config without a process is created, start fails naming it, nothing is left" {
	is_ward || skip "runc and crun refuse a config without a process already at create"
	update_config 'del(.process)'
	snapshot_host
	create_container
	assert_equal "$(state_field "$ID" .status)" created status
	run --separate-stderr rt start "$ID"
	assert_failure
	assert_ward_error "no process"
	wait_for_state "$ID" stopped
	rt delete "$ID"
	assert_nothing_left
}

@test "start: starting a running container fails" {
	set_sh "$LONG_RUNNING"
	start_container
	run --separate-stderr rt start "$ID"
	assert_failure
	assert_equal "$(state_field "$ID" .status)" running status
}

@test "kill: KILL stops a running container" {
	set_sh "$LONG_RUNNING"
	start_container
	rt kill "$ID" KILL
	wait_for_state "$ID" stopped
}

@test "kill: 9 stops a running container" {
	set_sh "$LONG_RUNNING"
	start_container
	rt kill "$ID" 9
	wait_for_state "$ID" stopped
}

@test "kill: SIGTERM is delivered to the container process" {
	set_sh "$LONG_RUNNING"
	start_container
	wait_for_file "$ROOTFS/tmp/ready"
	rt kill "$ID" SIGTERM
	wait_for_state "$ID" stopped
	assert_equal "$(cat "$ROOTFS/tmp/sig")" TERM "signal seen"
}

@test "kill: 15 is delivered as SIGTERM" {
	set_sh "$LONG_RUNNING"
	start_container
	wait_for_file "$ROOTFS/tmp/ready"
	rt kill "$ID" 15
	wait_for_state "$ID" stopped
	assert_equal "$(cat "$ROOTFS/tmp/sig")" TERM "signal seen"
}

@test "kill: without a signal sends SIGTERM" {
	set_sh "$LONG_RUNNING"
	start_container
	wait_for_file "$ROOTFS/tmp/ready"
	rt kill "$ID"
	wait_for_state "$ID" stopped
	assert_equal "$(cat "$ROOTFS/tmp/sig")" TERM "signal seen"
}

@test "kill: TERM (name without SIG) is accepted" {
	set_sh "$LONG_RUNNING"
	start_container
	wait_for_file "$ROOTFS/tmp/ready"
	rt kill "$ID" TERM
	wait_for_state "$ID" stopped
	assert_equal "$(cat "$ROOTFS/tmp/sig")" TERM "signal seen"
}

@test "kill: an unknown signal name is refused and the container keeps running" {
	set_sh "$LONG_RUNNING"
	start_container
	run --separate-stderr rt kill "$ID" SIGNOTASIGNAL
	assert_failure
	run --separate-stderr rt kill "$ID" 99999
	assert_failure
	assert_equal "$(state_field "$ID" .status)" running status
}

@test "kill --all: every process of the container gets the signal" {
	set_sh 'sleep 1000 & sleep 1000 & echo ready > /tmp/ready; wait'
	start_container
	wait_for_file "$ROOTFS/tmp/ready"
	rt kill --all "$ID" KILL
	wait_for_state "$ID" stopped
	local left
	left=$(pids_of_bundle)
	[ -z "$left" ] || fail "processes survived kill --all: $left"
}

@test "delete: a running container is refused without --force" {
	set_sh "$LONG_RUNNING"
	start_container
	run --separate-stderr rt delete "$ID"
	assert_failure
	assert_equal "$(state_field "$ID" .status)" running status
}

@test "delete --force: kills and removes a running container" {
	set_sh "$LONG_RUNNING"
	start_container
	local pid
	pid=$(container_pid)
	run rt delete --force "$ID"
	assert_success
	wait_for_exit "$pid"
	run rt state "$ID"
	assert_failure
	[ ! -e "$E2E_STATE/$ID" ] || fail "state dir left after delete --force"
}

@test "delete --force: removes a created (never started) container" {
	set_sh "$LONG_RUNNING"
	create_container
	local pid
	pid=$(container_pid)
	run rt delete --force "$ID"
	assert_success
	wait_for_exit "$pid"
	run rt state "$ID"
	assert_failure
}

@test "delete: a stopped container's state is removed" {
	set_sh 'exit 0'
	create_container
	rt start "$ID"
	wait_for_state "$ID" stopped
	rt delete "$ID"
	[ ! -e "$E2E_STATE/$ID" ] || fail "state dir left after delete"
	run rt list --format json
	assert_success
	assert_equal "$(jq 'length' <<<"$output")" 0 "containers listed"
}

@test "delete: an unknown id fails" {
	run --separate-stderr rt delete "no-such-$ID"
	assert_failure
}

@test "list --format json: empty root lists nothing" {
	run rt list --format json
	assert_success
	assert_equal "$(jq 'length' <<<"$output")" 0 "containers listed"
}

@test "list --format json: shows each container with id, status, pid and bundle" {
	set_sh "$LONG_RUNNING"
	create_container
	local first=$ID
	ID=${first}-b
	start_container
	run rt list --format json
	assert_success
	jq -e 'type == "array" and length == 2' <<<"$output" >/dev/null ||
		fail "expected 2 containers: $output"
	assert_equal "$(jq -r --arg i "$first" '.[] | select(.id == $i) | .status' <<<"$output")" created
	assert_equal "$(jq -r --arg i "$ID" '.[] | select(.id == $i) | .status' <<<"$output")" running
	assert_equal "$(jq -r --arg i "$ID" '.[] | select(.id == $i) | .pid' <<<"$output")" "$(container_pid)"
	assert_equal "$(jq -r --arg i "$ID" '.[] | select(.id == $i) | .bundle' <<<"$output")" \
		"$(realpath "$BUNDLE")"
}

@test "list: table output names the container" {
	set_sh "$LONG_RUNNING"
	create_container
	run rt list
	assert_success
	assert_output_contains "$ID" created
}

@test "console socket: the pty master reaches the socket, the process has a terminal" {
	local recvtty sock=$E2E_TMP/console.sock
	recvtty=$(recvtty_bin)
	update_config '.process.terminal = true'
	set_sh 'tty; [ -t 0 ] && [ -t 1 ] && echo stdio-is-a-tty; read line; echo "got:$line"'
	"$recvtty" -t 20 -w $'ping\n' "$sock" >"$E2E_TMP/tty.out" 2>"$E2E_TMP/tty.err" 3>&- &
	local rpid=$!
	wait_for_file "$sock"
	create_container --console-socket "$sock"
	rt start "$ID"
	wait_for_state "$ID" stopped
	wait "$rpid" || fail "recvtty failed: $(cat "$E2E_TMP/tty.err")"
	local out
	out=$(tr -d '\r' <"$E2E_TMP/tty.out")
	[[ "$out" == *"/dev/pts/"* ]] || fail "no pts in terminal output: $out"
	[[ "$out" == *stdio-is-a-tty* ]] || fail "stdio not a tty: $out"
	[[ "$out" == *"got:ping"* ]] || fail "input did not reach the process: $out"
}

@test "console socket: terminal true without --console-socket on create fails" {
	update_config '.process.terminal = true'
	set_sh 'true'
	try_create
	assert_failure
	run rt state "$ID"
	assert_failure
}

@test "features: prints JSON with ociVersionMin and ociVersionMax" {
	run --separate-stderr rt features
	assert_success
	jq -e '(.ociVersionMin | type == "string") and (.ociVersionMax | type == "string")' \
		<<<"$output" >/dev/null || fail "features: $output"
	jq -e '.hooks | index("prestart") != null and index("poststop") != null' \
		<<<"$output" >/dev/null || fail "features.hooks: $output"
	jq -e '.linux.namespaces | index("pid") != null and index("user") != null' \
		<<<"$output" >/dev/null || fail "features.linux.namespaces: $output"
}

@test "spec: writes a config.json that parses and has the runc defaults" {
	local d=$E2E_TMP/specdir
	mkdir "$d"
	run --separate-stderr rt spec --bundle "$d"
	assert_success
	jq -e '(.ociVersion | type == "string") and .root.path == "rootfs" and
		(.process.args == ["sh"]) and (.process.cwd == "/") and
		([.linux.namespaces[].type] | index("mount") != null and index("pid") != null)' \
		"$d/config.json" >/dev/null || fail "spec: $(cat "$d/config.json")"
}

@test "spec: refuses to overwrite an existing config.json" {
	local d=$E2E_TMP/specdir
	mkdir "$d"
	echo '{"keep": true}' >"$d/config.json"
	run --separate-stderr rt spec --bundle "$d"
	assert_failure
	assert_equal "$(jq -c . "$d/config.json")" '{"keep":true}' "config.json"
}

@test "spec --rootless: user namespace with uid and gid mappings" {
	local d=$E2E_TMP/specdir
	mkdir "$d"
	run --separate-stderr rt spec --rootless --bundle "$d"
	assert_success
	jq -e '([.linux.namespaces[].type] | index("user") != null) and
		(.linux.uidMappings | length > 0) and (.linux.gidMappings | length > 0)' \
		"$d/config.json" >/dev/null || fail "spec --rootless: $(cat "$d/config.json")"
}

@test "spec then run: the generated config runs the busybox rootfs" {
	rm "$CONFIG"
	run --separate-stderr rt spec --bundle "$BUNDLE"
	assert_success
	update_config '.process.terminal = false | .process.args = ["sh", "-c", "echo spec-ok"]'
	rt_run
	assert_success
	assert_output_equals spec-ok
}

@test "terminal: run in the foreground without a console socket proxies a pty" {
	update_config '.process.terminal = true | .process.args = ["sh", "-c", "tty; exit 4"]'
	run rt run --bundle "$BUNDLE" "$ID" </dev/null
	[ "$status" -eq 4 ]
	[[ "$output" == *"/dev/pts/0"* ]]
}
