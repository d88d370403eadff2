#!/usr/bin/env bats
# cgroups: resources from config.json, update, ps, pause/resume, cleanup on delete.
# Checked from the host through /proc/PID/cgroup, so any cgroup layout the runtime
# picks (v1, v2, hybrid; relative or absolute cgroupsPath) is found.

load helpers

setup() {
	setup_bundle
}

teardown() {
	common_teardown
	# The parent of the absolute cgroupsPath used below, when now empty.
	local d
	for d in /sys/fs/cgroup/*/ward-e2e /sys/fs/cgroup/unified/ward-e2e; do
		[ -d "$d" ] && rmdir "$d" 2>/dev/null || true
	done
}

# A container that counts in $ROOTFS/tmp/count, so freezing is observable.
COUNTER='i=0; while :; do i=$((i+1)); echo $i > /tmp/count; sleep 0.05; done'

# cg_file CONTROLLER FILE: FILE in the container init's cgroup for CONTROLLER.
cg_file() {
	local d
	d=$(cgroup_dir "$(container_pid)" "$1")
	[ -n "$d" ] || fail "no $1 cgroup for the container"
	echo "$d/$2"
}

@test "ps --format json: lists the container's init pid" {
	set_sh "$COUNTER"
	start_container
	run --separate-stderr rt ps --format json "$ID"
	assert_success
	jq -e --argjson p "$(container_pid)" 'type == "array" and index($p) != null' <<<"$output" >/dev/null ||
		fail "init pid $(container_pid) not in ps: $output"
}

@test "ps --format json: lists exec'd processes too" {
	set_sh "$COUNTER"
	start_container
	rt exec --detach --pid-file "$E2E_TMP/exec.pid" "$ID" sleep 1000 </dev/null >/dev/null 2>&1
	run --separate-stderr rt ps --format json "$ID"
	assert_success
	jq -e --argjson p "$(cat "$E2E_TMP/exec.pid")" 'index($p) != null' <<<"$output" >/dev/null ||
		fail "exec pid not in ps: $output"
}

@test "ps: table output lists the init process" {
	set_sh "$COUNTER"
	start_container
	run --separate-stderr rt ps "$ID"
	assert_success
	assert_output_contains PID "$(container_pid)"
}

@test "pause/resume: state paused, processes frozen, then running again" {
	set_sh "$COUNTER"
	start_container
	wait_for_file "$ROOTFS/tmp/count"
	rt pause "$ID"
	assert_equal "$(state_field "$ID" .status)" paused status
	if [ -e "$(cg_file freezer freezer.state 2>/dev/null)" ]; then
		assert_equal "$(cat "$(cg_file freezer freezer.state)")" FROZEN freezer.state
	fi
	local a b
	a=$(cat "$ROOTFS/tmp/count")
	sleep 0.3
	b=$(cat "$ROOTFS/tmp/count")
	assert_equal "$b" "$a" "counter while paused"

	rt resume "$ID"
	assert_equal "$(state_field "$ID" .status)" running status
	sleep 0.3
	b=$(cat "$ROOTFS/tmp/count")
	[ "$b" -gt "$a" ] || fail "counter did not move after resume ($a -> $b)"
}

@test "pause: a stopped container cannot be paused" {
	set_sh 'exit 0'
	create_container
	rt start "$ID"
	wait_for_state "$ID" stopped
	run --separate-stderr rt pause "$ID"
	assert_failure
}

@test "resume: a running (not paused) container cannot be resumed" {
	set_sh "$COUNTER"
	start_container
	run --separate-stderr rt resume "$ID"
	assert_failure
	assert_equal "$(state_field "$ID" .status)" running status
}

@test "delete --force: removes a paused container" {
	set_sh "$COUNTER"
	start_container
	local pid
	pid=$(container_pid)
	rt pause "$ID"
	run rt delete --force "$ID"
	assert_success
	wait_for_exit "$pid"
	run rt state "$ID"
	assert_failure
}

@test "resources: memory limit is written to the container's memory cgroup" {
	update_config '.linux.resources.memory = {limit: 67108864}'
	set_sh "$COUNTER"
	start_container
	local f
	f=$(cg_file memory memory.limit_in_bytes)
	[ -e "$f" ] || f=$(cg_file unified memory.max)
	assert_equal "$(cat "$f")" 67108864 "$f"
}

@test "resources: pids limit is written and enforced" {
	update_config '.linux.resources.pids = {limit: 8}'
	# busybox sh gives up at the first failed fork ("can't fork").
	set_sh 'for i in $(seq 20); do sleep 5 & done; echo all-forked'
	create_container
	assert_equal "$(cat "$(cg_file pids pids.max)")" 8 pids.max
	rt start "$ID"
	wait_for_state "$ID" stopped
	local out
	out=$(cat "$CTR_STDOUT" "$CTR_STDERR")
	[[ "$out" != *all-forked* ]] || fail "20 forks under pids.max 8 all succeeded: $out"
	[[ "$out" == *"can't fork"* || "$out" == *"Resource temporarily unavailable"* ]] ||
		fail "no fork failure reported: $out"
}

@test "resources: cpu quota, period and shares are written" {
	require_cgroup_v1 cpu
	update_config '.linux.resources.cpu = {quota: 20000, period: 100000, shares: 512}'
	set_sh "$COUNTER"
	start_container
	assert_equal "$(cat "$(cg_file cpu cpu.cfs_quota_us)")" 20000 cpu.cfs_quota_us
	assert_equal "$(cat "$(cg_file cpu cpu.cfs_period_us)")" 100000 cpu.cfs_period_us
	assert_equal "$(cat "$(cg_file cpu cpu.shares)")" 512 cpu.shares
}

@test "update --pids-limit: changes pids.max of a running container" {
	set_sh "$COUNTER"
	start_container
	rt update --pids-limit 42 "$ID"
	assert_equal "$(cat "$(cg_file pids pids.max)")" 42 pids.max
}

@test "update --memory: changes the memory limit" {
	update_config '.linux.resources.memory = {limit: 67108864}'
	set_sh "$COUNTER"
	start_container
	rt update --memory 134217728 "$ID"
	local f
	f=$(cg_file memory memory.limit_in_bytes)
	[ -e "$f" ] || f=$(cg_file unified memory.max)
	assert_equal "$(cat "$f")" 134217728 "$f"
}

@test "update --cpu-quota and --cpu-period" {
	require_cgroup_v1 cpu
	set_sh "$COUNTER"
	start_container
	rt update --cpu-period 100000 --cpu-quota 30000 "$ID"
	assert_equal "$(cat "$(cg_file cpu cpu.cfs_quota_us)")" 30000 cpu.cfs_quota_us
	assert_equal "$(cat "$(cg_file cpu cpu.cfs_period_us)")" 100000 cpu.cfs_period_us
}

@test "update -r resources.json: applies pids and memory from a file" {
	set_sh "$COUNTER"
	start_container
	echo '{"pids": {"limit": 33}, "memory": {"limit": 100663296}}' >"$E2E_TMP/resources.json"
	rt update -r "$E2E_TMP/resources.json" "$ID"
	assert_equal "$(cat "$(cg_file pids pids.max)")" 33 pids.max
	local f
	f=$(cg_file memory memory.limit_in_bytes)
	[ -e "$f" ] || f=$(cg_file unified memory.max)
	assert_equal "$(cat "$f")" 100663296 "$f"
}

@test "update -r with a malformed file fails and changes nothing" {
	update_config '.linux.resources.pids = {limit: 50}'
	set_sh "$COUNTER"
	start_container
	echo '{"pids": {"limit": "many"}}' >"$E2E_TMP/resources.json"
	run --separate-stderr rt update -r "$E2E_TMP/resources.json" "$ID"
	assert_failure
	assert_ward_error pids.limit
	assert_equal "$(cat "$(cg_file pids pids.max)")" 50 pids.max
}

@test "cgroupsPath: an absolute path is used as given" {
	update_config '.linux.cgroupsPath = $p' --arg p "/ward-e2e/$ID"
	set_sh "$COUNTER"
	start_container
	local ctl
	for ctl in pids memory; do
		[ -d "/sys/fs/cgroup/$ctl" ] || continue
		assert_equal "$(cgroup_dir "$(container_pid)" "$ctl")" "/sys/fs/cgroup/$ctl/ward-e2e/$ID" "$ctl cgroup"
	done
}

@test "delete: the container's cgroups are removed" {
	update_config '.linux.resources.pids = {limit: 100}'
	set_sh "$COUNTER"
	start_container
	local pid dirs d ctl
	pid=$(container_pid)
	dirs=""
	for ctl in pids memory cpu freezer unified; do
		d=$(cgroup_dir "$pid" "$ctl")
		# Only the container's own cgroups: a hierarchy the runtime does not use
		# leaves the container where its caller is.
		[ -n "$d" ] && [ -d "$d" ] && [ "$d" != "$(cgroup_dir $$ "$ctl")" ] && dirs+="$d "
	done
	[ -n "$dirs" ] || fail "no cgroup directory found for pid $pid"
	# The container must have its own cgroup, not the caller's.
	[[ "$(cgroup_dir "$pid" pids)" != "$(cgroup_dir $$ pids)" ]] || fail "container shares the caller's cgroup"
	rt kill "$ID" KILL
	wait_for_state "$ID" stopped
	rt delete "$ID"
	for d in $dirs; do
		[ ! -d "$d" ] || fail "cgroup $d left after delete"
	done
	[ -z "$(cgroup_dirs_named "$ID")" ] || fail "cgroups named $ID left: $(cgroup_dirs_named "$ID")"
}

@test "delete --force: cgroups are removed for a running container" {
	set_sh "$COUNTER"
	start_container
	local d
	d=$(cgroup_dir "$(container_pid)" pids)
	[ -d "$d" ] || fail "no pids cgroup"
	rt delete --force "$ID"
	[ ! -d "$d" ] || fail "cgroup $d left after delete --force"
}

# in_pure_v2 CMD...: run CMD in a private mount namespace whose /sys/fs/cgroup is a
# lone cgroup2 mount, which is what the runtime sees on a pure cgroup v2 host.
in_pure_v2() {
	unshare -m sh -c 'umount -R /sys/fs/cgroup 2>/dev/null || umount -l /sys/fs/cgroup
		mount -t cgroup2 none /sys/fs/cgroup && exec "$@"' in_pure_v2 "$@"
}

@test "pure cgroup v2, no cgroup namespace: /sys/fs/cgroup is the container's own cgroup, read-only" {
	is_ward || skip "crun and runc see the host's layout through their own wrapper"
	grep -q cgroup2 /proc/filesystems || skip "no cgroup2"
	remove_namespace cgroup
	set_sh 'cat /proc/self/cgroup; grep " /sys/fs/cgroup " /proc/self/mountinfo; touch /sys/fs/cgroup/x 2>&1'
	run --separate-stderr in_pure_v2 "$OCI_RUNTIME" --root "$E2E_STATE" run --bundle "$BUNDLE" "$ID"
	# touch fails: a read-only mount.
	assert_output_contains "Read-only file system"
	local line
	line=$(grep " /sys/fs/cgroup " <<<"$output")
	[[ "$line" == *" ro,"* && "$line" == *cgroup2* ]] || fail "cgroup mount: $line"
	# Bound from the container's own cgroup, the one the process is in.
	local own
	own=$(sed -n 's/^0:://p' <<<"$output")
	[ -n "$own" ] && [ "$own" != / ] || fail "not in its own cgroup: $output"
	[[ "$(awk '{print $4}' <<<"$line")" == "$own" ]] || fail "mount root is not $own: $line"
}

@test "pure cgroup v2, cgroup namespace: /sys/fs/cgroup is a cgroup2 mount rooted at the container" {
	is_ward || skip "crun and runc see the host's layout through their own wrapper"
	grep -q cgroup2 /proc/filesystems || skip "no cgroup2"
	remove_namespace cgroup
	add_namespace cgroup
	set_sh 'cat /proc/self/cgroup; grep " /sys/fs/cgroup " /proc/self/mountinfo'
	run --separate-stderr in_pure_v2 "$OCI_RUNTIME" --root "$E2E_STATE" run --bundle "$BUNDLE" "$ID"
	assert_success
	assert_output_contains "0::/"
	local line
	line=$(grep " /sys/fs/cgroup " <<<"$output")
	[[ "$(awk '{print $4}' <<<"$line")" == / && "$line" == *cgroup2* ]] ||
		fail "cgroup mount: $line"
}
