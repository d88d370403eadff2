#!/usr/bin/env bats
# Security: capabilities, no_new_privs, seccomp, and attacks on the runtime
# itself: CVE-2019-5736 (overwrite the runtime binary through /proc/PID/exe),
# CVE-2024-21626 (leaked fds, cwd through /proc/self/fd), symlinks in the rootfs
# that point mounts and device nodes at the host.

load helpers

CVE_SRC=$BATS_TEST_DIRNAME/cve

setup_file() {
	# The in-container attackers. Built here (not by the Makefile): one is a
	# static binary for the libc-less busybox rootfs, the other a shared object.
	local f="-std=gnu11 -D_GNU_SOURCE -O2 -Wall -Wextra"
	if command -v gcc >/dev/null 2>&1; then
		gcc $f -static -o "$BATS_FILE_TMPDIR/overwrite_exe" "$CVE_SRC/overwrite_exe.c" \
			>"$BATS_FILE_TMPDIR/build.log" 2>&1 || true
		gcc $f -shared -fPIC -o "$BATS_FILE_TMPDIR/evil_preload.so" "$CVE_SRC/evil_preload.c" \
			>>"$BATS_FILE_TMPDIR/build.log" 2>&1 || true
	fi
}

setup() {
	setup_bundle
}

teardown() {
	common_teardown
}

# need_attack_tools: skip (saying why) when the attackers could not be built.
need_attack_tools() {
	[ -x "$BATS_FILE_TMPDIR/overwrite_exe" ] && [ -e "$BATS_FILE_TMPDIR/evil_preload.so" ] ||
		skip "cannot build tests/e2e/cve/*.c (gcc, static libc): $(cat "$BATS_FILE_TMPDIR/build.log" 2>/dev/null)"
}

# guard_runtime_begin / guard_runtime_end: the runtime binary's sha256 before and
# after an attack. A binary carrying the attackers' payload is restored from a
# backup (by rename, so a running copy does not block it; the old mtime keeps make
# honest) and fails the test. A binary that changed without the payload was
# rebuilt meanwhile (others share build/): not restored, reported.
PAYLOAD_MARK=WARD-E2E-CVE-2019-5736-PAYLOAD

guard_runtime_begin() {
	RUNTIME_SHA=$(sha256 "$OCI_RUNTIME_BINARY")
	cp -p "$OCI_RUNTIME_BINARY" "$E2E_TMP/runtime.backup"
	defer restore_runtime_if_attacked
}

runtime_has_payload() {
	head -c 4096 "$OCI_RUNTIME_BINARY" | grep -aq "$PAYLOAD_MARK"
}

restore_runtime_if_attacked() {
	[ -e "$E2E_TMP/runtime.backup" ] || return 0
	runtime_has_payload || return 0
	cp -p "$E2E_TMP/runtime.backup" "$OCI_RUNTIME_BINARY.e2e-restore"
	mv -f "$OCI_RUNTIME_BINARY.e2e-restore" "$OCI_RUNTIME_BINARY"
}

guard_runtime_end() {
	local after
	after=$(sha256 "$OCI_RUNTIME_BINARY")
	[ "$after" != "$RUNTIME_SHA" ] || return 0
	if runtime_has_payload; then
		restore_runtime_if_attacked
		fail "THE CONTAINER OVERWROTE THE HOST RUNTIME BINARY $OCI_RUNTIME_BINARY" \
			"(sha256 $RUNTIME_SHA -> $after; restored from backup)" "$@"
	fi
	fail "$OCI_RUNTIME_BINARY changed during the test without the attack payload" \
		"(rebuilt meanwhile?): sha256 $RUNTIME_SHA -> $after; not restored" "$@"
}

# copy_runtime_libs: put the runtime binary's dynamic loader and libraries in the
# rootfs, so that when the container manages to execute the runtime binary (the
# point of the attack) it really starts and the attacker's code runs in it.
copy_runtime_libs() {
	local lib
	for lib in $(ldd "$OCI_RUNTIME_BINARY" 2>/dev/null | grep -o '/[^ ]*'); do
		[ -e "$lib" ] || continue
		mkdir -p "$ROOTFS$(dirname "$lib")"
		cp -L "$lib" "$ROOTFS$lib"
	done
}

# cap_mask CAP...: the CapEff-style hex mask of capability names.
cap_mask() {
	local -A num=([CAP_CHOWN]=0 [CAP_DAC_OVERRIDE]=1 [CAP_FOWNER]=3 [CAP_KILL]=5
		[CAP_SETGID]=6 [CAP_SETUID]=7 [CAP_NET_BIND_SERVICE]=10 [CAP_NET_RAW]=13
		[CAP_SYS_CHROOT]=18 [CAP_SYS_ADMIN]=21 [CAP_AUDIT_WRITE]=29)
	local m=0 c
	for c; do
		m=$((m | (1 << num[$c])))
	done
	printf '%016x\n' "$m"
}

# ------------------------------------------------------------------ capabilities

@test "capabilities: CapEff, CapPrm and CapBnd match the configured set" {
	update_config '.process.capabilities = {bounding: $c, effective: $c, permitted: $c, inheritable: [], ambient: []}' \
		--argjson c '["CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE"]'
	set_sh 'grep -E "^Cap(Eff|Prm|Bnd|Inh|Amb):" /proc/self/status'
	rt_run
	assert_success
	local want
	want=$(cap_mask CAP_CHOWN CAP_KILL CAP_NET_BIND_SERVICE)
	assert_output_contains $'CapEff:\t'"$want" $'CapPrm:\t'"$want" $'CapBnd:\t'"$want" \
		$'CapInh:\t0000000000000000' $'CapAmb:\t0000000000000000'
}

@test "capabilities: an empty set leaves root without privileges" {
	update_config '.process.capabilities = {bounding: [], effective: [], permitted: [], inheritable: [], ambient: []}'
	set_sh 'grep -E "^Cap(Eff|Bnd):" /proc/self/status; touch /tmp/f; chown 1000 /tmp/f; echo chown=$?'
	rt_run
	assert_success
	assert_output_contains $'CapEff:\t0000000000000000' $'CapBnd:\t0000000000000000' 'chown=1'
	[ "$(stat -c %u "$ROOTFS/tmp/f")" = 0 ] || fail "chown succeeded without CAP_CHOWN"
}

@test "capabilities: ambient capabilities reach a non-root user" {
	update_config '.process.user = {uid: 1000, gid: 1000} |
		.process.capabilities = {bounding: $c, effective: $c, permitted: $c, inheritable: $c, ambient: $c}' \
		--argjson c '["CAP_NET_BIND_SERVICE"]'
	set_sh 'id -u; grep -E "^Cap(Eff|Amb):" /proc/self/status'
	rt_run
	assert_success
	local want
	want=$(cap_mask CAP_NET_BIND_SERVICE)
	assert_output_contains 1000 $'CapEff:\t'"$want" $'CapAmb:\t'"$want"
}

@test "noNewPrivileges: true sets NoNewPrivs 1" {
	update_config '.process.noNewPrivileges = true'
	set_sh 'grep ^NoNewPrivs: /proc/self/status'
	rt_run
	assert_success
	assert_output_equals $'NoNewPrivs:\t1'
}

@test "noNewPrivileges: false leaves NoNewPrivs 0" {
	update_config '.process.noNewPrivileges = false'
	set_sh 'grep ^NoNewPrivs: /proc/self/status'
	rt_run
	assert_success
	assert_output_equals $'NoNewPrivs:\t0'
}

# ------------------------------------------------------------------ seccomp

deny_mkdir_profile() {
	jq -n --argjson e "${1:-1}" '{defaultAction: "SCMP_ACT_ALLOW", architectures: ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
		syscalls: [{names: ["mkdir", "mkdirat"], action: "SCMP_ACT_ERRNO", errnoRet: $e}]}'
}

@test "seccomp: a profile denying mkdir makes it fail with EPERM, other calls work" {
	update_config '.linux.seccomp = $p' --argjson p "$(deny_mkdir_profile 1)"
	set_sh 'grep ^Seccomp: /proc/self/status; touch /tmp/file && echo touch-ok; mkdir /tmp/dir; echo mkdir=$?'
	rt_run
	assert_success
	assert_output_contains $'Seccomp:\t2' touch-ok 'mkdir=1'
	assert_stderr_contains 'Operation not permitted'
	[ ! -e "$ROOTFS/tmp/dir" ] || fail "mkdir succeeded under the profile"
}

@test "seccomp: errnoRet picks the errno" {
	update_config '.linux.seccomp = $p' --argjson p "$(deny_mkdir_profile 13)"
	set_sh 'mkdir /tmp/dir; echo mkdir=$?'
	rt_run
	assert_success
	assert_output_contains 'mkdir=1'
	assert_stderr_contains 'Permission denied'
}

@test "seccomp: the profile also confines exec'd processes" {
	update_config '.linux.seccomp = $p' --argjson p "$(deny_mkdir_profile 1)"
	set_sh 'while :; do sleep 0.1; done'
	start_container
	run --separate-stderr rt exec "$ID" mkdir /tmp/from-exec </dev/null
	assert_failure
	assert_stderr_contains 'Operation not permitted'
	[ ! -e "$ROOTFS/tmp/from-exec" ] || fail "exec'd mkdir escaped the profile"
}

@test "seccomp: an unknown action is refused" {
	update_config '.linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW", syscalls: [{names: ["mkdir"], action: "SCMP_ACT_BOGUS"}]}'
	set_sh true
	rt_run
	assert_failure
	assert_ward_error linux.seccomp
}

# ------------------------------------------------------------------ CVE-2019-5736

@test "CVE-2019-5736: a '#!/proc/self/exe' script exec'd into the container cannot overwrite the runtime" {
	need_attack_tools
	guard_runtime_begin
	copy_runtime_libs
	cp "$BATS_FILE_TMPDIR/overwrite_exe" "$ROOTFS/attacker"
	# The exploit: a file in the image that the operator will exec, replaced by
	# a script whose interpreter is the calling process's own executable.
	printf '#!/proc/self/exe\n' >"$ROOTFS/evil"
	chmod 755 "$ROOTFS/evil"
	update_config '.process.noNewPrivileges = false'
	set_args /attacker /tmp/attack.log /tmp/attack.ready 2.5
	start_container
	wait_for_file "$ROOTFS/tmp/attack.ready"
	local i
	for i in 1 2 3 4 5; do
		rt exec "$ID" /evil </dev/null >/dev/null 2>&1 || true
		rt exec "$ID" /proc/self/exe </dev/null >/dev/null 2>&1 || true
	done
	# The attacker retries for 2.5 s in all: past that, a busy binary that became
	# writable after its process exited has been written.
	for ((i = 0; i < 100; i++)); do
		grep -q '^done' "$ROOTFS/tmp/attack.log" && break
		sleep 0.05
	done
	guard_runtime_end "attack log:" "$(cat "$ROOTFS/tmp/attack.log")"
	grep -q '^done' "$ROOTFS/tmp/attack.log" || fail "attacker did not finish: $(cat "$ROOTFS/tmp/attack.log")"
	# The test is only meaningful if the attacker saw the runtime in the container.
	grep -q '^foreign exe' "$ROOTFS/tmp/attack.log" ||
		fail "the attacker never saw a runtime process: $(cat "$ROOTFS/tmp/attack.log")"
}

@test "CVE-2019-5736: the runtime run as a container process cannot open its /proc/self/exe for writing" {
	need_attack_tools
	guard_runtime_begin
	copy_runtime_libs
	cp "$BATS_FILE_TMPDIR/evil_preload.so" "$ROOTFS/evil_preload.so"
	update_config '.process.noNewPrivileges = false'
	set_sh 'while :; do sleep 0.1; done'
	start_container
	# The image controls the loader's environment: LD_PRELOAD puts the attacker's
	# constructor into the runtime binary once exec makes it execute
	# /proc/self/exe (ASAN_OPTIONS only lets a sanitizer build start at all).
	run --separate-stderr rt exec --env LD_PRELOAD=/evil_preload.so \
		--env ASAN_OPTIONS=verify_asan_link_order=0 "$ID" /proc/self/exe --version </dev/null
	local i
	for ((i = 0; i < 140; i++)); do
		grep -q 'child done' "$ROOTFS/tmp/preload.log" 2>/dev/null && break
		sleep 0.05
	done
	guard_runtime_end "preload log:" "$(cat "$ROOTFS/tmp/preload.log" 2>/dev/null)"
	if [ ! -e "$ROOTFS/tmp/preload.log" ]; then
		# The runtime never executed itself in the container: nothing to attack.
		# It must then have refused the exec rather than run something else.
		assert_failure
		return 0
	fi
	grep -q '^constructor in pid' "$ROOTFS/tmp/preload.log" ||
		fail "the preload never ran: $(cat "$ROOTFS/tmp/preload.log")"
	grep -q 'child done' "$ROOTFS/tmp/preload.log" ||
		fail "the attack's second stage did not finish: $(cat "$ROOTFS/tmp/preload.log")"
}

# ------------------------------------------------------------------ CVE-2024-21626

# check_fds: the output of `ls /proc/self/fd` is exactly 0 1 2 and ls's own fd 3.
check_fds() {
	local fds
	fds=$(tr -s ' \n' '\n\n' <<<"$1" | sed '/^$/d' | sort -n | tr '\n' ' ')
	assert_equal "$fds" "0 1 2 3 " "fds open in the container (ls uses 3)"
}

@test "CVE-2024-21626: no runtime fd leaks into the container process" {
	set_sh 'ls /proc/self/fd; ls -l /proc/self/fd >&2'
	# Give the runtime something to leak: extra fds open in the caller.
	exec 7<"$CONFIG" 8<"$BUNDLE" 9<"$ROOTFS"
	rt_run
	exec 7<&- 8<&- 9<&-
	assert_success
	check_fds "$output"
}

@test "CVE-2024-21626: no runtime fd leaks into an exec'd process" {
	set_sh 'while :; do sleep 0.1; done'
	start_container
	run --separate-stderr rt exec "$ID" ls /proc/self/fd </dev/null
	assert_success
	check_fds "$output"
	rt exec --detach --pid-file "$E2E_TMP/exec.pid" "$ID" sleep 1000 </dev/null >/dev/null 2>&1
	local n
	n=$(ls "/proc/$(cat "$E2E_TMP/exec.pid")/fd" | sort -n | tr '\n' ' ')
	assert_equal "$n" "0 1 2 " "fds of a detached exec'd process"
}

@test "--preserve-fds 1: the caller's fd 3 and nothing else reaches the container" {
	echo preserved-content >"$E2E_TMP/passed"
	set_sh 'cat /proc/self/fd/3; ls /proc/self/fd | tr "\n" " "'
	# rt closes fd 3 on purpose; call the runtime directly here.
	run --separate-stderr timeout 60 "$OCI_RUNTIME" --root "$E2E_STATE" run --preserve-fds 1 \
		--bundle "$BUNDLE" "$ID" 3<"$E2E_TMP/passed" 4<"$CONFIG" </dev/null
	assert_success
	assert_equal "${lines[0]}" preserved-content "content of fd 3"
	assert_equal "${lines[1]}" "0 1 2 3 4 " "fds in the container (ls uses 4)"
}

# cwd_escape_script SECRET: a script that tries to read SECRET (a host path) by
# walking up from the cwd, and reports ESCAPED when `..` from the cwd never reaches
# the container's root (a cwd outside the rootfs).
cwd_escape_script() {
	local up=../../../../../../../../../../../../../../../..
	echo "cat $up$1 2>/dev/null; [ \"\$(stat -c %d:%i $up)\" = \"\$(stat -c %d:%i /)\" ] || echo ESCAPED; echo end"
}

@test "CVE-2024-21626: process.cwd /proc/self/fd/N never gives access to the host" {
	local token secret fd
	token=host-secret-$RANDOM$RANDOM
	secret=$E2E_TMP/host-secret
	echo "$token" >"$secret"
	set_sh "$(cwd_escape_script "$secret")"
	for fd in 3 4 5 6 7 8 9 10 11 12; do
		update_config '.process.cwd = $c' --arg c "/proc/self/fd/$fd"
		ID=${ID%-fd*}-fd$fd
		rt_run
		# Either the runtime refuses the cwd, or the cwd is inside the container.
		[[ "$output$stderr" != *"$token"* ]] || fail "cwd /proc/self/fd/$fd read the host file: $output"
		[[ "$output" != *ESCAPED* ]] || fail "cwd /proc/self/fd/$fd is outside the rootfs: $output"
	done
}

@test "CVE-2024-21626: exec --cwd /proc/self/fd/N never gives access to the host" {
	local token secret fd
	token=host-secret-$RANDOM$RANDOM
	secret=$E2E_TMP/host-secret
	echo "$token" >"$secret"
	set_sh 'while :; do sleep 0.1; done'
	start_container
	for fd in 3 4 5 6 7 8 9 10 11 12; do
		run --separate-stderr rt exec --cwd "/proc/self/fd/$fd" "$ID" sh -c "$(cwd_escape_script "$secret")" </dev/null
		[[ "$output$stderr" != *"$token"* ]] || fail "exec --cwd /proc/self/fd/$fd read the host file: $output"
		[[ "$output" != *ESCAPED* ]] || fail "exec --cwd /proc/self/fd/$fd is outside the rootfs: $output"
	done
}

# ------------------------------------------------------------------ symlinks in the rootfs

# host_path NAME: set $target to a host path in /tmp that the runtime must never
# create; removed at teardown in case it does.
host_path() {
	target=/tmp/ward-e2e-$1-$ID
	rm -rf "$target"
	defer "umount -l '$target' 2>/dev/null; rm -rf '$target'"
}

# assert_host_untouched PATH: not created, nothing mounted there.
assert_host_untouched() {
	[ ! -e "$1" ] && [ ! -L "$1" ] || fail "the runtime created $1 on the host: $(ls -la "$1")"
	[ -z "$(mounts_under "$1")" ] || fail "a mount landed on the host path $1"
}

@test "symlinks: an absolute symlink as mount destination stays inside the rootfs" {
	local target src
	host_path mnt-target
	src=$E2E_TMP/mntsrc
	mkdir "$src"
	echo bind-content >"$src/file"
	ln -s "$target" "$ROOTFS/mnt-evil"
	add_mount /mnt-evil bind "$src" rbind ro
	set_sh 'cat /mnt-evil/file'
	rt_run
	assert_host_untouched "$target"
	if [ "$status" = 0 ]; then
		# Resolved within the rootfs: /mnt-evil -> $target inside the container.
		assert_output_equals bind-content
		[ -d "$ROOTFS$target" ] || fail "mount point not created inside the rootfs"
	fi
}

@test "symlinks: a relative symlink climbing out of the rootfs stays inside it" {
	local target
	host_path mnt-rel
	ln -s "../../../../../../../../../../..$target" "$ROOTFS/mnt-rel"
	add_mount /mnt-rel tmpfs tmpfs size=1m
	set_sh 'echo x > /mnt-rel/written && grep -c " tmpfs " /proc/mounts >/dev/null && echo ok'
	rt_run
	assert_host_untouched "$target"
	if [ "$status" = 0 ]; then
		assert_output_equals ok
		[ ! -e "$ROOTFS$target/written" ] || fail "tmpfs not mounted (write reached the rootfs)"
	fi
}

@test "symlinks: a mount through a symlinked parent directory stays inside the rootfs" {
	local target src
	host_path mnt-parent
	src=$E2E_TMP/mntsrc
	mkdir "$src"
	echo nested >"$src/file"
	ln -s "$target" "$ROOTFS/parent-evil"
	add_mount /parent-evil/sub/dir bind "$src" rbind ro
	set_sh 'cat /parent-evil/sub/dir/file'
	rt_run
	assert_host_untouched "$target"
	[ "$status" != 0 ] || assert_output_equals nested
}

@test "symlinks: a symlinked /proc does not redirect the proc mount to the host" {
	local target
	host_path proc
	rm -rf "$ROOTFS/proc"
	ln -s "$target" "$ROOTFS/proc"
	set_sh 'head -n1 /proc/self/status'
	rt_run
	assert_host_untouched "$target"
	# Refusing a symlinked /proc is fine; so is mounting it inside the rootfs.
	[ "$status" != 0 ] || assert_output_contains Name:
}

@test "symlinks: a symlinked /dev does not put device nodes on the host" {
	local target
	host_path dev
	rm -rf "$ROOTFS/dev"
	ln -s "$target" "$ROOTFS/dev"
	# Without the /dev tmpfs the runtime creates its default devices in the rootfs.
	update_config '.mounts = [.mounts[] | select(.destination | startswith("/dev") | not)]'
	set_sh '[ -c /dev/null ] && echo has-null'
	rt_run
	assert_host_untouched "$target"
	[ "$status" != 0 ] || assert_output_equals has-null
}

@test "symlinks: a device path through a symlink stays inside the rootfs" {
	local target
	host_path devlink
	ln -s "$target" "$ROOTFS/devlink"
	update_config '.linux.devices = [{path: "/devlink/ward-null", type: "c", major: 1, minor: 3, fileMode: 438}] |
		.linux.resources.devices += [{allow: true, type: "c", major: 1, minor: 3, access: "rwm"}]'
	set_sh '[ -c /devlink/ward-null ] && echo is-char-device'
	rt_run
	assert_host_untouched "$target"
	if [ "$status" = 0 ]; then
		assert_output_equals is-char-device
	fi
}

@test "symlinks: a symlink loop as mount destination fails cleanly" {
	ln -s loop "$ROOTFS/loop"
	add_mount /loop/x tmpfs tmpfs
	set_sh true
	snapshot_host
	rt_run
	assert_failure
	assert_nothing_left
}
