#!/usr/bin/env bats
# ward pull of a multi-layer image from Debian's docker-registry on
# 127.0.0.1: layers download in parallel and are left unpacked (ward run
# unpacks nothing), one progress bar per layer on a terminal, one info line
# per layer otherwise, nothing with -q.

load helpers
load registry-helpers

N_LAYERS=5

setup_file() {
	command -v docker-registry >/dev/null || skip "docker-registry missing"
	command -v skopeo >/dev/null || skip "skopeo missing"
	command -v umoci >/dev/null || skip "umoci missing"
	# busybox, then four layers of generated text files of different sizes
	local oci=$BATS_FILE_TMPDIR/oci d i
	umoci init --layout "$oci" >/dev/null
	umoci new --image "$oci:img" >/dev/null
	d=$BATS_FILE_TMPDIR/l0
	mkdir -p "$d/bin"
	cp /bin/busybox "$d/bin/busybox"
	ln -s busybox "$d/bin/sh"
	tar -C "$d" -cf "$d.tar" .
	umoci raw add-layer --image "$oci:img" "$d.tar"
	for i in 1 2 3 4; do
		d=$BATS_FILE_TMPDIR/l$i
		mkdir -p "$d/data$i"
		seq 1 $((i * 40000)) | sed "s/^/layer $i line /" >"$d/data$i/lines.txt"
		for f in $(seq 1 $((i * 20))); do echo "file $f of layer $i" >"$d/data$i/f$f"; done
		tar -C "$d" -cf "$d.tar" .
		umoci raw add-layer --image "$oci:img" "$d.tar"
	done
	umoci config --image "$oci:img" --config.cmd /bin/sh >/dev/null
}

setup() {
	setup_bundle
	setup_ward
	start_registry
	skopeo copy -q --dest-tls-verify=false "oci:$BATS_FILE_TMPDIR/oci:img" \
		"docker://$REG_HOST/ward/layers:1"
	REF=$REG_HOST/ward/layers:1
}

teardown() {
	stop_registry
	ward_teardown
}

# The diff ids of the pulled image, one per line.
diff_ids() {
	local m c
	m=$(jq -r '.manifests[0].digest' "$WROOT/index.json" | cut -d: -f2)
	c=$(jq -r '.config.digest' "$WROOT/blobs/sha256/$m" | cut -d: -f2)
	jq -r '.rootfs.diff_ids[]' "$WROOT/blobs/sha256/$c" | cut -d: -f2
}

@test "pull leaves every layer unpacked under layers/<diff id>, and run uses them" {
	run ward pull -q --tls-verify=false "$REF"
	assert_success
	[ "$(diff_ids | wc -l)" -eq "$N_LAYERS" ] || fail "expected $N_LAYERS diff ids"
	for id in $(diff_ids); do
		[ -d "$WROOT/layers/$id" ] || fail "layer $id not unpacked by pull"
	done
	[ -z "$(find "$WROOT/layers" -maxdepth 1 -name '.tmp-*')" ] || fail "temporary dir left"
	[ -z "$(ls -A "$WROOT/ingest")" ] || fail "ingest file left"
	[ -f "$WROOT/layers/$(diff_ids | sed -n 5p)/data4/lines.txt" ] || fail "layer content"
	# run finds the layers ready: nothing new appears under layers/
	before=$(ls "$WROOT/layers" | sort)
	run ward run "$REF" sh -c 'wc -l < /data3/lines.txt; cat /data1/f1'
	assert_success
	assert_output_contains 120000
	assert_output_contains "file 1 of layer 1"
	[ "$before" = "$(ls "$WROOT/layers" | sort)" ] || fail "run unpacked again"
	# a second pull finds every layer
	run ward --log-level info pull --tls-verify=false "$REF"
	assert_success
	[ "$(grep -c 'skipped: already exists' <<<"$output")" -eq "$N_LAYERS" ] ||
		fail "expected $N_LAYERS skipped layers"
}

@test "pull without a terminal: one info line per layer, nothing by default or with -q" {
	run ward --log-level info pull --tls-verify=false "$REF"
	assert_success
	[ "$(grep -c 'info: Copying blob [0-9a-f]\{12\} done' <<<"$output")" -eq "$N_LAYERS" ] ||
		fail "expected one line per layer"
	assert_output_not_contains "["
	rm -rf "$WROOT"
	run ward pull --tls-verify=false "$REF"
	assert_success
	assert_output_not_contains "Copying blob"
	rm -rf "$WROOT"
	run ward --log-level info pull -q --tls-verify=false "$REF"
	assert_success
	assert_output_not_contains "Copying blob"
}

@test "pull on a terminal draws a bar per layer and ends with each one done" {
	require_cmd script
	cmd="$WARD --root $WROOT --runroot $WRUN pull --tls-verify=false $REF"
	run timeout 120 script -qec "$cmd" /dev/null </dev/null
	assert_success
	assert_output_contains "Copying blob "
	assert_output_contains "] "
	assert_output_contains $'\033[K'
	# the last drawing: every layer done
	last=$(tr '\r' '\n' <<<"$output" | grep -a 'Copying blob' | tail -n "$N_LAYERS")
	[ "$(grep -c ' done ' <<<"$last")" -eq "$N_LAYERS" ] || fail "not all layers done: $last"
}

@test "a layer that does not unpack to its diff id leaves no layer and no tag" {
	# re-push the image with a config whose last diff id is wrong
	local oci=$BATS_TEST_TMPDIR/bad
	skopeo copy -q --src-tls-verify=false "docker://$REF" "oci:$oci:img"
	m=$(jq -r '.manifests[0].digest' "$oci/index.json" | cut -d: -f2)
	c=$(jq -r '.config.digest' "$oci/blobs/sha256/$m" | cut -d: -f2)
	jq -c '.rootfs.diff_ids[-1] = "sha256:'"$(printf '0%.0s' $(seq 64))"'"' \
		"$oci/blobs/sha256/$c" >"$BATS_TEST_TMPDIR/config.json"
	nc=$(sha256sum "$BATS_TEST_TMPDIR/config.json" | cut -d' ' -f1)
	cp "$BATS_TEST_TMPDIR/config.json" "$oci/blobs/sha256/$nc"
	jq -c --arg d "sha256:$nc" --argjson s "$(stat -c %s "$BATS_TEST_TMPDIR/config.json")" \
		'.config.digest = $d | .config.size = $s' "$oci/blobs/sha256/$m" >"$BATS_TEST_TMPDIR/m.json"
	nm=$(sha256sum "$BATS_TEST_TMPDIR/m.json" | cut -d' ' -f1)
	cp "$BATS_TEST_TMPDIR/m.json" "$oci/blobs/sha256/$nm"
	jq -c --arg d "sha256:$nm" --argjson s "$(stat -c %s "$BATS_TEST_TMPDIR/m.json")" \
		'.manifests[0].digest = $d | .manifests[0].size = $s' "$oci/index.json" >"$BATS_TEST_TMPDIR/i.json"
	cp "$BATS_TEST_TMPDIR/i.json" "$oci/index.json"
	skopeo copy -q --dest-tls-verify=false "oci:$oci:img" "docker://$REG_HOST/ward/layers:bad"
	run ward pull --tls-verify=false "$REG_HOST/ward/layers:bad"
	assert_status 125
	assert_output_contains "the image config says"
	[ -z "$(ls -A "$WROOT/layers")" ] || fail "a layer dir was left: $(ls -A "$WROOT/layers")"
	run ward images --format json
	[ "$(jq length <<<"$output")" -eq 0 ] || fail "something was tagged"
}
