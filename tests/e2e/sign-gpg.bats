#!/usr/bin/env bats
# GPG simple signing (policy type signedBy) between ward, Debian's skopeo 1.9
# and podman 4.3, against a docker-registry on 127.0.0.1 with a file://
# lookaside configured in registries.d: images they sign verify in ward, images
# ward signs verify in them; a wrong key, a tampered manifest and a signature
# moved to another image are refused by all of them.
#
# Keys are made per test in a GnuPG home under BATS_TEST_TMPDIR; its agent is
# stopped in teardown. podman runs in a private mount namespace whose
# /etc/containers is a bind-mounted copy (podman has no registries.d flag), on
# its own --root/--runroot with the vfs driver: the host's storage and
# configuration are never touched.

load helpers
load registry-helpers

setup() {
	setup_bundle
	setup_ward
	why=$(registry_preflight)
	[ -z "$why" ] || skip "$why"
	require_cmd gpg gpgconf skopeo jq
	export XDG_RUNTIME_DIR=$E2E_TMP/xdg
	export WARD_REGISTRIES_CONF=$E2E_TMP/registries.conf
	printf '# no search registries\n' >"$WARD_REGISTRIES_CONF"
	export GNUPGHOME=$E2E_TMP/gnupg
	mkdir -m 0700 "$GNUPGHOME"
	start_registry
	LOOK=$E2E_TMP/lookaside
	RD=$E2E_TMP/registries.d
	mkdir -p "$RD" "$LOOK"
	printf 'docker:\n  %s:\n    lookaside: file://%s\n    lookaside-staging: file://%s\n' \
		"$REG_HOST" "$LOOK" "$LOOK" >"$RD/test.yaml"
	FPR=$(make_key signer)
	gpg --batch --armor --export "$FPR" >"$E2E_TMP/signer.pub"
	OTHER_HOME=$E2E_TMP/gnupg-other
	mkdir -m 0700 "$OTHER_HOME"
	GNUPGHOME=$OTHER_HOME make_key other >/dev/null
	GNUPGHOME=$OTHER_HOME gpg --batch --armor --export >"$E2E_TMP/other.pub"
	policy "$E2E_TMP/signer.pub" >"$E2E_TMP/policy.json"
	policy "$E2E_TMP/other.pub" >"$E2E_TMP/policy-other.json"
	tar -C "$ROOTFS" -czf "$E2E_TMP/rootfs.tgz" .
	ward import "$E2E_TMP/rootfs.tgz" "$REG_HOST/w/app:1" >/dev/null
	# A second, different image (one more file).
	mkdir -p "$E2E_TMP/other-rootfs"
	cp -a "$ROOTFS/." "$E2E_TMP/other-rootfs/"
	echo other >"$E2E_TMP/other-rootfs/other"
	tar -C "$E2E_TMP/other-rootfs" -czf "$E2E_TMP/other.tgz" .
	ward import "$E2E_TMP/other.tgz" "$REG_HOST/w/other:1" >/dev/null
}

teardown() {
	gpgconf --homedir "$E2E_TMP/gnupg" --kill all 2>/dev/null || true
	gpgconf --homedir "$E2E_TMP/gnupg-other" --kill all 2>/dev/null || true
	stop_registry
	ward_teardown
}

# make_key NAME: an Ed25519 signing key in $GNUPGHOME; prints its fingerprint.
make_key() {
	gpg --batch --quiet --passphrase '' --quick-gen-key "$1 <$1@ward.test>" ed25519 sign never \
		>/dev/null 2>&1
	gpg --batch --with-colons --list-secret-keys "$1@ward.test" 2>/dev/null |
		awk -F: '$1=="fpr"{print $10; exit}'
}

# policy KEYFILE: signedBy KEYFILE for the test registry, reject elsewhere.
policy() {
	jq -n --arg h "$REG_HOST" --arg k "$1" '{
		default: [{type: "reject"}],
		transports: {
			docker: {($h): [{type: "signedBy", keyType: "GPGKeys", keyPath: $k}]},
			"containers-storage": {"": [{type: "insecureAcceptAnything"}]}
		}}'
}

wardp() {
	ward --registries-d "$RD" "$@"
}

skopeo_verify() { # POLICY IMAGE
	skopeo copy -q --remove-signatures --src-tls-verify=false --registries.d "$RD" \
		--policy "$1" "docker://$2" "oci:$E2E_TMP/skopeo-oci:x"
}

# podman ARGS...: in a private mount namespace with its own /etc/containers.
podman_ns() {
	local etc=$E2E_TMP/etc-containers
	if [ ! -d "$etc" ]; then
		mkdir -p "$etc/registries.d"
		cp "$RD/test.yaml" "$etc/registries.d/"
		cp "$E2E_TMP/policy.json" "$etc/policy.json"
		printf '# no search registries\n' >"$etc/registries.conf"
	fi
	unshare -m --propagation private sh -c 'mount --bind "$0" /etc/containers && exec "$@"' \
		"$etc" podman --root "$E2E_TMP/podman-root" --runroot "$E2E_TMP/podman-run" \
		--storage-driver vfs "$@"
}

need_podman() {
	require_cmd podman unshare
}

push_plain() { # IMAGE: push without any signature
	ward push -q --tls-verify=false "$1" >/dev/null
}

@test "skopeo --sign-by: the signature verifies in ward (verify --key, verify by policy, pull)" {
	skopeo copy -q --dest-tls-verify=false --registries.d "$RD" --sign-by "$FPR" \
		"oci:$WROOT:$REG_HOST/w/app:1" "docker://$REG_HOST/w/skopeo:1"
	ls "$LOOK"/w/skopeo@sha256=*/signature-1
	run wardp verify --tls-verify=false --key "$E2E_TMP/signer.pub" "$REG_HOST/w/skopeo:1"
	assert_success
	assert_output_contains "gpg signature by $FPR: $REG_HOST/w/skopeo:1 sha256:"
	WROOT=$E2E_TMP/root2
	run wardp --policy "$E2E_TMP/policy.json" pull --tls-verify=false "$REG_HOST/w/skopeo:1"
	assert_success
	d=$(echo "$output" | tail -n1 | awk '{print $2}')
	[ -f "$WROOT/signatures/sha256/${d#sha256:}/gpg/signature-1" ] || fail "signature not kept"
	run wardp --policy "$E2E_TMP/policy.json" verify --format json "$REG_HOST/w/skopeo:1"
	assert_success
	echo "$output" | jq -e --arg f "$FPR" '.[0].kind == "gpg" and .[0].signer == $f and
		.[0].critical.type == "atomic container signature"'
}

@test "ward sign --sign-by + push: skopeo and podman accept it under signedBy" {
	run wardp sign --sign-by "$FPR" "$REG_HOST/w/app:1"
	assert_success
	run wardp push --tls-verify=false "$REG_HOST/w/app:1"
	assert_success
	assert_output_contains "1 GPG written to the lookaside"
	ls "$LOOK"/w/app@sha256=*/signature-1
	run skopeo_verify "$E2E_TMP/policy.json" "$REG_HOST/w/app:1"
	assert_success
	run skopeo_verify "$E2E_TMP/policy-other.json" "$REG_HOST/w/app:1"
	assert_failure
	assert_output_contains "rejected"
	need_podman
	run podman_ns pull -q --tls-verify=false --signature-policy "$E2E_TMP/policy.json" \
		"docker://$REG_HOST/w/app:1"
	assert_success
	run podman_ns pull -q --tls-verify=false --signature-policy "$E2E_TMP/policy-other.json" \
		"docker://$REG_HOST/w/app:1"
	assert_failure
	assert_output_contains "rejected"
}

@test "podman push --sign-by: ward pull accepts it under signedBy, refuses it with another key" {
	need_podman
	push_plain "$REG_HOST/w/app:1"
	run podman_ns pull -q --tls-verify=false --signature-policy "$E2E_TMP/policy.json" \
		"docker://$REG_HOST/w/app:1"
	# Unsigned: podman itself refuses first.
	assert_failure
	run podman_ns pull -q --tls-verify=false "docker://$REG_HOST/w/app:1" \
		--signature-policy /dev/stdin <<<'{"default":[{"type":"insecureAcceptAnything"}]}'
	assert_success
	run podman_ns push -q --tls-verify=false --sign-by "$FPR" "$REG_HOST/w/app:1" \
		"docker://$REG_HOST/w/podman:1"
	assert_success
	ls "$LOOK"/w/podman@sha256=*/signature-1
	run wardp --policy "$E2E_TMP/policy.json" pull --tls-verify=false "$REG_HOST/w/podman:1"
	assert_success
	WROOT=$E2E_TMP/root3
	run wardp --policy "$E2E_TMP/policy-other.json" pull --tls-verify=false "$REG_HOST/w/podman:1"
	assert_failure 125
	assert_output_contains "signedBy" "image refused"
	run wardp images
	assert_output_not_contains "w/podman"
}

@test "wrong key: ward, skopeo and podman all refuse; ward's message names the rule" {
	wardp sign --sign-by "$FPR" "$REG_HOST/w/app:1" >/dev/null
	wardp push -q --tls-verify=false "$REG_HOST/w/app:1" >/dev/null
	WROOT=$E2E_TMP/root2
	run wardp --policy "$E2E_TMP/policy-other.json" pull --tls-verify=false "$REG_HOST/w/app:1"
	assert_failure 125
	assert_output_contains "$E2E_TMP/policy-other.json" "signedBy"
	run wardp verify --tls-verify=false --key "$E2E_TMP/other.pub" "$REG_HOST/w/app:1"
	assert_failure
	assert_output_contains "no signature verified"
	run skopeo_verify "$E2E_TMP/policy-other.json" "$REG_HOST/w/app:1"
	assert_failure
	need_podman
	run podman_ns pull -q --tls-verify=false --signature-policy "$E2E_TMP/policy-other.json" \
		"docker://$REG_HOST/w/app:1"
	assert_failure
}

@test "tampered manifest: another image pushed under the signed tag is refused by all" {
	wardp sign --sign-by "$FPR" "$REG_HOST/w/app:1" >/dev/null
	wardp push -q --tls-verify=false "$REG_HOST/w/app:1" >/dev/null
	# The tag now points at different bytes; the signature names the old digest.
	ward tag "$REG_HOST/w/other:1" "$REG_HOST/w/app:evil" >/dev/null
	ward push -q --tls-verify=false "$REG_HOST/w/app:evil" "$REG_HOST/w/app:1" >/dev/null
	WROOT=$E2E_TMP/root2
	run wardp --policy "$E2E_TMP/policy.json" pull --tls-verify=false "$REG_HOST/w/app:1"
	assert_failure 125
	assert_output_contains "signedBy"
	run skopeo_verify "$E2E_TMP/policy.json" "$REG_HOST/w/app:1"
	assert_failure
	need_podman
	run podman_ns pull -q --tls-verify=false --signature-policy "$E2E_TMP/policy.json" \
		"docker://$REG_HOST/w/app:1"
	assert_failure
}

@test "a signature moved to another image is refused by all (digest mismatch)" {
	wardp sign --sign-by "$FPR" "$REG_HOST/w/app:1" >/dev/null
	wardp push -q --tls-verify=false "$REG_HOST/w/app:1" >/dev/null
	push_plain "$REG_HOST/w/other:1"
	od=$(jq -r --arg n "$REG_HOST/w/other:1" '.manifests[] |
		select(.annotations["org.opencontainers.image.ref.name"] == $n) | .digest' "$WROOT/index.json")
	mkdir -p "$LOOK/w/other@sha256=${od#sha256:}"
	cp "$LOOK"/w/app@sha256=*/signature-1 "$LOOK/w/other@sha256=${od#sha256:}/signature-1"
	WROOT=$E2E_TMP/root2
	run wardp --policy "$E2E_TMP/policy.json" pull --tls-verify=false "$REG_HOST/w/other:1"
	assert_failure 125
	assert_output_contains "signedBy"
	run wardp verify --tls-verify=false --key "$E2E_TMP/signer.pub" "$REG_HOST/w/other:1"
	assert_failure
	assert_output_contains "another image"
	run skopeo_verify "$E2E_TMP/policy.json" "$REG_HOST/w/other:1"
	assert_failure
	need_podman
	run podman_ns pull -q --tls-verify=false --signature-policy "$E2E_TMP/policy.json" \
		"docker://$REG_HOST/w/other:1"
	assert_failure
}

@test "ward run checks the local image's signatures against the policy" {
	wardp sign --sign-by "$FPR" "$REG_HOST/w/app:1" >/dev/null
	run ward --policy "$E2E_TMP/policy.json" run --rm "$REG_HOST/w/app:1" /bin/true
	assert_success
	run ward --policy "$E2E_TMP/policy.json" run --rm "$REG_HOST/w/other:1" /bin/true
	assert_failure 125
	assert_output_contains "signedBy" "refused"
	run ward --policy "$E2E_TMP/policy-other.json" run --rm "$REG_HOST/w/app:1" /bin/true
	assert_failure 125
	run ward --insecure-policy run --rm "$REG_HOST/w/other:1" /bin/true
	assert_success
	assert_output_contains "--insecure-policy"
}
