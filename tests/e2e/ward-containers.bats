#!/usr/bin/env bats
# Persistent containers: `ward run -d`, ps, logs, stop, start, restart, kill,
# rm, wait, inspect; the monitor that owns each container's stdio and exit;
# reconciliation when a monitor dies.

load helpers

setup() {
	setup_bundle
	setup_ward
}

teardown() {
	local ids
	ids=$(ward ps -aq --no-trunc 2>/dev/null || true)
	[ -z "$ids" ] || ward rm -f $ids >/dev/null 2>&1 || true
	ward_teardown
}

import_busybox() {
	tar -C "$ROOTFS" -czf "$E2E_TMP/rootfs.tgz" .
	ward import "$E2E_TMP/rootfs.tgz" busybox >/dev/null
}

# run_d NAME COMMAND...: `ward run -d --name NAME --rootfs $ROOTFS`; $CID is the id.
run_d() {
	local name=$1
	shift
	CID=$(ward run -d --name "$name" --rootfs "$ROOTFS" "$@") || fail "ward run -d $name failed"
	[[ "$CID" =~ ^[0-9a-f]{64}$ ]] || fail "not a 64-hex id: $CID"
}

# ps_field NAME FIELD: one field of `ps -a --format json` for the container NAME.
ps_field() {
	ward ps -a --format json | jq -r --arg n "$1" ".[] | select(.Names[0] == \$n) | .$2"
}

# wait_status NAME STATE: poll until ps says STATE (5 s).
wait_status() {
	local i
	for i in $(seq 50); do
		[ "$(ps_field "$1" State)" = "$2" ] && return 0
		sleep 0.1
	done
	fail "$1 never became $2: $(ward ps -a)"
}

# wait_log NAME TEXT: poll until `ward logs NAME` shows TEXT (5 s).
wait_log() {
	local i
	for i in $(seq 50); do
		ward logs "$1" 2>&1 | grep -qF -- "$2" && return 0
		sleep 0.1
	done
	fail "$1 never logged '$2': $(ward logs "$1" 2>&1)"
}

@test "ward run -d: returns at once with a 64-hex id; ps, logs, stop, start, restart, rm" {
	local start end
	start=$(date +%s%N)
	run_d web sh -c 'trap "echo got-term; exit 3" TERM; i=0; while :; do echo tick $i; i=$((i+1)); sleep 0.2; done'
	end=$(date +%s%N)
	[ $(((end - start) / 1000000)) -lt 5000 ] || fail "run -d took $(((end - start) / 1000000)) ms"
	# Another process sees it running.
	run ward ps
	assert_success
	assert_output_contains "CONTAINER ID"
	assert_output_contains "${CID:0:12}"
	assert_output_contains "web"
	assert_output_contains "Up "
	wait_log web "tick 1"
	# stop: SIGTERM, the trap runs, the exit code is recorded.
	run ward stop -t 5 web
	assert_success
	assert_output_equals web
	run ward ps
	assert_output_not_contains web
	run ward ps -a
	assert_output_contains "Exited (3)"
	run ward logs web
	assert_output_contains got-term
	# Stopping an exited container is fine.
	run ward stop web
	assert_success
	# start: same container, same log, new run.
	run ward start web
	assert_success
	assert_output_equals web
	wait_status web running
	[ "$(ward logs web | grep -c got-term)" = 1 ] || fail "log lost across start"
	run ward restart -t 5 web
	assert_success
	wait_status web running
	wait_log web "tick 1"
	[ "$(ward logs web | grep -c got-term)" = 2 ] || fail "restart did not stop with SIGTERM"
	# rm refuses a running container without -f.
	run ward rm web
	assert_status 125
	assert_output_contains "running"
	assert_output_contains "rm -f"
	run ward rm -f web
	assert_success
	run ward ps -a -q
	assert_output_equals ""
	[ ! -e "$WROOT/containers/$CID" ] || fail "container dir left"
	[ -z "$(state_entries "$WRUN")" ] || fail "runtime state left: $(state_entries "$WRUN")"
}

@test "ward logs: -f follows until the exit, --tail, -t, stderr, partial lines" {
	run_d chatty sh -c 'echo one; echo two; echo oops >&2; sleep 0.5; printf par; sleep 0.3; echo tial; sleep 0.3; echo last; exit 4'
	run ward logs -f chatty
	assert_success
	[ "${lines[0]}" = one ] || fail "first line: ${lines[0]}"
	assert_output_contains oops
	assert_output_contains partial
	[ "${lines[-1]}" = last ] || fail "last line: ${lines[-1]}"
	# stderr lines go to stderr, stdout lines to stdout.
	[ "$(ward logs chatty 2>/dev/null | grep -c oops)" = 0 ] || fail "stderr on stdout"
	[ "$(ward logs chatty 2>&1 >/dev/null)" = oops ] || fail "stderr line lost"
	run ward logs --tail 2 chatty
	assert_output_equals $'partial\nlast'
	run ward logs --tail 0 chatty
	assert_output_equals ""
	run ward logs -t --tail 1 chatty
	[[ "$output" =~ ^20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\.[0-9]{9}Z\ last$ ]] || fail "no timestamp: $output"
	# The on-disk log is the CRI / k8s-file format podman writes.
	local log="$WROOT/containers/$CID/ctr.log"
	grep -qE '^20[0-9-]{8}T[0-9:]{8}\.[0-9]{9}Z stdout F one$' "$log" || fail "$(cat "$log")"
	grep -qE ' stderr F oops$' "$log" || fail "$(cat "$log")"
	grep -qE ' stdout P par$' "$log" || fail "no partial record: $(cat "$log")"
	[ "$(stat -c %a "$log")" = 600 ] || fail "log mode $(stat -c %a "$log")"
	[ "$(stat -c %a "$WROOT/ward.db")" = 600 ] || fail "db mode"
}

@test "ward ps: -a, -q, --no-trunc, --format json with podman's fields" {
	run_d sleeper sleep 300
	local sleeper=$CID
	run ward run --name done7 --rootfs "$ROOTFS" sh -c 'exit 7'
	assert_status 7
	run ward ps -q
	assert_output_equals "${sleeper:0:12}"
	run ward ps -q --no-trunc
	assert_output_equals "$sleeper"
	run ward ps -a -q
	[ "${#lines[@]}" = 2 ] || fail "ps -a -q: $output"
	run ward ps -a --format json
	assert_success
	echo "$output" | jq -e 'length == 2' >/dev/null || fail "$output"
	echo "$output" | jq -e --arg id "$sleeper" '.[] | select(.Id == $id) |
		.Names == ["sleeper"] and .State == "running" and (.Status | startswith("Up ")) and
		.Command == ["sleep", "300"] and (.Pid > 0) and .Exited == false and
		(.Created | type) == "number" and .AutoRemove == false' >/dev/null || fail "$output"
	echo "$output" | jq -e '.[] | select(.Names == ["done7"]) |
		.State == "exited" and .ExitCode == 7 and .Exited == true and
		(.Status | test("^Exited \\(7\\) .* ago$"))' >/dev/null || fail "$output"
	run ward ps -a
	assert_output_contains "Exited (7)"
	assert_output_contains done7
	# ward container ls is the same list.
	run ward container ls -a -q
	[ "${#lines[@]}" = 2 ] || fail "container ls: $output"
	run ward ps --format '{{.Names}}'
	assert_status 125
	# --filter: status (lists exited ones without -a), name, id; bad keys are 125.
	run ward ps -q --filter status=exited
	[ "${#lines[@]}" = 1 ] && [ "${lines[0]}" != "${sleeper:0:12}" ] || fail "status filter: $output"
	run ward ps -a -q --filter name=sleep
	assert_output_equals "${sleeper:0:12}"
	run ward ps -a -q --filter "id=${sleeper:0:6}"
	assert_output_equals "${sleeper:0:12}"
	run ward ps --filter bogus=1
	assert_status 125
}

@test "ward run without --rm keeps an exited container; inspect shows it" {
	import_busybox
	run ward run --name keep busybox sh -c 'echo kept > /marker; echo out; exit 5'
	assert_status 5
	assert_output_equals out
	run ward inspect keep
	assert_success
	echo "$output" | jq -e '.[0] | .Name == "keep" and (.Id | test("^[0-9a-f]{64}$")) and
		.State.Status == "exited" and .State.Running == false and .State.ExitCode == 5 and
		.State.Pid == 0 and .Path == "sh" and .Args[0] == "-c" and
		(.ImageDigest | startswith("sha256:")) and .ImageName == "busybox" and
		.HostConfig.AutoRemove == false and (.LogPath | endswith("/ctr.log")) and
		(.State.FinishedAt | startswith("20")) and (.Created | startswith("20")) and
		(.Mounts | type) == "array" and (.Config.Cmd | type) == "array"' >/dev/null ||
		fail "$output"
	# The overlay is unmounted while the container is not running; start
	# mounts it again on the same upper dir.
	! grep -q " $WROOT/containers/" /proc/self/mounts || fail "overlay left mounted"
	run ward start -a keep
	assert_status 5
	[ -f "$WROOT/containers/$(ward inspect keep | jq -r '.[0].Id')/upper/marker" ] ||
		fail "upper dir lost"
	# The image is in use while the container exists.
	run ward rm keep
	assert_success
	run ward inspect keep
	assert_status 125
}

@test "ward run --rm leaves nothing: no dir, mount, record, runtime state, cgroup" {
	import_busybox
	run ward run --rm busybox sh -c 'echo bye; exit 2'
	assert_status 2
	assert_output_equals bye
	run ward ps -a -q
	assert_output_equals ""
	[ -z "$(ls -A "$WROOT/containers" 2>/dev/null)" ] || fail "dir left: $(ls "$WROOT/containers")"
	[ -z "$(state_entries "$WRUN")" ] || fail "runtime state left: $(state_entries "$WRUN")"
	! grep -q " $WROOT/" /proc/self/mounts || fail "overlay left mounted"
	# Detached --rm: gone once it exits.
	local id i
	id=$(ward run -d --rm busybox sh -c 'sleep 0.3')
	for i in $(seq 50); do
		[ -z "$(ward ps -a -q)" ] && break
		sleep 0.1
	done
	[ -z "$(ward ps -a -q)" ] || fail "--rm -d container still listed"
	[ ! -e "$WROOT/containers/$id" ] || fail "dir left"
	[ -z "$(cgroup_dirs_named "$id")" ] || fail "cgroup left: $(cgroup_dirs_named "$id")"
	! grep -q " $WROOT/" /proc/self/mounts || fail "overlay left mounted"
	run -127 ward run --rm --rootfs "$ROOTFS" /no/such/binary
	[ -z "$(ward ps -a -q)" ] || fail "failed --rm run left a record"
	# wait on an --rm container reports its exit though the record goes.
	id=$(ward run -d --rm busybox sh -c 'sleep 0.5; exit 3')
	run ward wait "$id"
	assert_success
	assert_output_equals 3
	[ -z "$(ward ps -a -q)" ] || fail "--rm container still listed after wait"
}

@test "ward wait prints the exit code, also of a running container" {
	run_d w sh -c 'sleep 0.5; exit 42'
	run ward wait w
	assert_success
	assert_output_equals 42
	run ward wait "${CID:0:8}"
	assert_output_equals 42
	run -127 ward run --name nf --rootfs "$ROOTFS" /no/such/binary
	run ward wait nf
	assert_output_equals 127
}

@test "ward kill -s by name and number; killing a stopped container is refused" {
	run_d k sh -c 'trap "echo usr1" USR1; trap "exit 9" TERM; while :; do sleep 0.1; done'
	run ward kill -s USR1 k
	assert_success
	assert_output_equals k
	wait_log k usr1
	run ward kill -s 15 k
	assert_success
	run ward wait k
	assert_output_equals 9
	run ward kill k
	assert_status 125
	assert_output_contains "can only kill running containers"
	run ward kill -s NOPE k
	assert_status 125
	assert_output_contains "NOPE"
	run_d k2 sleep 300
	run ward kill --signal SIGKILL k2
	assert_success
	run ward wait k2
	assert_output_equals 137
}

@test "a SIGKILLed monitor: ps shows the truth, the exit code is unknown (-1)" {
	run_d victim sleep 300
	local mon pid
	mon=$(ward inspect victim | jq -r '.[0].State.ConmonPid')
	pid=$(ward inspect victim | jq -r '.[0].State.Pid')
	[ "$mon" -gt 0 ] && [ "$pid" -gt 0 ] || fail "no pids"
	kill -KILL "$mon"
	sleep 0.2
	# The container itself still runs.
	run ward ps
	assert_output_contains victim
	ward inspect victim | jq -e '.[0].State.Error | test("monitor")' >/dev/null ||
		fail "no note: $(ward inspect victim)"
	kill -KILL "$pid"
	wait_status victim exited
	[ "$(ps_field victim ExitCode)" = -1 ] || fail "exit code $(ps_field victim ExitCode)"
	ward inspect victim | jq -e '.[0].State.Error | test("exit code unknown")' >/dev/null ||
		fail "$(ward inspect victim)"
	# It can be started again and removed.
	run ward start victim
	assert_success
	wait_status victim running
	run ward rm -f victim
	assert_success
}

@test "after a host reboot a record that says running is shown as exited (-1)" {
	require_cmd sqlite3
	run_d rebooted sh -c 'exit 0'
	wait_status rebooted exited
	# What a reboot leaves: the row says running, its pids are long gone
	# (pid 1 with a start time that is not init's: a reused pid).
	sqlite3 "$WROOT/ward.db" "UPDATE containers SET status = 1, pid = 1, pid_start = 1,
		monitor_pid = 1, monitor_start = 1, finished_ms = 0 WHERE name = 'rebooted'"
	run ward ps -a
	assert_output_contains "Exited (-1)"
	ward inspect rebooted | jq -e '.[0].State.Error | test("exit code unknown")' >/dev/null ||
		fail "$(ward inspect rebooted)"
	# Written back once, not recomputed: the finish time stays.
	local t1 t2
	t1=$(ward inspect rebooted | jq -r '.[0].State.FinishedAt')
	sleep 0.1
	t2=$(ward inspect rebooted | jq -r '.[0].State.FinishedAt')
	[ "$t1" = "$t2" ] || fail "finish time moved: $t1 $t2"
	# A record no ward wrote (hostile status value) reads as exited.
	sqlite3 "$WROOT/ward.db" "UPDATE containers SET status = 99 WHERE name = 'rebooted'"
	[ "$(ps_field rebooted State)" = exited ] || fail "$(ward ps -a)"
}

@test "names are unique; ids resolve by unique prefix; engine errors are 125" {
	run_d uniq sleep 300
	run ward run --name uniq --rootfs "$ROOTFS" true
	assert_status 125
	assert_output_contains '"uniq" is already in use'
	run ward ps -a -q
	[ "${#lines[@]}" = 1 ] || fail "refused run left a container: $output"
	run ward run --name 'bad/name' --rootfs "$ROOTFS" true
	assert_status 125
	assert_output_contains "--name"
	run ward inspect "${CID:0:5}"
	assert_success
	echo "$output" | jq -e '.[0].Name == "uniq"' >/dev/null
	local v
	for v in logs stop kill rm start restart wait inspect; do
		run ward "$v" no-such-container
		assert_status 125
		assert_output_contains 'no container with name or ID "no-such-container"'
	done
	# A generated name is adjective_noun.
	run ward run --rootfs "$ROOTFS" true
	assert_success
	ward ps -a --format json | jq -e '[.[].Names[0]] | any(test("^[a-z]+_[a-z]+[0-9]*$"))' >/dev/null
}

@test "foreground run: output on the terminal and in the log; -i forwards stdin" {
	run ward run --name fg --rootfs "$ROOTFS" sh -c 'echo to-out; echo to-err >&2'
	assert_success
	assert_output_contains to-out
	assert_output_contains to-err
	run ward logs fg
	assert_output_contains to-out
	run bash -c "echo piped | timeout 60 '$WARD' --root '$WROOT' --runroot '$WRUN' run --rm -i --rootfs '$ROOTFS' cat"
	assert_success
	assert_output_equals piped
	# Without -i the container's stdin is empty.
	run bash -c "echo piped | timeout 60 '$WARD' --root '$WROOT' --runroot '$WRUN' run --rm --rootfs '$ROOTFS' sh -c 'cat; echo end'"
	assert_output_equals end
}

@test "ward run -t: a pty in the foreground and detached; its output is logged" {
	require_cmd script
	run timeout -k 5 60 script -qec "$(printf '%q ' "$WARD" --root "$WROOT" --runroot "$WRUN" run --rm -t --rootfs "$ROOTFS" sh -c 'tty; exit 6')" /dev/null
	assert_status 6
	assert_output_contains /dev/pts/
	# -it: the terminal's input reaches the container through the pty.
	run bash -c "(sleep 1; echo hello-tty; sleep 1) | timeout -k 5 60 script -qec \"$(printf '%q ' "$WARD" --root "$WROOT" --runroot "$WRUN" run --rm -it --rootfs "$ROOTFS" sh -c 'read x; echo got-\$x; exit 4')\" /dev/null"
	assert_status 4
	assert_output_contains got-hello-tty
	run_d tty1 -t sh -c 'tty; echo ttyout'
	wait_log tty1 ttyout
	run ward logs tty1
	assert_output_contains /dev/pts/
}

@test "the log of a chatty container is bounded: ctr.log rotates to ctr.log.1" {
	run_d chatty sh -c 'sleep 0.3; head -c 20000000 /dev/zero | tr "\0" a; echo; echo done'
	# logs -f follows from the first file into the rotated one, to the end.
	run bash -c "timeout 60 '$WARD' --root '$WROOT' --runroot '$WRUN' logs -f chatty | tail -n 1"
	assert_success
	assert_output_equals done
	run ward wait chatty
	assert_output_equals 0
	local dir="$WROOT/containers/$CID"
	[ -f "$dir/ctr.log.1" ] || fail "no rotation"
	local a b
	a=$(stat -c %s "$dir/ctr.log")
	b=$(stat -c %s "$dir/ctr.log.1")
	[ "$a" -le 8400000 ] && [ "$b" -le 8400000 ] || fail "log sizes $a $b"
	run ward logs --tail 1 chatty
	assert_output_equals done
}

@test "stop -a stops the running ones, rm -a removes every container" {
	run_d one sleep 300
	run_d two sleep 300
	run ward run --name three --rootfs "$ROOTFS" true
	assert_success
	run ward stop -a -t 0
	assert_success
	[ "${#lines[@]}" = 2 ] || fail "stop -a printed: $output"
	run ward ps -q
	assert_output_equals ""
	run ward rm -a
	assert_success
	[ "${#lines[@]}" = 3 ] || fail "rm -a printed: $output"
	run ward ps -a -q
	assert_output_equals ""
	[ -z "$(ls -A "$WROOT/containers")" ] || fail "left: $(ls "$WROOT/containers")"
	run ward rm -a
	assert_success
}

@test "foreground run: signals to ward reach the container; the status comes back" {
	"$WARD" --root "$WROOT" --runroot "$WRUN" run --name sig --rootfs "$ROOTFS" \
		sh -c 'trap "echo got-int; exit 7" INT; echo ready; while :; do sleep 0.1; done' \
		>"$E2E_TMP/fg.out" 2>&1 </dev/null 3>&- &
	local cli=$! i st=0
	for i in $(seq 50); do
		grep -q ready "$E2E_TMP/fg.out" 2>/dev/null && break
		sleep 0.1
	done
	kill -INT "$cli"
	wait "$cli" || st=$?
	[ "$st" = 7 ] || fail "status $st: $(cat "$E2E_TMP/fg.out")"
	grep -q got-int "$E2E_TMP/fg.out" || fail "$(cat "$E2E_TMP/fg.out")"
	[ "$(ps_field sig ExitCode)" = 7 ]
}
