#!/usr/bin/env bats
# OCI runtime spec config.json behaviour: process (args, env, cwd, user, rlimits),
# root, mounts, masked and read-only paths, sysctl, namespaces, devices, hooks.

load helpers

setup() {
	setup_bundle
}

teardown() {
	common_teardown
}

# use_mapped_user_namespace: a new user namespace whose root is host uid 200000
# (65536 ids), without the cgroup mount (a mapped root may not mount it).
use_mapped_user_namespace() {
	[ "$(cat /proc/sys/user/max_user_namespaces)" -gt 0 ] || skip "user namespaces disabled"
	add_namespace user
	update_config '.linux.uidMappings = [{containerID: 0, hostID: 200000, size: 65536}] |
		.linux.gidMappings = [{containerID: 0, hostID: 200000, size: 65536}] |
		.mounts = [.mounts[] | select(.destination != "/sys/fs/cgroup")]'
	# The container's root is host uid 200000: let it own its rootfs, like a
	# rootless image unpacked for that range.
	chown -R 200000:200000 "$ROOTFS"
	# bats makes its run directory 0700; the mapped root must traverse it to reach
	# the rootfs (it has no capability over host-root-owned inodes).
	chmod o+x "$BATS_RUN_TMPDIR" "$E2E_TMP" "$BUNDLE"
	defer "chmod o-x '$BATS_RUN_TMPDIR'"
}

@test "process.args: arguments reach the process exactly (spaces, empty strings)" {
	set_args sh -c 'printf "[%s]" "$@"' argv0 'a b' '' c '--flag' '$HOME'
	rt_run
	assert_success
	assert_output_equals '[a b][][c][--flag][$HOME]'
}

@test "hostname: set in a new UTS namespace" {
	update_config '.hostname = "ward-e2e-host"'
	set_sh 'hostname; cat /proc/sys/kernel/hostname'
	rt_run
	assert_success
	assert_output_equals $'ward-e2e-host\nward-e2e-host'
	[ "$(hostname)" != ward-e2e-host ] || fail "host's hostname changed"
}

@test "hostname: refused without a private UTS namespace" {
	remove_namespace uts
	update_config '.hostname = "ward-e2e-host"'
	set_sh 'hostname'
	local before
	before=$(hostname)
	rt_run
	assert_failure
	assert_equal "$(hostname)" "$before" "host hostname"
}

@test "env: process.env is the whole environment" {
	update_config '.process.env = ["PATH=/bin:/usr/bin", "FOO=bar baz", "EQ=a=b", "EMPTY="]'
	set_sh 'echo "$FOO|$EQ|$EMPTY|$PATH"; env | sort'
	WARD_E2E_LEAK=from-the-caller rt_run
	assert_success
	assert_equal "${lines[0]}" 'bar baz|a=b||/bin:/usr/bin' env
	assert_output_contains 'EMPTY=' 'FOO=bar baz'
	# Nothing of the caller's environment leaks in.
	assert_output_not_contains BATS_ WARD_E2E_LEAK
}

@test "cwd: the process starts in process.cwd" {
	update_config '.process.cwd = "/home/ward"'
	set_sh 'pwd'
	rt_run
	assert_success
	assert_output_equals /home/ward
}

@test "user: uid, gid and additionalGids apply (id)" {
	update_config '.process.user = {uid: 1000, gid: 1000, additionalGids: [10, 100]}'
	set_sh 'id -u; id -g; id -G; grep -E "^(Uid|Gid|Groups):" /proc/self/status'
	rt_run
	assert_success
	assert_equal "${lines[0]}" 1000 uid
	assert_equal "${lines[1]}" 1000 gid
	local g
	for g in 10 100; do
		[[ " ${lines[2]} " == *" $g "* ]] || fail "group $g missing from id -G: ${lines[2]}"
	done
	assert_output_contains $'Uid:\t1000\t1000\t1000\t1000' $'Gid:\t1000\t1000\t1000\t1000'
	# Supplementary groups are exactly additionalGids: none of root's groups kept.
	local groups
	groups=$(sed -n 's/^Groups:[[:space:]]*//p' <<<"$output" | tr ' ' '\n' | sed '/^$/d' | sort -n | tr '\n' ' ')
	assert_equal "$groups" "10 100 " "supplementary groups"
}

@test "user: umask applies" {
	update_config '.process.user.umask = 63'
	set_sh 'umask; touch /tmp/f; stat -c %a /tmp/f'
	rt_run
	assert_success
	assert_equal "${lines[0]}" 0077 umask
	assert_equal "${lines[1]}" 600 "mode of a new file"
}

@test "root.readonly: writes to the rootfs fail with EROFS" {
	update_config '.root.readonly = true'
	set_sh 'touch /tmp/x /x 2>&1; echo rc=$?; echo ok > /dev/shm/y && cat /dev/shm/y'
	rt_run
	assert_success
	assert_output_contains 'Read-only file system' 'rc=1' 'ok'
	[ ! -e "$ROOTFS/x" ] && [ ! -e "$ROOTFS/tmp/x" ] || fail "file created on a read-only rootfs"
}

@test "mounts: tmpfs with a size option is mounted with that size" {
	add_mount /mnt/scratch tmpfs tmpfs size=1m mode=1777 nosuid
	set_sh 'grep " /mnt/scratch " /proc/mounts;
		dd if=/dev/zero of=/mnt/scratch/big bs=64k count=64 2>&1; echo dd=$?'
	rt_run
	assert_success
	assert_output_contains 'tmpfs /mnt/scratch tmpfs' 'size=1024k' 'nosuid' 'No space left on device'
	[[ "$output" != *dd=0* ]] || fail "wrote 4 MiB into a 1 MiB tmpfs"
	# The destination directory was created inside the rootfs, not on the host.
	[ -d "$ROOTFS/mnt/scratch" ] || fail "mount point not created in the rootfs"
}

@test "mounts: read-only bind mount of a host directory" {
	local src=$E2E_TMP/hostdir
	mkdir "$src"
	echo host-content >"$src/file"
	add_mount /mnt/host bind "$src" rbind ro
	set_sh 'cat /mnt/host/file; echo x > /mnt/host/file 2>&1; touch /mnt/host/new 2>&1; echo end'
	rt_run
	assert_success
	assert_output_contains host-content 'Read-only file system' end
	assert_equal "$(cat "$src/file")" host-content "host file"
	[ ! -e "$src/new" ] || fail "file created through a read-only bind mount"
}

@test "mounts: read-write bind mount shares writes with the host" {
	local src=$E2E_TMP/hostdir
	mkdir "$src"
	add_mount /mnt/host bind "$src" rbind rw
	set_sh 'echo from-container > /mnt/host/out'
	rt_run
	assert_success
	assert_equal "$(cat "$src/out")" from-container "host file"
}

@test "mounts: bind mount of a single file" {
	echo one-file >"$E2E_TMP/single"
	add_mount /etc/ward-single bind "$E2E_TMP/single" bind ro
	set_sh 'cat /etc/ward-single'
	rt_run
	assert_success
	assert_output_equals one-file
}

@test "maskedPaths: /proc/kcore reads empty, a masked directory is empty" {
	# This host's kernel may lack /proc/kcore; /proc/timer_list is masked the same
	# way (runc's default list) and is never empty when present.
	local file
	for file in /proc/kcore /proc/timer_list /proc/keys; do
		[ -e "$file" ] && [ "$(head -c 16 "$file" | wc -c)" -gt 0 ] && break
		file=""
	done
	[ -n "$file" ] || skip "host has none of /proc/kcore /proc/timer_list /proc/keys"
	[ -n "$(ls -A /proc/irq)" ] || skip "host /proc/irq is empty"
	update_config '.linux.maskedPaths = [$f, "/proc/irq", "/proc/no-such-path"] |
		.linux.readonlyPaths = [.linux.readonlyPaths[]? | select(. != "/proc/irq")]' --arg f "$file"
	set_sh "head -c 16 $file | wc -c; ls -A /proc/irq | wc -l; echo end"
	rt_run
	assert_success
	assert_equal "${lines[0]}" 0 "bytes read from $file"
	assert_equal "${lines[1]}" 0 "entries in masked /proc/irq"
	assert_equal "${lines[2]}" end "masked paths"
}

@test "readonlyPaths: writes under /proc/sys fail" {
	update_config '.linux.readonlyPaths = ["/proc/sys"]'
	set_sh 'echo changed > /proc/sys/kernel/hostname; echo rc=$?; cat /proc/sys/kernel/hostname'
	rt_run
	assert_success
	assert_output_contains 'rc=1'
	assert_stderr_contains 'Read-only file system'
	assert_output_not_contains changed
}

@test "rlimits: RLIMIT_NOFILE soft and hard limits apply (ulimit -n)" {
	update_config '.process.rlimits = [{type: "RLIMIT_NOFILE", soft: 1234, hard: 2345}]'
	set_sh 'ulimit -Sn; ulimit -Hn'
	rt_run
	assert_success
	assert_equal "${lines[0]}" 1234 "soft limit"
	assert_equal "${lines[1]}" 2345 "hard limit"
}

@test "rlimits: several limits apply together" {
	update_config '.process.rlimits = [{type: "RLIMIT_NOFILE", soft: 512, hard: 512},
		{type: "RLIMIT_CORE", soft: 0, hard: 0}, {type: "RLIMIT_NPROC", soft: 777, hard: 777}]'
	set_sh 'ulimit -n; ulimit -c; ulimit -u'
	rt_run
	assert_success
	assert_equal "$output" $'512\n0\n777' limits
}

@test "capabilities: one the runtime does not hold fails create, naming it, and leaves nothing" {
	local capeff
	capeff=$(sed -n 's/^CapEff:[[:space:]]*//p' /proc/self/status)
	(((0x$capeff >> 24) & 1)) && skip "the runtime holds CAP_SYS_RESOURCE"
	update_config '.process.capabilities.permitted += ["CAP_SYS_RESOURCE"] |
		.process.capabilities.bounding += ["CAP_SYS_RESOURCE"]'
	set_sh true
	snapshot_host
	try_create
	assert_failure
	assert_ward_error CAP_SYS_RESOURCE
	assert_nothing_left
}

@test "rlimits: a hard limit above the runtime's own fails without CAP_SYS_RESOURCE" {
	local hard
	hard=$(ulimit -Hn)
	[ "$hard" != unlimited ] || skip "host RLIMIT_NOFILE hard limit is unlimited"
	local capeff
	capeff=$(sed -n 's/^CapEff:[[:space:]]*//p' /proc/self/status)
	(((0x$capeff >> 24) & 1)) && skip "the runtime has CAP_SYS_RESOURCE and may raise limits"
	update_config '.process.rlimits = [{type: "RLIMIT_NOFILE", soft: 1024, hard: $h}]' \
		--argjson h "$((hard * 2))"
	set_sh 'ulimit -Hn'
	rt_run
	assert_failure
	assert_ward_error RLIMIT_NOFILE
}

@test "sysctl: net.ipv4.ip_forward is set in the container's network namespace only" {
	local host
	host=$(cat /proc/sys/net/ipv4/ip_forward)
	local want=$((1 - host))
	update_config '.linux.sysctl = {"net.ipv4.ip_forward": $v}' --arg v "$want"
	set_sh 'cat /proc/sys/net/ipv4/ip_forward'
	rt_run
	assert_success
	assert_output_equals "$want"
	assert_equal "$(cat /proc/sys/net/ipv4/ip_forward)" "$host" "host ip_forward"
}

@test "sysctl: a host-wide (not namespaced) sysctl is refused, the host is unchanged" {
	local before
	before=$(cat /proc/sys/vm/overcommit_ratio)
	update_config '.linux.sysctl = {"vm.overcommit_ratio": $v}' --arg v "$((before + 1))"
	set_sh 'cat /proc/sys/vm/overcommit_ratio'
	rt_run
	assert_failure
	assert_ward_error vm.overcommit_ratio
	assert_equal "$(cat /proc/sys/vm/overcommit_ratio)" "$before" "host vm.overcommit_ratio"
}

@test "sysctl: a net.* sysctl without a private network namespace is refused" {
	remove_namespace network
	local host
	host=$(cat /proc/sys/net/ipv4/ip_forward)
	update_config '.linux.sysctl = {"net.ipv4.ip_forward": $v}' --arg v "$((1 - host))"
	set_sh true
	rt_run
	assert_failure
	assert_equal "$(cat /proc/sys/net/ipv4/ip_forward)" "$host" "host ip_forward"
}

@test "namespaces: a new pid namespace makes the process pid 1" {
	set_sh 'echo $$; ls -d /proc/[0-9]* | wc -l'
	rt_run
	assert_success
	assert_equal "${lines[0]}" 1 "pid in the container"
	# Only the shell and ls are visible.
	[ "${lines[1]}" -le 3 ] || fail "host processes visible: ${lines[1]} pids"
}

@test "namespaces: each requested namespace differs from the host's" {
	local ns
	add_namespace cgroup
	set_sh 'for n in pid net ipc uts mnt cgroup; do readlink /proc/self/ns/$n; done'
	rt_run
	assert_success
	for ns in pid net ipc uts mnt cgroup; do
		[[ "$output" == *"$ns:["* ]] || fail "no $ns namespace link: $output"
		[[ "$output" != *"$(readlink /proc/self/ns/$ns)"* ]] ||
			fail "$ns namespace shared with the host: $output"
	done
}

@test "namespaces: no mount namespace: the host's is inherited, the process is chroot'ed, delete leaves no mount" {
	remove_namespace mount
	echo in-the-rootfs >"$ROOTFS/ward-marker"
	set_sh 'readlink /proc/self/ns/mnt; cat /ward-marker; sleep 30'
	rt --log "$E2E_TMP/log" create --bundle "$BUNDLE" "$ID" </dev/null >"$CTR_STDOUT" 2>"$CTR_STDERR" ||
		fail "create: $(cat "$CTR_STDERR")"
	if is_ward; then
		grep -q "warning.*shares the runtime's mount namespace" "$E2E_TMP/log" ||
			fail "no warning about the shared mount table: $(cat "$E2E_TMP/log")"
	fi
	rt start "$ID"
	wait_for_file "$CTR_STDOUT"
	run rt exec "$ID" cat /ward-marker
	assert_success
	assert_output_equals in-the-rootfs
	run rt exec "$ID" readlink /proc/self/ns/mnt
	assert_output_equals "$(readlink /proc/self/ns/mnt)"
	[ -n "$(mounts_under "$ROOTFS")" ] || fail "the config's mounts are not under the rootfs"
	rt kill "$ID" KILL
	wait_for_state "$ID" stopped
	rt delete "$ID"
	assert_equal "$(head -n2 "$CTR_STDOUT" | tr '\n' ' ')" "$(readlink /proc/self/ns/mnt) in-the-rootfs " \
		"mount namespace and root of the process"
	is_ward || return 0
	assert_equal "$(mounts_under "$ROOTFS")" "" "mounts left under the rootfs after delete"
}

@test "namespaces: joining the runtime's own mount namespace by path is the same as none" {
	remove_namespace mount
	add_namespace mount "/proc/$$/ns/mnt"
	echo in-the-rootfs >"$ROOTFS/ward-marker"
	set_sh 'readlink /proc/self/ns/mnt; cat /ward-marker'
	rt_run
	assert_success
	assert_equal "$output" "$(readlink /proc/self/ns/mnt)"$'\n'in-the-rootfs "namespace and root"
	is_ward || return 0
	assert_equal "$(mounts_under "$ROOTFS")" "" "mounts left under the rootfs"
}

@test "namespaces: no mount namespace: a failed create leaves no mount behind" {
	is_ward || skip "ward-oci's own cleanup"
	remove_namespace mount
	update_config '.mounts += [{destination: "/missing-src", type: "bind", source: "/nonexistent-ward-e2e", options: ["bind"]}]'
	set_sh true
	try_create
	assert_failure
	assert_equal "$(mounts_under "$ROOTFS")" "" "mounts left under the rootfs"
	assert_nothing_left
}

@test "namespaces: exec in a user and cgroup namespace joins both and every cgroup of the container" {
	use_mapped_user_namespace
	add_namespace cgroup
	set_sh 'sleep 30'
	start_container
	local pid
	pid=$(container_pid)
	run --separate-stderr rt exec "$ID" sh -c 'readlink /proc/self/ns/user; readlink /proc/self/ns/cgroup; cat /proc/self/cgroup'
	assert_success
	assert_equal "${lines[0]}" "$(readlink /proc/$pid/ns/user)" "user namespace"
	assert_equal "${lines[1]}" "$(readlink /proc/$pid/ns/cgroup)" "cgroup namespace"
	# Seen from its cgroup namespace, a process in the container's cgroup is at
	# "/" in every hierarchy ("/.." when it is outside).
	local l
	for l in "${lines[@]:2}"; do
		[[ "$l" == *:/ ]] || fail "exec'd process outside the container's cgroup: $l"
	done
	[ "${#lines[@]}" -gt 2 ] || fail "no cgroup lines: $output"
}

@test "namespaces: join a network namespace by path" {
	require_cmd ip
	local name=${ID:0:40}
	ip netns add "$name"
	defer "ip netns delete '$name'"
	ip -n "$name" link set lo up
	add_namespace network "/var/run/netns/$name"
	set_sh 'readlink /proc/self/ns/net; cat /sys/class/net/lo/operstate 2>/dev/null || ip link show lo'
	rt_run
	assert_success
	assert_equal "${lines[0]}" "net:[$(stat -L -c %i "/var/run/netns/$name")]" "network namespace"
	# lo was brought up in the namespace above: "unknown" is how lo reports up.
	[[ "${lines[1]}" == unknown || "${lines[1]}" == up || "${lines[1]}" == *",UP"* ]] ||
		fail "lo not up, not the joined namespace: $output"
}

@test "namespaces: joining a path that is not a namespace fails" {
	echo not-a-namespace >"$E2E_TMP/notns"
	add_namespace network "$E2E_TMP/notns"
	set_sh true
	rt_run
	assert_failure
	run rt state "$ID"
	assert_failure
}

@test "namespaces: joining a namespace of the wrong type fails" {
	add_namespace network /proc/self/ns/uts
	set_sh true
	rt_run
	assert_failure
}

@test "namespaces: user namespace applies uidMappings and gidMappings" {
	use_mapped_user_namespace
	set_sh 'cat /proc/self/uid_map /proc/self/gid_map; id -u; stat -c %u /bin/busybox'
	rt_run
	assert_success
	[[ "${lines[0]}" =~ ^[[:space:]]*0[[:space:]]+200000[[:space:]]+65536$ ]] ||
		fail "uid_map: ${lines[0]}"
	[[ "${lines[1]}" =~ ^[[:space:]]*0[[:space:]]+200000[[:space:]]+65536$ ]] ||
		fail "gid_map: ${lines[1]}"
	assert_equal "${lines[2]}" 0 "uid in the container"
	assert_equal "${lines[3]}" 0 "owner of /bin/busybox seen inside"
}

@test "oomScoreAdj: applies to the container process" {
	update_config '.process.oomScoreAdj = 567'
	set_sh 'cat /proc/self/oom_score_adj'
	rt_run
	assert_success
	assert_output_equals 567
}

@test "devices: default devices exist, a configured device is created" {
	update_config '.linux.devices = [{path: "/dev/ward-null", type: "c", major: 1, minor: 3,
		fileMode: 438, uid: 0, gid: 0}] |
		.linux.resources.devices += [{allow: true, type: "c", major: 1, minor: 3, access: "rwm"}]'
	set_sh 'for d in null zero full random urandom tty; do [ -c /dev/$d ] || echo missing-$d; done
		stat -c "%t:%T %a" /dev/ward-null; echo x > /dev/ward-null && echo write-ok
		head -c 4 /dev/zero | wc -c'
	rt_run
	assert_success
	assert_output_not_contains missing-
	assert_output_contains '1:3 666' write-ok
	assert_equal "${lines[-1]}" 4 "bytes from /dev/zero"
}

# hook_json NAME: a hook that appends NAME to hooks.log and saves its stdin (the
# container state) as NAME.json, running the host's /bin/sh.
hook_json() {
	jq -nc --arg n "$1" --arg d "$E2E_TMP" \
		'{path: "/bin/sh", args: ["sh", "-c", "cat > \"$1/$2.json\"; echo \"$2 $WARD_HOOK\" >> \"$1/hooks.log\"", "sh", $d, $n],
		  env: ["WARD_HOOK=yes", "PATH=/usr/bin:/bin"], timeout: 10}'
}

@test "hooks: prestart, createRuntime, poststart, poststop run at their phase with the state" {
	update_config '.hooks = {prestart: [$pre], createRuntime: [$cr], poststart: [$post], poststop: [$stop]}' \
		--argjson pre "$(hook_json prestart)" --argjson cr "$(hook_json createRuntime)" \
		--argjson post "$(hook_json poststart)" --argjson stop "$(hook_json poststop)"
	set_sh 'trap "exit 0" TERM; while :; do sleep 0.1; done'
	create_container
	[ -e "$E2E_TMP/prestart.json" ] || fail "prestart did not run at create"
	[ -e "$E2E_TMP/createRuntime.json" ] || fail "createRuntime did not run at create"
	assert_equal "$(head -n2 "$E2E_TMP/hooks.log" | tr '\n' ' ')" "prestart yes createRuntime yes " "hook order"

	rt start "$ID"
	wait_for_file "$E2E_TMP/poststart.json"
	[ ! -e "$E2E_TMP/poststop.json" ] || fail "poststop ran before delete"
	rt kill "$ID" KILL
	wait_for_state "$ID" stopped
	rt delete "$ID"
	wait_for_file "$E2E_TMP/poststop.json"

	local h pid
	pid=$(jq -r .pid "$E2E_TMP/prestart.json")
	for h in prestart createRuntime poststart poststop; do
		jq -e . "$E2E_TMP/$h.json" >/dev/null || fail "$h: stdin was not JSON: $(cat "$E2E_TMP/$h.json")"
		assert_equal "$(jq -r .id "$E2E_TMP/$h.json")" "$ID" "$h state id"
		assert_equal "$(jq -r .bundle "$E2E_TMP/$h.json")" "$(realpath "$BUNDLE")" "$h state bundle"
		jq -e '.ociVersion | type == "string"' "$E2E_TMP/$h.json" >/dev/null ||
			fail "$h: no ociVersion: $(cat "$E2E_TMP/$h.json")"
	done
	[[ "$pid" =~ ^[0-9]+$ ]] && [ "$pid" -gt 0 ] || fail "prestart state pid: $pid"
	for h in createRuntime poststart; do
		assert_equal "$(jq -r .pid "$E2E_TMP/$h.json")" "$pid" "$h state pid"
	done
	assert_equal "$(tr '\n' ' ' <"$E2E_TMP/hooks.log")" \
		"prestart yes createRuntime yes poststart yes poststop yes " "hook order"
}

@test "hooks: poststart runs at start, after the process, not at create" {
	known_runtime_bug runc "runc before 1.3 runs poststart hooks during create (opencontainers/runc#4347)"
	update_config '.hooks = {poststart: [$post]}' --argjson post "$(hook_json poststart)"
	set_sh 'echo started > /tmp/started; while :; do sleep 0.1; done'
	create_container
	sleep 0.2
	[ ! -e "$E2E_TMP/poststart.json" ] || fail "poststart ran during create, before start"
	rt start "$ID"
	# The spec: poststart runs after the user process is executed and before start
	# returns.
	[ -e "$E2E_TMP/poststart.json" ] || fail "poststart had not run when start returned"
	assert_equal "$(jq -r .id "$E2E_TMP/poststart.json")" "$ID" "poststart state id"
}

@test "hooks: startContainer runs inside the container before the process" {
	update_config '.hooks.startContainer = [{path: "/bin/sh", args: ["sh", "-c", "echo $$ > /tmp/startContainer; hostname >> /tmp/startContainer"]}] |
		.hostname = "in-ctr"'
	set_sh 'cat /tmp/startContainer'
	rt_run
	assert_success
	assert_equal "${lines[1]}" in-ctr "hostname seen by the startContainer hook"
}

@test "hooks: a failing createRuntime hook fails create and leaves nothing" {
	snapshot_host
	update_config '.hooks.createRuntime = [{path: "/bin/sh", args: ["sh", "-c", "exit 7"]}]'
	set_sh 'echo should-not-run > /tmp/ran'
	try_create
	assert_failure
	run rt state "$ID"
	assert_failure
	[ ! -e "$ROOTFS/tmp/ran" ] || fail "process ran although a hook failed"
	assert_nothing_left
}

@test "hooks: a hook past its timeout is killed and fails create" {
	update_config '.hooks.prestart = [{path: "/bin/sleep", args: ["sleep", "30"], timeout: 1}]'
	set_sh true
	local t0=$SECONDS
	try_create
	assert_failure
	[ $((SECONDS - t0)) -lt 15 ] || fail "hook timeout not enforced ($((SECONDS - t0))s)"
	run rt state "$ID"
	assert_failure
}

@test "hooks: poststop runs on delete --force of a running container" {
	update_config '.hooks.poststop = [$h]' --argjson h "$(hook_json poststop)"
	set_sh 'while :; do sleep 0.1; done'
	start_container
	rt delete --force "$ID"
	wait_for_file "$E2E_TMP/poststop.json"
	assert_equal "$(jq -r .id "$E2E_TMP/poststop.json")" "$ID" "poststop state id"
}
