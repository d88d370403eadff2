#!/usr/bin/env bats
# Hostile config.json and arguments: each is refused with a non-zero exit, ward-oci's
# error names the offending field, and nothing is left behind: no state under
# --root, no cgroup, no process, no mount.
#
# Some inputs are valid for the OCI spec and merely outside ward's own bounds (a
# 10 MB config, ".." in a mount destination, no ociVersion): runc and crun may
# accept them. For those, a non-ward runtime passes by either refusing or running
# the container and cleaning up after it; ward-oci must refuse.

load helpers

setup() {
	setup_bundle
	set_sh 'echo should-not-run > /tmp/ran'
}

teardown() {
	common_teardown
}

# create_hostile: run `create` on the current bundle, from a snapshot of the host.
create_hostile() {
	snapshot_host
	try_create "$@"
}

# expect_rejected FIELD...: create fails, ward names each FIELD, nothing is left and
# the container process never ran.
expect_rejected() {
	create_hostile
	assert_failure
	assert_ward_error "$@"
	[ ! -e "$ROOTFS/tmp/ran" ] || fail "the container process ran"
	assert_nothing_left
}

# expect_rejected_by_ward FIELD...: ward-oci must reject; another runtime may also
# accept, and then must delete the container without leaving anything.
expect_rejected_by_ward() {
	if is_ward; then
		expect_rejected "$@"
		return
	fi
	create_hostile
	if [ "$status" = 0 ]; then
		rt delete --force "$ID"
	fi
	assert_nothing_left
}

# expect_rejected_any FIELD...: as expect_rejected, ward's error names one FIELD.
expect_rejected_any() {
	create_hostile
	assert_failure
	assert_ward_error_any "$@"
	[ ! -e "$ROOTFS/tmp/ran" ] || fail "the container process ran"
	assert_nothing_left
}

@test "hostile: process.args as a string" {
	update_config '.process.args = "sh -c true"'
	expect_rejected process.args
}

@test "hostile: process.args empty" {
	update_config '.process.args = []'
	expect_rejected process.args
}

@test "hostile: process.args with an embedded NUL" {
	update_config '.process.args = ["sh", "-c", "echo a\u0000b > /tmp/ran"]'
	# runc and crun only fail at start, when execve refuses the argument.
	if is_ward; then
		# Refused by the field check or by the parser's NUL check.
		expect_rejected_any process.args config.json
	else
		expect_rejected_by_ward process.args
	fi
}

@test "hostile: linux.namespaces as an object" {
	update_config '.linux.namespaces = {type: "pid"}'
	expect_rejected linux.namespaces
}

@test "hostile: unknown namespace type" {
	update_config '.linux.namespaces += [{type: "ward-bogus"}]'
	expect_rejected linux.namespaces
}

@test "hostile: the same namespace type twice" {
	update_config '.linux.namespaces += [{type: "pid"}]'
	expect_rejected linux.namespaces
}

@test "hostile: process.cwd relative" {
	update_config '.process.cwd = "tmp"'
	expect_rejected process.cwd
}

@test "hostile: process.user.uid out of range" {
	update_config '.process.user.uid = 4294967296'
	expect_rejected process.user.uid
}

@test "hostile: process.user.uid of the wrong type" {
	update_config '.process.user.uid = "0"'
	expect_rejected process.user.uid
}

@test "hostile: unknown rlimit type" {
	update_config '.process.rlimits = [{type: "RLIMIT_WARD_BOGUS", soft: 1, hard: 1}]'
	expect_rejected process.rlimits
}

@test "hostile: missing ociVersion" {
	update_config 'del(.ociVersion)'
	expect_rejected_by_ward ociVersion
}

@test "hostile: mount destination with .. components" {
	local escape=/tmp/ward-e2e-dotdot-$ID
	defer "umount -l '$escape' 2>/dev/null; rm -rf '$escape'"
	update_config '.mounts += [{destination: ("/../../../../../../.." + $d), type: "tmpfs", source: "tmpfs"}]' \
		--arg d "$escape"
	expect_rejected_by_ward destination
	# Whatever the runtime did, the host path was not touched.
	[ ! -e "$escape" ] || fail "the mount destination escaped to the host: $escape"
}

@test "hostile: mount destination relative" {
	update_config '.mounts += [{destination: "mnt/rel", type: "tmpfs", source: "tmpfs"}]'
	expect_rejected_by_ward destination
}

@test "hostile: config.json of 10 MB" {
	head -c $((10 * 1024 * 1024)) /dev/zero | tr '\0' a >"$E2E_TMP/pad"
	update_config '.annotations = {"org.ward.pad": $pad}' --rawfile pad "$E2E_TMP/pad"
	rm "$E2E_TMP/pad"
	[ "$(stat -c %s "$CONFIG")" -gt $((10 * 1000 * 1000)) ] || fail "config not 10 MB"
	local t0=$SECONDS
	expect_rejected_by_ward config.json
	[ $((SECONDS - t0)) -lt 20 ] || fail "took $((SECONDS - t0))s over a 10 MB config"
}

@test "hostile: JSON nested 10000 levels deep" {
	local open close
	open=$(printf '%.0s[' $(seq 10000))
	close=$(printf '%.0s]' $(seq 10000))
	jq -c '.annotations = {"org.ward.deep": "@@DEEP@@"}' "$CONFIG" |
		sed "s/\"@@DEEP@@\"/$open$close/" >"$CONFIG.deep"
	mv "$CONFIG.deep" "$CONFIG"
	grep -q '\[\[\[\[' "$CONFIG" || fail "nesting not written"
	expect_rejected config.json
}

@test "hostile: config.json is not JSON" {
	head -c 200 "$CONFIG" >"$CONFIG.cut"
	mv "$CONFIG.cut" "$CONFIG"
	expect_rejected config.json
}

@test "hostile: config.json is empty" {
	: >"$CONFIG"
	expect_rejected config.json
}

@test "hostile: config.json is missing" {
	rm "$CONFIG"
	expect_rejected config.json
}

@test "hostile: config.json is a JSON array" {
	echo '[1, 2, 3]' >"$CONFIG"
	expect_rejected config.json
}

@test "hostile: root.path does not exist" {
	update_config '.root.path = "no-such-rootfs"'
	expect_rejected root.path
}

@test "hostile: container id with a path traversal" {
	local outside=$E2E_TMP/escaped-$RANDOM
	snapshot_host
	try_create -- "../${outside##*/}"
	assert_failure
	[ ! -e "$outside" ] || fail "state written outside --root: $outside"
	try_create -- a/b
	assert_failure
	[ ! -e "$E2E_STATE/a" ] || fail "state dir a/ created for id a/b"
	assert_nothing_left
}

@test "hostile: empty container id" {
	snapshot_host
	try_create -- ""
	assert_failure
	assert_nothing_left
}

@test "hostile: unknown properties are ignored (spec), the container runs" {
	update_config '.["org.ward.unknown"] = {nested: [1, 2]} | .process["x-extra"] = true |
		.linux["x-future"] = "value"'
	set_sh 'echo ran'
	rt_run
	assert_success
	assert_output_equals ran
}
