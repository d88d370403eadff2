#!/usr/bin/env bats
# `ward run --rootfs DIR`: podman's flags with ward's hardened defaults,
# through the same runtime code as ward-oci.

load helpers

setup() {
	setup_bundle
	setup_ward
}

teardown() {
	ward_teardown
}


@test "ward run: exit status, Docker's default capabilities, no_new_privs, seccomp" {
	run ward run --rootfs "$ROOTFS" sh -c 'grep -E "^(CapEff|CapBnd|NoNewPrivs|Seccomp):" /proc/self/status; exit 7'
	assert_status 7
	assert_output_contains $'CapEff:\t00000000a80425fb'
	assert_output_contains $'NoNewPrivs:\t1'
	assert_output_contains $'Seccomp:\t2'
}

@test "ward run: the default seccomp profile blocks namespaces and mounts" {
	run ward run --rootfs "$ROOTFS" sh -c 'unshare -m true 2>&1; echo rc=$?; mount -t tmpfs none /mnt 2>&1; echo rc=$?'
	assert_success
	assert_output_contains "Operation not permitted"
	assert_output_not_contains "rc=0"
}

@test "ward run: masked and read-only kernel paths, private network, pids limit" {
	run ward run --rootfs "$ROOTFS" sh -c 'cat /proc/timer_list | wc -c; echo 1 > /proc/sys/kernel/domainname 2>&1 || echo ro; ls /sys/class/net; cat /sys/fs/cgroup/pids/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids.max'
	assert_success
	[ "${lines[0]}" = 0 ] || fail "timer_list not masked: ${lines[0]}"
	assert_output_contains ro
	assert_output_contains lo
	# stdout and stderr reach ward on separate pipes (as podman's conmon):
	# their relative order is not kept, so look for the line, not its place.
	printf '%s\n' "${lines[@]}" | grep -qx 2048 || fail "pids limit: $output"
}

@test "ward run: --cap-add, --cap-drop, --user, --workdir, --env, --read-only" {
	run ward run --rootfs "$ROOTFS" --cap-drop ALL --cap-add NET_BIND_SERVICE -u 1000:1000 \
		-w /tmp -e GREETING=hi --read-only sh -c 'grep ^CapBnd /proc/self/status; id -u; pwd; echo $GREETING; touch /x 2>&1; true'
	assert_success
	assert_output_contains $'CapBnd:\t0000000000000400'
	assert_output_contains 1000
	assert_output_contains /tmp
	assert_output_contains hi
	assert_output_contains "Read-only file system"
}

@test "ward run: user names resolve in the rootfs's /etc/passwd" {
	run ward run --rootfs "$ROOTFS" -u ward id
	assert_success
	assert_output_contains "uid=1000(ward)"
	run ward run --rootfs "$ROOTFS" -u nosuchuser id
	assert_status 125
	assert_output_contains "nosuchuser"
}

@test "ward run: --privileged and seccomp=unconfined are explicit and logged" {
	run --separate-stderr ward run --rootfs "$ROOTFS" --privileged sh -c 'grep -E "^(Seccomp|CapEff):" /proc/self/status'
	assert_success
	assert_output_contains $'Seccomp:\t0'
	[[ "$stderr" == *"--privileged"* ]] || fail "not logged: $stderr"
	run --separate-stderr ward run --rootfs "$ROOTFS" --security-opt seccomp=unconfined grep Seccomp: /proc/self/status
	assert_success
	assert_output_contains $'Seccomp:\t0'
	[[ "$stderr" == *"unconfined"* ]] || fail "not logged: $stderr"
}

@test "ward run: -v binds a host directory (ro), --tmpfs, --memory" {
	mkdir -p "$E2E_TMP/share"
	echo host-data >"$E2E_TMP/share/f"
	run ward run --rootfs "$ROOTFS" -v "$E2E_TMP/share:/share:ro" --tmpfs /scratch --memory 64m \
		sh -c 'cat /share/f; touch /share/g 2>&1; touch /scratch/ok && echo scratch; cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max'
	assert_success
	assert_output_contains host-data
	assert_output_contains "Read-only file system"
	assert_output_contains scratch
	assert_output_contains 67108864
	[ ! -e "$E2E_TMP/share/g" ]
}

@test "ward run: a missing command is 127, bad flags are 125, nothing is left behind" {
	run -127 ward run --rm --rootfs "$ROOTFS" /no/such/binary
	run ward run --rootfs "$ROOTFS" --network bridge true
	assert_status 125
	assert_output_contains "--network"
	run ward run --rootfs "$ROOTFS" --cap-add CAP_BOGUS true
	assert_status 125
	[ -z "$(ls -A "$WROOT/containers" 2>/dev/null)" ] || fail "containers left: $(ls "$WROOT/containers")"
	[ -z "$(state_entries "$WRUN")" ] || fail "runtime state left: $(state_entries "$WRUN")"
}

@test "ward (release build) loads libcurl and libarchive only when a command needs them" {
	# Linked in, they and their ~40 dependencies cost every ward process,
	# `ward run` included, about 10 ms (src/util/dl.c).
	[ -x "$BATS_TEST_DIRNAME/../../build/ward" ] || skip "release build/ward not built"
	run ldd "$BATS_TEST_DIRNAME/../../build/ward"
	assert_success
	assert_output_not_contains "libcurl"
	assert_output_not_contains "libarchive"
	run env LD_DEBUG=libs "$BATS_TEST_DIRNAME/../../build/ward" --root "$BATS_TEST_TMPDIR/r" --version
	assert_output_not_contains "libcurl.so"
	# ... and loads them when one does: import reads the tarball with
	# libarchive, pull talks HTTP with libcurl (to a closed port here).
	tar -C "$ROOTFS" -czf "$BATS_TEST_TMPDIR/rootfs.tgz" .
	run "$BATS_TEST_DIRNAME/../../build/ward" --root "$BATS_TEST_TMPDIR/r" --runroot "$BATS_TEST_TMPDIR/rr" import "$BATS_TEST_TMPDIR/rootfs.tgz" dl/test:1
	assert_success
	assert_output_contains "sha256:"
	run "$BATS_TEST_DIRNAME/../../build/ward" --root "$BATS_TEST_TMPDIR/r" --runroot "$BATS_TEST_TMPDIR/rr" pull --tls-verify=false 127.0.0.1:1/none
	assert_status 125
	assert_output_contains "127.0.0.1 port 1"
}
