#!/usr/bin/env bats
# ward pull from Debian's docker-registry on 127.0.0.1 (plain HTTP, TLS with
# a private CA, basic auth): images skopeo pushed are pulled and run by ward.

load helpers
load registry-helpers

setup_file() {
	command -v docker-registry >/dev/null || skip "docker-registry missing"
	command -v skopeo >/dev/null || skip "skopeo missing"
	"$BATS_TEST_DIRNAME/../../scripts/mkimage.sh" "$BATS_FILE_TMPDIR/busybox.tar" >/dev/null
}

setup() {
	setup_bundle
	setup_ward
}

teardown() {
	stop_registry
	ward_teardown
}


push_busybox() {
	skopeo copy -q "$@" "oci-archive:$BATS_FILE_TMPDIR/busybox.tar" \
		"docker://$REG_HOST/ward/busybox:1.0"
}

@test "pull over plain HTTP (explicit --tls-verify=false) and run" {
	start_registry
	push_busybox --dest-tls-verify=false
	run ward pull --tls-verify=false "$REG_HOST/ward/busybox:1.0"
	assert_success
	assert_output_contains "$REG_HOST/ward/busybox:1.0 sha256:"
	run ward run "$REG_HOST/ward/busybox:1.0" sh -c 'echo pulled-and-running; exit 5'
	assert_status 5
	assert_output_contains pulled-and-running
	# The manifest ward stored is the one the registry serves.
	want=$(skopeo inspect --tls-verify=false --raw "docker://$REG_HOST/ward/busybox:1.0" | sha256sum | cut -d' ' -f1)
	run ward images --format json
	echo "$output" | jq -e --arg d "sha256:$want" '.[0].digest == $d'
}

@test "ward run pulls an image that is not in the store (--pull missing); --pull never refuses" {
	start_registry
	push_busybox --dest-tls-verify=false
	run ward run --rm --pull=never "$REG_HOST/ward/busybox:1.0" true
	assert_status 125
	assert_output_contains "not in the store"
	run ward run --rm --tls-verify=false "$REG_HOST/ward/busybox:1.0" sh -c 'echo pulled-by-run'
	assert_success
	assert_output_contains pulled-by-run
	run ward images --format json
	echo "$output" | jq -e --arg n "$REG_HOST/ward/busybox:1.0" 'map(.name) | index($n) != null'
	# Now in the store: a second run needs no registry.
	local name=$REG_HOST/ward/busybox:1.0
	stop_registry
	run ward run --rm "$name" true
	assert_success
}

@test "plain HTTP is refused without --tls-verify=false" {
	start_registry
	push_busybox --dest-tls-verify=false
	run ward pull "$REG_HOST/ward/busybox:1.0"
	assert_status 125
	[ ! -e "$WROOT/index.json" ] || ! jq -e '.manifests | length > 0' "$WROOT/index.json" ||
		fail "something was tagged"
}

@test "pull over TLS with a private CA (--cert-dir); without it verification fails" {
	start_registry --tls
	push_busybox --dest-cert-dir="$REG_CERT_DIR"
	run ward pull "$REG_HOST/ward/busybox:1.0"
	assert_status 125
	assert_output_contains TLS
	run ward pull --cert-dir "$REG_CERT_DIR" "$REG_HOST/ward/busybox:1.0"
	assert_success
	run ward run "$REG_HOST/ward/busybox:1.0" echo tls-ok
	assert_success
	assert_output_contains tls-ok
}

@test "pull with basic auth from an auth.json; a wrong password is a clear 401" {
	start_registry --htpasswd
	push_busybox --dest-tls-verify=false --dest-creds "$REG_USER:$REG_PASS"
	run ward pull --tls-verify=false "$REG_HOST/ward/busybox:1.0"
	assert_status 125
	assert_output_contains unauthorized
	run ward pull --tls-verify=false --authfile "$REG_AUTH_FILE" "$REG_HOST/ward/busybox:1.0"
	assert_success
	printf '{"auths":{"%s":{"auth":"%s"}}}\n' "$REG_HOST" "$(printf 'ward:wrong' | base64 -w0)" >"$E2E_TMP/bad.json"
	chmod 600 "$E2E_TMP/bad.json"
	run ward pull --tls-verify=false --authfile "$E2E_TMP/bad.json" "$REG_HOST/ward/busybox:1.0"
	assert_status 125
	assert_output_contains unauthorized
}

@test "a short name is refused, never guessed" {
	run ward pull busybox
	assert_status 125
	assert_output_contains busybox
}
