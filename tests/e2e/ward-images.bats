#!/usr/bin/env bats
# Images in ward's store: import a rootfs tarball, list, run it on an overlay
# of shared read-only layers; skopeo reads the store as an OCI layout.

load helpers

setup() {
	setup_bundle
	setup_ward
	tar -C "$ROOTFS" -czf "$E2E_TMP/rootfs.tgz" .
}

teardown() {
	ward_teardown
}


@test "ward import + images + run IMAGE: the container runs on the image's layers" {
	run ward import "$E2E_TMP/rootfs.tgz" busybox:1
	assert_success
	[[ "$output" == sha256:* ]] || fail "no digest: $output"
	run ward images --format json
	assert_success
	echo "$output" | jq -e '.[0].name == "busybox:1"'
	run ward run --rm busybox:1 sh -c 'echo from-image; echo written > /etc/new; cat /etc/new; exit 4'
	assert_status 4
	assert_output_contains from-image
	assert_output_contains written
	# The write went to the container's upper dir, never into the shared layer.
	[ -z "$(find "$WROOT/layers" -name new)" ] || fail "write reached the image layer"
	[ -z "$(ls -A "$WROOT/containers")" ] || fail "container left behind"
	! grep -q " $WROOT/" /proc/self/mounts || fail "overlay left mounted"
}

@test "ward run IMAGE: layers are unpacked once and shared" {
	ward import "$E2E_TMP/rootfs.tgz" busybox >/dev/null
	ward run busybox true
	ward run busybox true
	[ "$(ls "$WROOT/layers" | wc -l)" = 1 ] || fail "layers: $(ls "$WROOT/layers")"
}

@test "ward's store is an OCI layout skopeo reads and copies" {
	require_cmd skopeo
	ward import "$E2E_TMP/rootfs.tgz" busybox >/dev/null
	run skopeo inspect "oci:$WROOT:busybox"
	assert_success
	echo "$output" | jq -e '.Layers | length == 1'
	run skopeo copy "oci:$WROOT:busybox" "dir:$E2E_TMP/copy"
	assert_success
}

@test "umoci reads ward's store and unpacks the image to a runnable bundle" {
	require_cmd umoci
	ward import "$E2E_TMP/rootfs.tgz" busybox:1 >/dev/null
	run umoci ls --layout "$WROOT"
	assert_success
	assert_output_contains "busybox:1"
	run umoci unpack --image "$WROOT:busybox:1" "$E2E_TMP/umoci-bundle"
	assert_success
	[ -x "$E2E_TMP/umoci-bundle/rootfs/bin/busybox" ] || fail "umoci unpacked no busybox"
	jq -e '.ociVersion' "$E2E_TMP/umoci-bundle/config.json" >/dev/null
}

@test "an image skopeo writes into ward's store (oci: transport) runs in ward" {
	require_cmd skopeo
	"$E2E_TOP/scripts/mkimage.sh" -r localhost/skopeo/bb:1 "$E2E_TMP/bb.tar" >/dev/null
	run skopeo copy "oci-archive:$E2E_TMP/bb.tar" "oci:$WROOT:localhost/skopeo/bb:1"
	assert_success
	run ward images --format json
	assert_success
	echo "$output" | jq -e 'map(.name) | index("localhost/skopeo/bb:1") != null'
	run ward run --rm localhost/skopeo/bb:1 sh -c 'echo from-skopeo'
	assert_success
	assert_output_contains from-skopeo
}

@test "a tampered config blob is refused at run (exit 125), nothing runs" {
	ward import "$E2E_TMP/rootfs.tgz" busybox >/dev/null
	cfg=$(jq -r '.manifests[0].digest' "$WROOT/index.json" | cut -d: -f2)
	cfgblob=$(jq -r '.config.digest' "$WROOT/blobs/sha256/$cfg" | cut -d: -f2)
	chmod u+w "$WROOT/blobs/sha256/$cfgblob"
	sed -i 's/bin\/sh/bin\/xx/' "$WROOT/blobs/sha256/$cfgblob"
	run ward run busybox echo should-not-run
	assert_status 125
	assert_output_contains "digest"
	assert_output_not_contains should-not-run
}

@test "ward run of an unknown image is 125 and names it" {
	run ward run nosuchimage true
	assert_status 125
	assert_output_contains nosuchimage
}
