#!/usr/bin/env bats
# ward audit: CIS Docker Benchmark checks of a deliberately misconfigured
# container and a hardened one, an OCI bundle made by `ward-oci spec`, the
# host (a test root with a world-writable file), secrets planted in an image
# layer (reported redacted, never printed), SARIF validated against the
# published 2.1.0 schema, and the exit codes CI relies on (0, 1, 2).

load helpers

SARIF_SCHEMA=$E2E_TOP/../shared/thirdparty/schemas/sarif-2.1.0-schema.json
PY=/usr/bin/python3

setup() {
	setup_bundle
	setup_ward
}

teardown() {
	local ids
	ids=$(ward ps -aq --no-trunc 2>/dev/null || true)
	[ -z "$ids" ] || ward rm -f $ids >/dev/null 2>&1 || true
	ward_teardown
}

import_busybox() {
	tar -C "$ROOTFS" -czf "$E2E_TMP/rootfs.tgz" .
	ward import "$E2E_TMP/rootfs.tgz" busybox >/dev/null
}

# ids_with STATUS: the check ids of `ward audit ... --format json --all` ($output) with STATUS.
ids_with() {
	jq -r --arg s "$1" '[.findings[] | select(.status == $s) | .check] | unique | join(" ")' \
		<<<"$output"
}

# assert_ids_in LIST ID...: each ID is a word of LIST.
assert_ids_in() {
	local list=" $1 " id
	shift
	for id; do
		[[ "$list" == *" $id "* ]] || fail "check $id not in [$1]"
	done
}

assert_ids_not_in() {
	local list=" $1 " id
	shift
	for id; do
		[[ "$list" != *" $id "* ]] || fail "check $id unexpectedly in [$1]"
	done
}

# validate_sarif FILE: SARIF 2.1.0 against the published schema (python3-jsonschema).
validate_sarif() {
	[ -f "$SARIF_SCHEMA" ] || { echo "# ../shared absent: SARIF schema not checked" >&3; return 0; }
	"$PY" -c 'import jsonschema' 2>/dev/null || skip "python3-jsonschema missing"
	"$PY" - "$SARIF_SCHEMA" "$1" <<-'EOF'
		import json, sys, jsonschema
		schema = json.load(open(sys.argv[1]))
		doc = json.load(open(sys.argv[2]))
		jsonschema.Draft7Validator(schema).validate(doc)
		run = doc["runs"][0]
		ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
		for res in run["results"]:
		    assert ids[res["ruleIndex"]] == res["ruleId"], res
		    assert res["level"] in ("error", "warning", "note"), res
		for r in run["tool"]["driver"]["rules"]:
		    assert r["help"]["text"], r
	EOF
}

@test "audit: a misconfigured container fails 5.4, 5.9, 5.5; a hardened one passes them" {
	import_busybox
	run ward run -d --name bad --privileged --network host -v /etc:/host-etc busybox sleep 300
	assert_success
	run ward run -d --name good --read-only --memory 64m --pids-limit 64 --cap-drop ALL \
		--cpus 0.5 --user 1000:1000 busybox sleep 300
	assert_success

	run ward audit bad --format json --all
	assert_success
	local failed passed
	failed=$(ids_with fail)
	assert_ids_in "$failed" 5.4 5.3 5.9 5.5 5.17 5.21 5.12 5.10 5.11 4.1
	run jq -r '.findings[] | select(.check == "5.5") | .evidence' <<<"$output"
	assert_output_contains "binds the host's /etc at /host-etc read-write"

	run ward audit good --format json --all
	assert_success
	failed=$(ids_with fail)
	passed=$(ids_with pass)
	assert_ids_not_in "$failed" 5.4 5.3 5.9 5.5 5.17 5.21 5.12 5.10 5.11 5.25 5.28 4.1
	assert_ids_in "$passed" 5.4 5.3 5.9 5.5 5.12 5.10 5.11 5.25 5.28 5.21 4.1

	# The table: grouped by target, no colour off a terminal, the fix named.
	run ward audit bad good
	assert_success
	assert_output_contains "container bad (" "container good (" "CRITICAL 5.4" \
		"drop --privileged; use --cap-add for the one capability needed" \
		"process.capabilities.bounding contains CAP_SYS_ADMIN"
	assert_output_not_contains $'\033['
	# CI gate: 1 when a finding at or above the threshold remains.
	run ward audit bad --fail-on critical
	assert_status 1
	run ward audit good --fail-on high
	assert_status 0
	run ward audit --container good --fail-on medium
	assert_status 1 # 5.30: no user namespace
	ward rm -f bad good >/dev/null
}

@test "audit --bundle: ward-oci spec's default, then an engine socket and a symlinked config" {
	local b=$E2E_TMP/specb
	mkdir -p "$b"
	"$OCI_RUNTIME" spec --bundle "$b"
	run ward audit --bundle "$b" --format json --all
	assert_success
	assert_ids_in "$(ids_with fail)" 5.10 5.28 5.21
	assert_ids_in "$(ids_with pass)" 5.4 5.9 5.12 5.25 5.31
	jq '.mounts += [{"destination":"/var/run/docker.sock","type":"bind",
		"source":"/run/docker.sock","options":["rbind"]},
		{"destination":"/c","type":"bind","source":"/run/containerd/containerd.sock"}]' \
		"$b/config.json" >"$b/c.json" && mv "$b/c.json" "$b/config.json"
	run ward audit --bundle "$b" --format json
	assert_success
	run jq -r '[.findings[] | select(.check == "5.31")] | length' <<<"$output"
	assert_output_equals 2
	run ward audit --bundle "$b" --format sarif
	assert_success
	printf '%s\n' "$output" >"$E2E_TMP/bundle.sarif"
	validate_sarif "$E2E_TMP/bundle.sarif"
	# A config.json that is a symlink to a host file is refused, not read.
	rm "$b/config.json"
	ln -s /etc/shadow "$b/config.json"
	run ward audit --bundle "$b"
	assert_status 2
	assert_output_not_contains "root:"
	run ward audit --bundle "$E2E_TMP/nonexistent"
	assert_status 2
}

@test "audit --host: a world-writable file in the root and a readable private key" {
	import_busybox
	local etc=$E2E_TMP/etc-ward
	mkdir -p "$etc/keys"
	echo '{"default":[{"type":"reject"}]}' >"$etc/policy.json"
	openssl genpkey -algorithm ed25519 -out "$etc/keys/cosign.key" 2>/dev/null
	chmod 0600 "$etc/keys/cosign.key"
	openssl pkey -in "$etc/keys/cosign.key" -pubout -out "$etc/keys/cosign.pub"
	chmod 0700 "$WROOT"
	echo '{}' >"$E2E_TMP/auth.json"
	chmod 0600 "$E2E_TMP/auth.json"
	run ward audit --host --etc-dir "$etc" --authfile "$E2E_TMP/auth.json" --format json --all
	assert_success
	assert_ids_in "$(ids_with pass)" H1 H2 H3 H4 H5 H6 H7
	assert_ids_not_in "$(ids_with fail)" H1 H2 H3 H4 H5 H6 H7

	chmod o+w "$WROOT/index.json"
	chmod 0644 "$etc/keys/cosign.key"
	run ward audit --host --etc-dir "$etc" --authfile "$E2E_TMP/auth.json" --format json
	assert_success
	run jq -r '.findings[] | select(.check == "H3") | .evidence' <<<"$output"
	assert_output_contains "$WROOT/index.json: mode 0646" "world-writable"
	run ward audit --host --etc-dir "$etc" --authfile "$E2E_TMP/auth.json" --fail-on high
	assert_status 1
	assert_output_contains "CRITICAL H6" "private key $etc/keys/cosign.key: mode 0644"
	run ward audit --host --etc-dir "$etc" --authfile "$E2E_TMP/auth.json" --format sarif
	assert_success
	printf '%s\n' "$output" >"$E2E_TMP/host.sarif"
	validate_sarif "$E2E_TMP/host.sarif"
	run jq -r '.runs[0].results[].locations[0].physicalLocation.artifactLocation.uri' \
		"$E2E_TMP/host.sarif"
	assert_output_contains "file://$WROOT/index.json"
}

@test "audit IMAGE: secrets and setuid files in a layer, redacted in every format" {
	local rf=$E2E_TMP/secret-rootfs id secret
	cp -a "$ROOTFS" "$rf"
	# A fake AWS key pair made here (random, never a real credential) and a real PEM key.
	id=AKIA$(tr -dc 'A-Z2-7' </dev/urandom | head -c 16)
	secret=aZ7$(tr -dc 'A-Za-z0-9' </dev/urandom | head -c 37)
	mkdir -p "$rf/root/.aws"
	printf '[default]\naws_access_key_id = %s\naws_secret_access_key = %s\n' "$id" "$secret" \
		>"$rf/root/.aws/credentials"
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$rf/etc/server.key" \
		2>/dev/null
	rm -f "$rf/bin/su" && cp "$rf/bin/busybox" "$rf/bin/su" && chmod 4755 "$rf/bin/su"
	tar -C "$rf" -czf "$E2E_TMP/secret.tgz" .
	ward import "$E2E_TMP/secret.tgz" secretimg >/dev/null

	local pem_line
	pem_line=$(sed -n 2p "$rf/etc/server.key")
	run ward audit secretimg
	assert_success
	assert_output_contains "aws-access-key-id AKIA…(20 chars)" "/root/.aws/credentials line 2" \
		"aws-secret-access-key ${secret:0:4}…(40 chars)" "line 3" \
		"private-key" "/etc/server.key" "/bin/su" "is setuid" "CRITICAL 4.10" "MEDIUM   4.8"
	assert_output_not_contains "$id" "$secret" "$pem_line" "${secret:4:20}"
	run ward audit secretimg --format json --all
	assert_success
	assert_output_not_contains "$id" "$secret" "$pem_line"
	run jq -r '.findings[] | select(.check == "4.10" and .path == "/root/.aws/credentials") | .line' \
		<<<"$output"
	assert_output_contains 2 3
	run ward audit --image secretimg --format sarif
	assert_success
	assert_output_not_contains "$id" "$secret" "$pem_line"
	printf '%s\n' "$output" >"$E2E_TMP/image.sarif"
	validate_sarif "$E2E_TMP/image.sarif"
	run jq -r '.runs[0].results[] | select(.ruleId == "4.10") |
		.locations[0].physicalLocation.artifactLocation.uri' "$E2E_TMP/image.sarif"
	assert_output_contains "root/.aws/credentials" "etc/server.key"

	# The same tree as a --rootfs; --no-secrets reads no file but still finds setuid.
	run ward audit --rootfs "$rf" --format json
	assert_success
	assert_ids_in "$(ids_with fail)" 4.10 4.8
	run ward audit --rootfs "$rf" --no-secrets --format json
	assert_success
	assert_ids_in "$(ids_with fail)" 4.8
	assert_ids_not_in "$(ids_with fail)" 4.10
	run ward audit secretimg --fail-on critical
	assert_status 1
}

@test "audit: exit 2 when the audit itself fails, usage errors named" {
	run ward audit no-such-thing
	assert_status 2
	assert_output_contains 'no container or image "no-such-thing"'
	run ward audit --format xml --host
	assert_status 2
	assert_output_contains "table, json or sarif"
	run ward audit --fail-on severe --host
	assert_status 2
	assert_output_contains "severity 'severe'"
	run ward audit
	assert_status 2
}

@test "audit IMAGE: 4.2 reports the trust policy's verdict (signed, admitted unsigned, refused)" {
	import_busybox
	export WARD_PASSWORD=pw
	ward key generate --output-key-prefix "$E2E_TMP/k" >/dev/null
	ward sign --key "$E2E_TMP/k.key" busybox >/dev/null
	jq -n --arg k "$E2E_TMP/k.pub" '{default: [{type: "reject"}],
		transports: {docker: {"localhost/busybox": [{type: "sigstoreSigned", keyPath: $k}]}}}' \
		>"$E2E_TMP/signed.json"
	run ward --policy "$E2E_TMP/signed.json" audit busybox --no-secrets --all --format json
	assert_success
	[ "$(jq -r '.findings[] | select(.check == "4.2") | .status' <<<"$output")" = pass ]
	assert_output_contains "verified signature"
	# the tests' accept-anything policy admits it, unsigned: a low finding
	run ward audit busybox --no-secrets --format json
	assert_success
	[ "$(jq -r '.findings[] | select(.check == "4.2") | .severity' <<<"$output")" = low ]
	assert_output_contains "without any signature"
	# signed by another key: ward run would refuse it, the audit says so
	ward key generate --output-key-prefix "$E2E_TMP/other" >/dev/null
	jq --arg k "$E2E_TMP/other.pub" '.transports.docker["localhost/busybox"][0].keyPath = $k' \
		"$E2E_TMP/signed.json" >"$E2E_TMP/other.json"
	run ward --policy "$E2E_TMP/other.json" audit busybox --no-secrets --format json --fail-on high
	assert_failure 1
	[ "$(jq -r '.findings[] | select(.check == "4.2") | .severity' <<<"$output")" = high ]
	assert_output_contains "refuses it"
}
