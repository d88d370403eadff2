#!/usr/bin/env bats
# ward push / login / logout / tag / rmi / image inspect, and short-name
# resolution through registries.conf, against Debian's docker-registry on
# 127.0.0.1 (plain HTTP, TLS with a private CA, htpasswd basic auth).
# Images come from `ward import` of the test busybox rootfs.

load helpers
load registry-helpers

setup() {
	setup_bundle
	setup_ward
	# Never the host's auth file or registries.conf. (Not REGISTRY_AUTH_FILE:
	# docker-registry reads REGISTRY_* variables as its own configuration.)
	export XDG_RUNTIME_DIR=$E2E_TMP/xdg
	AUTH=$XDG_RUNTIME_DIR/containers/auth.json
	export WARD_REGISTRIES_CONF=$E2E_TMP/registries.conf
	printf '# no search registries\n' >"$WARD_REGISTRIES_CONF"
	tar -C "$ROOTFS" -czf "$E2E_TMP/rootfs.tgz" .
	ward import "$E2E_TMP/rootfs.tgz" busybox:1 >/dev/null
}

teardown() {
	stop_registry
	ward_teardown
}

need_registry() {
	local why
	why=$(registry_preflight "$@")
	[ -z "$why" ] || skip "$why"
	require_cmd skopeo
}

local_digest() {
	jq -r --arg n "$1" '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == $n) | .digest' "$WROOT/index.json"
}

@test "push: skopeo sees the local digest, copies it to an oci: dir; a second push skips every blob" {
	need_registry
	start_registry
	want=$(local_digest busybox:1)
	run ward push --tls-verify=false --digestfile "$E2E_TMP/digest" busybox:1 "$REG_HOST/ward/bb:1"
	assert_success
	assert_output_contains "2 blobs pushed" "0 blobs already present" "$REG_HOST/ward/bb:1 $want"
	[ "$(cat "$E2E_TMP/digest")" = "$want" ] || fail "digestfile: $(cat "$E2E_TMP/digest")"
	# stderr apart: skopeo warns about the image's missing fields there.
	skopeo inspect --tls-verify=false "docker://$REG_HOST/ward/bb:1" >"$E2E_TMP/inspect.json"
	jq -e --arg d "$want" '.Digest == $d' "$E2E_TMP/inspect.json"
	got=$(skopeo inspect --tls-verify=false --raw "docker://$REG_HOST/ward/bb:1" | sha256sum | cut -d' ' -f1)
	[ "sha256:$got" = "$want" ] || fail "raw manifest sha256:$got != $want"
	run skopeo copy -q --src-tls-verify=false "docker://$REG_HOST/ward/bb:1" "oci:$E2E_TMP/copy:bb"
	assert_success
	[ "$(jq -r '.manifests[0].digest' "$E2E_TMP/copy/index.json")" = "$want" ] || fail "oci copy digest differs"
	run ward push --tls-verify=false busybox:1 "docker://$REG_HOST/ward/bb:1"
	assert_success
	assert_output_contains "0 blobs pushed" "2 blobs already present"
}

@test "push: a local index goes up with its manifest, under the index's own digest" {
	need_registry
	start_registry
	m=$(local_digest busybox:1)
	msize=$(stat -c %s "$WROOT/blobs/sha256/${m#sha256:}")
	idx=$(jq -cn --arg d "$m" --argjson s "$msize" '{schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json",
		manifests: [{mediaType: "application/vnd.oci.image.manifest.v1+json", digest: $d, size: $s,
		platform: {architecture: "amd64", os: "linux"}}]}')
	printf '%s' "$idx" >"$E2E_TMP/idx.json"
	ih=$(sha256sum "$E2E_TMP/idx.json" | cut -d' ' -f1)
	cp "$E2E_TMP/idx.json" "$WROOT/blobs/sha256/$ih"
	jq --arg d "sha256:$ih" --argjson s "$(stat -c %s "$E2E_TMP/idx.json")" \
		'.manifests += [{mediaType: "application/vnd.oci.image.index.v1+json", digest: $d, size: $s,
		annotations: {"org.opencontainers.image.ref.name": "multi:1"}}]' "$WROOT/index.json" >"$E2E_TMP/index.json"
	cp "$E2E_TMP/index.json" "$WROOT/index.json"
	run ward push --tls-verify=false multi:1 "$REG_HOST/ward/multi:1"
	assert_success
	assert_output_contains "$REG_HOST/ward/multi:1 sha256:$ih"
	got=$(skopeo inspect --tls-verify=false --raw "docker://$REG_HOST/ward/multi:1" | sha256sum | cut -d' ' -f1)
	[ "$got" = "$ih" ] || fail "registry index sha256:$got != sha256:$ih"
	run skopeo inspect --tls-verify=false --raw "docker://$REG_HOST/ward/multi@$m"
	assert_success
}

@test "push: a pulled image pushes under its own name; plain HTTP needs --tls-verify=false" {
	need_registry
	start_registry
	ward tag busybox:1 "$REG_HOST/ward/self:2"
	run ward push "$REG_HOST/ward/self:2"
	assert_status 125
	run ward push --tls-verify=false "$REG_HOST/ward/self:2"
	assert_success
	run ward pull --tls-verify=false "$REG_HOST/ward/self:2"
	assert_success
	assert_output_contains "$(local_digest busybox:1)"
}

@test "push: a short destination is refused; a blocked [[registry]] refuses pushes" {
	run ward push busybox:1
	assert_status 125
	assert_output_contains "busybox:1" "fully qualified"
	printf '[[registry]]\nprefix = "127.0.0.1:1"\nblocked = true\n' >"$WARD_REGISTRIES_CONF"
	run ward push --tls-verify=false busybox:1 127.0.0.1:1/ward/x:1
	assert_status 125
	assert_output_contains blocked "$WARD_REGISTRIES_CONF:1"
}

@test "login: a wrong password fails and saves nothing; the right one saves 0600; push and pull use it; logout" {
	need_registry --htpasswd
	start_registry --htpasswd
	run ward push --tls-verify=false busybox:1 "$REG_HOST/ward/auth:1"
	assert_status 125
	assert_output_contains unauthorized
	run ward login --tls-verify=false -u "$REG_USER" -p wrong "$REG_HOST"
	assert_status 125
	assert_output_contains unauthorized
	[[ "$output" != *wrong* ]] || fail "password printed"
	[ ! -e "$AUTH" ] || fail "saved after a failed login"
	run bash -c 'printf "%s\n" "$1" | "$2" --root "$3" --runroot "$4" login --tls-verify=false -u "$5" --password-stdin "$6"' \
		_ "$REG_PASS" "$WARD" "$WROOT" "$WRUN" "$REG_USER" "$REG_HOST"
	assert_success
	assert_output_contains "Login Succeeded"
	[[ "$output" != *"$REG_PASS"* ]] || fail "password printed"
	[ "$(stat -c %a "$AUTH")" = 600 ] || fail "mode $(stat -c %a "$AUTH")"
	jq -e --arg h "$REG_HOST" '.auths[$h].auth' "$AUTH"
	run ward push --tls-verify=false busybox:1 "$REG_HOST/ward/auth:1"
	assert_success
	run skopeo inspect --tls-verify=false --creds "$REG_USER:$REG_PASS" "docker://$REG_HOST/ward/auth:1"
	assert_success
	run ward pull --tls-verify=false "$REG_HOST/ward/auth:1"
	assert_success
	run ward logout "$REG_HOST"
	assert_success
	run jq -e --arg h "$REG_HOST" '.auths | has($h) | not' "$AUTH"
	assert_success
	run ward logout "$REG_HOST"
	assert_status 125
	assert_output_contains "not logged into"
}

@test "login -p warns it is visible in ps; --authfile writes where asked" {
	need_registry --htpasswd
	start_registry --htpasswd
	run ward login --tls-verify=false --authfile "$E2E_TMP/other.json" -u "$REG_USER" -p "$REG_PASS" "$REG_HOST"
	assert_success
	assert_output_contains "insecure"
	[ -e "$E2E_TMP/other.json" ] && [ ! -e "$AUTH" ] || fail "wrong auth file"
	# REGISTRY_AUTH_FILE is the default when --authfile is absent (podman's).
	REGISTRY_AUTH_FILE=$E2E_TMP/other.json run ward push --tls-verify=false busybox:1 "$REG_HOST/ward/env:1"
	assert_success
	run ward logout --authfile "$E2E_TMP/other.json" --all
	assert_success
	jq -e '.auths == {}' "$E2E_TMP/other.json"
}

@test "push over TLS with a private CA (--cert-dir); without it TLS verification fails" {
	need_registry --tls
	start_registry --tls
	run ward push busybox:1 "$REG_HOST/ward/tls:1"
	assert_status 125
	assert_output_contains TLS
	run ward push --cert-dir "$REG_CERT_DIR" busybox:1 "$REG_HOST/ward/tls:1"
	assert_success
	skopeo inspect --cert-dir "$REG_CERT_DIR" "docker://$REG_HOST/ward/tls:1" >"$E2E_TMP/inspect.json"
	jq -e --arg d "$(local_digest busybox:1)" '.Digest == $d' "$E2E_TMP/inspect.json"
}

@test "tag + images + rmi: untag keeps shared blobs, the last name frees them" {
	run ward tag busybox:1 localhost/ward/x:2 other
	assert_success
	run ward images --format json
	echo "$output" | jq -e 'map(.name) | index("localhost/ward/x:2") != null and index("other") != null'
	nblobs=$(ls "$WROOT/blobs/sha256" | wc -l)
	run ward rmi busybox:1 other
	assert_success
	assert_output_contains "Untagged: busybox:1" "Untagged: other"
	[ "$(ls "$WROOT/blobs/sha256" | wc -l)" = "$nblobs" ] || fail "blobs went with a name left"
	run ward image inspect localhost/ward/x:2
	assert_success
	echo "$output" | jq -e '.[0].RepoTags == ["localhost/ward/x:2"] and (.[0].RootFS.Layers | length) == 1 and .[0].Os == "linux"'
	echo "$output" | jq -e '.[0].RepoDigests[0] | startswith("localhost/ward/x@sha256:")'
	run ward image rm localhost/ward/x:2
	assert_success
	assert_output_contains "Deleted: sha256:"
	[ "$(ls "$WROOT/blobs/sha256" | wc -l)" = 0 ] || fail "blobs left: $(ls "$WROOT/blobs/sha256")"
}

@test "rmi of an unknown image: 125 naming it; image inspect too" {
	run ward rmi no-such-image
	assert_status 125
	assert_output_contains "no-such-image" "not in the store"
	run ward image inspect no-such-image
	assert_status 125
	assert_output_contains "no-such-image"
}

@test "rmi refuses an image a container uses, naming it; -f untags and keeps its blobs" {
	run ward run --name keeper busybox:1 true
	[ "$status" = 0 ] || skip "ward run cannot run containers here: $output"
	[ -e "$WROOT/ward.db" ] || skip "ward run keeps no container records yet"
	run ward rmi busybox:1
	assert_status 125
	assert_output_contains keeper "in use"
	run ward rmi -f busybox:1
	assert_success
	[ "$(ls "$WROOT/blobs/sha256" | wc -l)" -gt 0 ] || fail "blobs of a used image removed"
}

@test "short names: none configured is an error; one registry is used and logged; several: enforcing refuses, permissive tries in order" {
	need_registry
	start_registry
	ward push --tls-verify=false busybox:1 "$REG_HOST/ward/short:1" >/dev/null
	run ward pull --tls-verify=false ward/short:1
	assert_status 125
	assert_output_contains "short name" "unqualified-search-registries"
	printf 'unqualified-search-registries = ["%s"] # one\n' "$REG_HOST" >"$WARD_REGISTRIES_CONF"
	run ward pull --tls-verify=false ward/short:1
	assert_success
	assert_output_contains "resolved through $WARD_REGISTRIES_CONF to $REG_HOST/ward/short:1"
	printf 'unqualified-search-registries = [\n  "127.0.0.1:1", # nothing listens\n  "%s",\n]\n' "$REG_HOST" >"$E2E_TMP/two.conf"
	run ward pull --tls-verify=false --registries-conf "$E2E_TMP/two.conf" ward/short:1
	assert_status 125
	assert_output_contains ambiguous enforcing
	printf 'short-name-mode = "permissive"\n' >>"$E2E_TMP/two.conf"
	run ward pull --tls-verify=false --registries-conf "$E2E_TMP/two.conf" ward/short:1
	assert_success
	assert_output_contains "Trying to pull 127.0.0.1:1/ward/short:1" "$REG_HOST/ward/short:1 sha256:"
	printf 'unqualified-search-registries = ["a.io"\n' >"$E2E_TMP/bad.conf"
	run ward pull --registries-conf "$E2E_TMP/bad.conf" busybox
	assert_status 125
	assert_output_contains "$E2E_TMP/bad.conf:"
}

@test "ward image SUBCOMMAND dispatches; an unknown one is a usage error" {
	run ward image ls
	assert_success
	assert_output_contains busybox:1
	run ward image frobnicate
	assert_status 125
	assert_output_contains "unknown subcommand"
}
