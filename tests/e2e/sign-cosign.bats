#!/usr/bin/env bats
# cosign-format signatures (policy type sigstoreSigned) against a docker-registry
# on 127.0.0.1. Debian's skopeo and podman have sigstore patched out, so the
# peers here are openssl and the published artifact layout: ward's .sig
# artifact is read back with skopeo inspect --raw and curl, its payload
# verified with `openssl dgst -sha256 -verify`; artifacts built here from
# openssl-made signatures verify in ward. Hostile artifacts (malformed,
# oversized, 10,000 signatures) and a lookaside that never answers fail
# clearly and quickly.

load helpers
load registry-helpers

setup() {
	setup_bundle
	setup_ward
	why=$(registry_preflight)
	[ -z "$why" ] || skip "$why"
	require_cmd skopeo jq curl openssl
	export XDG_RUNTIME_DIR=$E2E_TMP/xdg
	export WARD_REGISTRIES_CONF=$E2E_TMP/registries.conf
	printf '# no search registries\n' >"$WARD_REGISTRIES_CONF"
	export WARD_REGISTRIES_D=$E2E_TMP/registries.d
	mkdir -p "$WARD_REGISTRIES_D"
	export WARD_PASSWORD=correct-horse
	start_registry
	REPO=w/app
	IMG=$REG_HOST/$REPO:1
	tar -C "$ROOTFS" -czf "$E2E_TMP/rootfs.tgz" .
	ward import "$E2E_TMP/rootfs.tgz" "$IMG" >/dev/null
	DIGEST=$(jq -r --arg n "$IMG" '.manifests[] |
		select(.annotations["org.opencontainers.image.ref.name"] == $n) | .digest' "$WROOT/index.json")
	SIGTAG=sha256-${DIGEST#sha256:}.sig
	HANG_PID=
}

teardown() {
	[ -z "$HANG_PID" ] || { kill "$HANG_PID" 2>/dev/null; wait "$HANG_PID" 2>/dev/null || true; }
	stop_registry
	ward_teardown
}

# policy PUBKEY: sigstoreSigned for the test registry, reject elsewhere.
policy() {
	jq -n --arg h "$REG_HOST" --arg k "$1" '{default: [{type: "reject"}],
		transports: {docker: {($h): [{type: "sigstoreSigned", keyPath: $k,
			signedIdentity: {type: "matchRepoDigestOrExact"}}]}}}'
}

put_blob() { # FILE: upload monolithically, print the digest
	local d loc sep
	d=sha256:$(sha256sum "$1" | cut -d' ' -f1)
	loc=$(curl -sS -D - -o /dev/null -X POST "http://$REG_HOST/v2/$REPO/blobs/uploads/" |
		awk -F': ' 'tolower($1)=="location"{print $2}' | tr -d '\r')
	case $loc in http*) ;; *) loc=http://$REG_HOST$loc ;; esac
	sep='?'
	[[ $loc == *\?* ]] && sep='&'
	curl -sS -f -X PUT -H 'Content-Type: application/octet-stream' --data-binary @"$1" \
		"$loc${sep}digest=$d" >/dev/null || return 1
	echo "$d"
}

put_manifest() { # FILE TAG
	curl -sS -f -X PUT -H "Content-Type: application/vnd.oci.image.manifest.v1+json" \
		--data-binary @"$1" "http://$REG_HOST/v2/$REPO/manifests/$2"
}

# payload FILE [DIGEST [REF]]: the cosign simple-signing payload, as cosign
# writes it (compact, sorted keys).
payload() {
	printf '{"critical":{"identity":{"docker-reference":"%s"},"image":{"docker-manifest-digest":"%s"},"type":"cosign container image signature"},"optional":null}' \
		"${3:-$IMG}" "${2:-$DIGEST}" >"$1"
}

# artifact OUT LAYERS_JSON: a .sig manifest around the given layers.
artifact() {
	echo '{}' >"$E2E_TMP/cfg.json"
	local cd
	cd=$(put_blob "$E2E_TMP/cfg.json")
	jq -n --arg cd "$cd" --argjson layers "$2" '{schemaVersion: 2,
		mediaType: "application/vnd.oci.image.manifest.v1+json",
		config: {mediaType: "application/vnd.oci.image.config.v1+json", size: 3, digest: $cd},
		layers: $layers}' >"$1"
}

# openssl_sig PAYLOAD KEY: a layer JSON for PAYLOAD signed by openssl.
openssl_layer() {
	local pd sig
	pd=$(put_blob "$1")
	sig=$(openssl dgst -sha256 -sign "$2" "$1" | base64 -w0)
	jq -n --arg d "$pd" --argjson s "$(stat -c %s "$1")" --arg sig "$sig" \
		'{mediaType: "application/vnd.dev.cosign.simplesigning.v1+json", size: $s, digest: $d,
		  annotations: {"dev.cosignproject.cosign/signature": $sig}}'
}

ec_key() { # NAME: NAME.pem (private) and NAME.pub
	openssl ecparam -name prime256v1 -genkey -noout -out "$E2E_TMP/$1.pem" 2>/dev/null
	openssl pkey -in "$E2E_TMP/$1.pem" -pubout -out "$E2E_TMP/$1.pub"
}

pull_as() { # POLICY: ward pull IMG into a fresh store
	WROOT=$E2E_TMP/pull-root ward --policy "$1" pull --tls-verify=false "$IMG"
}

@test "key generate + sign + push: the .sig artifact has cosign's layout and openssl verifies it" {
	run ward key generate --output-key-prefix "$E2E_TMP/cosign"
	assert_success
	[ "$(stat -c %a "$E2E_TMP/cosign.key")" = 600 ] || fail "key mode"
	grep -q '^-----BEGIN ENCRYPTED COSIGN PRIVATE KEY-----$' "$E2E_TMP/cosign.key"
	grep -q '^-----BEGIN PUBLIC KEY-----$' "$E2E_TMP/cosign.pub"
	run ward key generate --output-key-prefix "$E2E_TMP/cosign"
	assert_failure
	assert_output_contains "exists"
	run ward sign --key "$E2E_TMP/cosign.key" -a env=test "$IMG"
	assert_success
	run ward push --tls-verify=false "$IMG"
	assert_success
	assert_output_contains "1 cosign pushed"
	skopeo inspect --tls-verify=false --raw "docker://$REG_HOST/$REPO:$SIGTAG" >"$E2E_TMP/sig.json"
	jq -e '.schemaVersion == 2 and .mediaType == "application/vnd.oci.image.manifest.v1+json" and
		.config.mediaType == "application/vnd.oci.image.config.v1+json" and (.layers | length) == 1 and
		.layers[0].mediaType == "application/vnd.dev.cosign.simplesigning.v1+json"' "$E2E_TMP/sig.json"
	pd=$(jq -r '.layers[0].digest' "$E2E_TMP/sig.json")
	jq -r '.layers[0].annotations["dev.cosignproject.cosign/signature"]' "$E2E_TMP/sig.json" |
		base64 -d >"$E2E_TMP/sig.der"
	curl -sSf "http://$REG_HOST/v2/$REPO/blobs/$pd" -o "$E2E_TMP/payload.json"
	[ "sha256:$(sha256sum <"$E2E_TMP/payload.json" | cut -d' ' -f1)" = "$pd" ] || fail "blob digest"
	run openssl dgst -sha256 -verify "$E2E_TMP/cosign.pub" -signature "$E2E_TMP/sig.der" \
		"$E2E_TMP/payload.json"
	assert_success
	assert_output_contains "Verified OK"
	jq -e --arg d "$DIGEST" --arg r "$IMG" '.critical.type == "cosign container image signature" and
		.critical.image["docker-manifest-digest"] == $d and
		.critical.identity["docker-reference"] == $r and .optional.env == "test"' "$E2E_TMP/payload.json"
	# The config's diff ids name the payload, as go-containerregistry writes.
	cd=$(jq -r .config.digest "$E2E_TMP/sig.json")
	curl -sSf "http://$REG_HOST/v2/$REPO/blobs/$cd" | jq -e --arg p "$pd" '.rootfs.diff_ids == [$p]'
	# And ward verifies it after a pull under a sigstoreSigned policy.
	policy "$E2E_TMP/cosign.pub" >"$E2E_TMP/policy.json"
	run pull_as "$E2E_TMP/policy.json"
	assert_success
	WROOT=$E2E_TMP/pull-root run ward --policy "$E2E_TMP/policy.json" verify --format json "$IMG"
	assert_success
	echo "$output" | jq -e '.[0].kind == "cosign" and .[0].optional.env == "test"'
}

@test "a second signature appends a layer and keeps the first" {
	WARD_PASSWORD= ward key generate --output-key-prefix "$E2E_TMP/a" 2>/dev/null
	WARD_PASSWORD= ward key generate --output-key-prefix "$E2E_TMP/b" 2>/dev/null
	WARD_PASSWORD= ward sign --key "$E2E_TMP/a.key" --push --tls-verify=false "$IMG" >/dev/null
	first=$(skopeo inspect --tls-verify=false --raw "docker://$REG_HOST/$REPO:$SIGTAG" | jq -c '.layers[0]')
	WARD_PASSWORD= ward sign --key "$E2E_TMP/b.key" --push --tls-verify=false "$IMG" >/dev/null
	skopeo inspect --tls-verify=false --raw "docker://$REG_HOST/$REPO:$SIGTAG" >"$E2E_TMP/sig.json"
	jq -e --argjson f "$first" '(.layers | length) == 2 and .layers[0] == $f' "$E2E_TMP/sig.json"
	# The same signature again (ECDSA is randomised, so re-pushing the kept
	# one) adds nothing.
	ward push -q --tls-verify=false "$IMG" >/dev/null
	skopeo inspect --tls-verify=false --raw "docker://$REG_HOST/$REPO:$SIGTAG" |
		jq -e '(.layers | length) == 2'
	run ward verify --key "$E2E_TMP/b.pub" "$IMG"
	assert_success
	run ward verify --key "$E2E_TMP/a.pub" "$IMG"
	assert_success
}

@test "openssl-made signature artifacts verify in ward; other keys, replays and wrong names do not" {
	ec_key good
	ec_key bad
	payload "$E2E_TMP/p.json"
	layer=$(openssl_layer "$E2E_TMP/p.json" "$E2E_TMP/good.pem")
	artifact "$E2E_TMP/a.json" "[$layer]"
	put_manifest "$E2E_TMP/a.json" "$SIGTAG"
	ward push -q --tls-verify=false "$IMG" >/dev/null
	policy "$E2E_TMP/good.pub" >"$E2E_TMP/good.json"
	policy "$E2E_TMP/bad.pub" >"$E2E_TMP/bad.json"
	run pull_as "$E2E_TMP/good.json"
	assert_success
	run ward verify --key "$E2E_TMP/good.pub" --format json "$IMG"
	assert_failure # the local store holds no signature (only the pull root does)
	WROOT=$E2E_TMP/pull-root run ward verify --key "$E2E_TMP/good.pub" "$IMG"
	assert_success
	rm -rf "$E2E_TMP/pull-root"
	run pull_as "$E2E_TMP/bad.json"
	assert_failure 125
	assert_output_contains "sigstoreSigned" "image refused"
	# Replay: the same key's signature of another digest under this image's tag.
	payload "$E2E_TMP/p2.json" "sha256:$(printf %064d 1)"
	layer=$(openssl_layer "$E2E_TMP/p2.json" "$E2E_TMP/good.pem")
	artifact "$E2E_TMP/a2.json" "[$layer]"
	put_manifest "$E2E_TMP/a2.json" "$SIGTAG"
	run pull_as "$E2E_TMP/good.json"
	assert_failure 125
	# Another name: signed for a different repository.
	payload "$E2E_TMP/p3.json" "$DIGEST" "$REG_HOST/w/elsewhere:1"
	layer=$(openssl_layer "$E2E_TMP/p3.json" "$E2E_TMP/good.pem")
	artifact "$E2E_TMP/a3.json" "[$layer]"
	put_manifest "$E2E_TMP/a3.json" "$SIGTAG"
	run pull_as "$E2E_TMP/good.json"
	assert_failure 125
}

@test "hostile artifacts: truncated base64, extra and missing payload fields, malformed PEM" {
	ec_key good
	policy "$E2E_TMP/good.pub" >"$E2E_TMP/good.json"
	ward push -q --tls-verify=false "$IMG" >/dev/null
	payload "$E2E_TMP/p.json"
	layer=$(openssl_layer "$E2E_TMP/p.json" "$E2E_TMP/good.pem")
	cut=$(echo "$layer" | jq -c '.annotations["dev.cosignproject.cosign/signature"] |= .[0:-3]')
	artifact "$E2E_TMP/a.json" "[$cut]"
	put_manifest "$E2E_TMP/a.json" "$SIGTAG"
	run pull_as "$E2E_TMP/good.json"
	assert_failure 125
	assert_output_contains "base64"
	# Extra field in critical, then a missing optional: signed, but invalid.
	printf '{"critical":{"identity":{"docker-reference":"%s"},"image":{"docker-manifest-digest":"%s"},"type":"cosign container image signature","extra":1},"optional":null}' \
		"$IMG" "$DIGEST" >"$E2E_TMP/px.json"
	printf '{"critical":{"identity":{"docker-reference":"%s"},"image":{"docker-manifest-digest":"%s"},"type":"cosign container image signature"}}' \
		"$IMG" "$DIGEST" >"$E2E_TMP/pm.json"
	for p in px pm; do
		layer=$(openssl_layer "$E2E_TMP/$p.json" "$E2E_TMP/good.pem")
		artifact "$E2E_TMP/a.json" "[$layer]"
		put_manifest "$E2E_TMP/a.json" "$SIGTAG"
		run pull_as "$E2E_TMP/good.json"
		assert_failure 125
		assert_output_contains "invalid signature payload"
	done
	printf -- '-----BEGIN PUBLIC KEY-----\nnot base64!\n-----END PUBLIC KEY-----\n' >"$E2E_TMP/junk.pub"
	run ward verify --key "$E2E_TMP/junk.pub" "$IMG"
	assert_failure
	assert_output_contains "junk.pub"
	printf -- '-----BEGIN EC PRIVATE KEY-----\nAAAA\n' >"$E2E_TMP/junk.key"
	run ward sign --key "$E2E_TMP/junk.key" "$IMG"
	assert_failure
	assert_output_contains "junk.key"
}

@test "a 100 MB signature blob is refused without being downloaded" {
	ec_key good
	policy "$E2E_TMP/good.pub" >"$E2E_TMP/good.json"
	ward push -q --tls-verify=false "$IMG" >/dev/null
	head -c 104857600 /dev/zero >"$E2E_TMP/big"
	bd=$(put_blob "$E2E_TMP/big")
	rm -f "$E2E_TMP/big"
	sig=$(printf 'x' | openssl dgst -sha256 -sign "$E2E_TMP/good.pem" | base64 -w0)
	for size in 104857600 300; do
		artifact "$E2E_TMP/a.json" "$(jq -n --arg d "$bd" --argjson s $size --arg sig "$sig" \
			'[{mediaType: "application/vnd.dev.cosign.simplesigning.v1+json", size: $s,
			   digest: $d, annotations: {"dev.cosignproject.cosign/signature": $sig}}]')"
		put_manifest "$E2E_TMP/a.json" "$SIGTAG"
		start=$(date +%s)
		run pull_as "$E2E_TMP/good.json"
		assert_failure 125
		[ $(($(date +%s) - start)) -lt 10 ] || fail "took too long"
		# The declared size is refused from the descriptor; the lying one
		# is cut off at the declared size while downloading.
		if [ $size = 300 ]; then
			assert_output_contains "larger than 300 bytes"
		else
			assert_output_contains "payload of 104857600 bytes, more than the 65536 allowed"
		fi
	done
}

@test "10,000 signatures on one image: refused at once by name; 1,000 handled" {
	ec_key good
	policy "$E2E_TMP/good.pub" >"$E2E_TMP/good.json"
	ward push -q --tls-verify=false "$IMG" >/dev/null
	payload "$E2E_TMP/p.json"
	layer=$(openssl_layer "$E2E_TMP/p.json" "$E2E_TMP/good.pem")
	bad=$(echo "$layer" | jq -c '.annotations["dev.cosignproject.cosign/signature"] = "MEUCIQ=="')
	echo '{}' >"$E2E_TMP/cfg.json"
	cd=$(put_blob "$E2E_TMP/cfg.json")
	for n in 10000 1000; do
		/usr/bin/python3 - "$n" "$cd" "$layer" "$bad" >"$E2E_TMP/many.json" <<-'EOF'
		import json, sys
		n, cd, good, bad = int(sys.argv[1]), sys.argv[2], json.loads(sys.argv[3]), json.loads(sys.argv[4])
		print(json.dumps({"schemaVersion": 2,
		    "mediaType": "application/vnd.oci.image.manifest.v1+json",
		    "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "size": 3, "digest": cd},
		    "layers": [bad] * (n - 1) + [good]}, separators=(",", ":")))
		EOF
		put_manifest "$E2E_TMP/many.json" "$SIGTAG"
		rm -rf "$E2E_TMP/pull-root"
		start=$(date +%s)
		run pull_as "$E2E_TMP/good.json"
		[ $(($(date +%s) - start)) -lt 20 ] || fail "$n signatures took too long"
		if [ "$n" = 10000 ]; then
			assert_failure 125
			assert_output_contains "10000 signatures, more than the 1024 ward reads"
		else
			assert_success
		fi
	done
}

@test "a lookaside server that never answers fails the pull in bounded time" {
	require_cmd /usr/bin/python3
	/usr/bin/python3 -c '
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(8)
print(s.getsockname()[1], flush=True)
conns = []
while True:
    c, _ = s.accept(); conns.append(c)  # read nothing, answer nothing
' >"$E2E_TMP/hang.port" &
	HANG_PID=$!
	for _ in $(seq 50); do [ -s "$E2E_TMP/hang.port" ] && break; sleep 0.1; done
	port=$(cat "$E2E_TMP/hang.port")
	printf 'docker:\n  %s:\n    lookaside: http://127.0.0.1:%s/sigs\n' "$REG_HOST" "$port" \
		>"$WARD_REGISTRIES_D/hang.yaml"
	ward push -q --tls-verify=false "$IMG" >/dev/null
	gpg_policy=$(jq -n --arg h "$REG_HOST" --arg k "$E2E_TMP/none.gpg" \
		'{default: [{type: "reject"}], transports: {docker: {($h): [{type: "signedBy",
		  keyType: "GPGKeys", keyPath: $k}]}}}')
	echo "$gpg_policy" >"$E2E_TMP/gpg.json"
	start=$(date +%s)
	WARD_LOOKASIDE_TIMEOUT_MS=1500 run pull_as "$E2E_TMP/gpg.json"
	assert_failure 125
	assert_output_contains "lookaside http://127.0.0.1:$port/sigs/w/app@sha256=" "Timeout"
	[ $(($(date +%s) - start)) -lt 10 ] || fail "a hanging lookaside held the pull"
	# Without an override the default bound (15 s) applies; an accepting
	# policy does not need the lookaside and only warns.
	run ward --insecure-policy pull --tls-verify=false "$IMG"
	assert_success
}

@test "through an index: the index's signature admits the pull and the run of its manifest" {
	ec_key good
	ec_key bad
	policy "$E2E_TMP/good.pub" >"$E2E_TMP/good.json"
	policy "$E2E_TMP/bad.pub" >"$E2E_TMP/bad.json"
	ward push -q --tls-verify=false "$IMG" >/dev/null
	case $(uname -m) in x86_64) arch=amd64 ;; aarch64) arch=arm64 ;; *) skip "arch $(uname -m)" ;; esac
	msize=$(curl -sSf -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
		"http://$REG_HOST/v2/$REPO/manifests/$DIGEST" | wc -c)
	jq -nc --arg d "$DIGEST" --argjson s "$msize" --arg a "$arch" '{schemaVersion: 2,
		mediaType: "application/vnd.oci.image.index.v1+json",
		manifests: [{mediaType: "application/vnd.oci.image.manifest.v1+json", digest: $d,
			size: $s, platform: {architecture: $a, os: "linux"}}]}' >"$E2E_TMP/index.json"
	curl -sSf -X PUT -H "Content-Type: application/vnd.oci.image.index.v1+json" \
		--data-binary @"$E2E_TMP/index.json" "http://$REG_HOST/v2/$REPO/manifests/multi"
	idx=sha256:$(sha256sum "$E2E_TMP/index.json" | cut -d' ' -f1)
	payload "$E2E_TMP/p.json" "$idx" "$REG_HOST/$REPO:multi"
	layer=$(openssl_layer "$E2E_TMP/p.json" "$E2E_TMP/good.pem")
	artifact "$E2E_TMP/a.json" "[$layer]"
	put_manifest "$E2E_TMP/a.json" "sha256-${idx#sha256:}.sig"
	WROOT=$E2E_TMP/pull-root run ward --policy "$E2E_TMP/good.json" pull --tls-verify=false \
		"$REG_HOST/$REPO:multi"
	assert_success
	assert_output_contains "$DIGEST"
	[ "$(cat "$E2E_TMP/pull-root/signatures/sha256/${DIGEST#sha256:}/index")" = "$idx" ] ||
		fail "index link missing"
	WROOT=$E2E_TMP/pull-root run ward --policy "$E2E_TMP/good.json" run --rm \
		"$REG_HOST/$REPO:multi" /bin/true
	assert_success
	WROOT=$E2E_TMP/pull-root run ward --policy "$E2E_TMP/bad.json" run --rm \
		"$REG_HOST/$REPO:multi" /bin/true
	assert_failure 125
	assert_output_contains "sigstoreSigned"
}

@test "key generate asks for the password twice on a terminal, without echo" {
	require_cmd script
	(sleep 0.5; printf 'sekrit\n'; sleep 0.3; printf 'sekrit\n') |
		env -u WARD_PASSWORD -u COSIGN_PASSWORD script -qec \
		"'$WARD' --root '$WROOT' key generate --output-key-prefix '$E2E_TMP/tty'" /dev/null \
		>"$E2E_TMP/tty.out" 2>&1
	grep -q "Enter password for private key again" "$E2E_TMP/tty.out"
	! grep -q sekrit "$E2E_TMP/tty.out" || fail "the password was echoed"
	WARD_PASSWORD=sekrit run ward sign --key "$E2E_TMP/tty.key" "$IMG"
	assert_success
	WARD_PASSWORD=wrong run ward sign --key "$E2E_TMP/tty.key" "$IMG"
	assert_failure
	assert_output_contains "wrong password"
	(sleep 0.5; printf 'a\n'; sleep 0.3; printf 'b\n') |
		env -u WARD_PASSWORD -u COSIGN_PASSWORD script -qec \
		"'$WARD' --root '$WROOT' key generate --output-key-prefix '$E2E_TMP/tty2'" /dev/null \
		>"$E2E_TMP/tty2.out" 2>&1 || true
	grep -q "the passwords do not match" "$E2E_TMP/tty2.out"
	[ ! -e "$E2E_TMP/tty2.key" ] || fail "a key was written"
	# No terminal and no variable: a clear error, not a hang.
	run env -u WARD_PASSWORD -u COSIGN_PASSWORD setsid "$WARD" --root "$WROOT" key generate \
		--output-key-prefix "$E2E_TMP/none" </dev/null
	assert_failure
	assert_output_contains "no password: set WARD_PASSWORD"
}

@test "signatures go with their image: rmi and system prune remove them, a kept image keeps its own" {
	ward key generate --output-key-prefix "$E2E_TMP/k" >/dev/null
	ward sign --key "$E2E_TMP/k.key" "$IMG" >/dev/null
	tar -C "$ROOTFS" -czf "$E2E_TMP/other.tgz" --transform 's,^\./bin$,./bin2,' .
	ward import "$E2E_TMP/other.tgz" localhost/other:1 >/dev/null
	ward sign --key "$E2E_TMP/k.key" localhost/other:1 >/dev/null
	[ -d "$WROOT/signatures/sha256/${DIGEST#sha256:}" ]
	[ "$(ls "$WROOT/signatures/sha256" | wc -l)" -eq 2 ]
	mkdir "$WROOT/signatures/sha256/not-a-digest" # not ours to judge: left alone
	run ward rmi "$IMG"
	assert_success
	[ ! -e "$WROOT/signatures/sha256/${DIGEST#sha256:}" ]
	[ -d "$WROOT/signatures/sha256/not-a-digest" ]
	[ "$(ls "$WROOT/signatures/sha256" | wc -l)" -eq 2 ]
	# the other image still verifies with its signature
	run ward verify --key "$E2E_TMP/k.pub" localhost/other:1
	assert_success
	run ward system prune -a -f
	assert_success
	assert_output_contains "Deleted signatures of: 1 images"
	[ "$(ls "$WROOT/signatures/sha256")" = not-a-digest ]
}
