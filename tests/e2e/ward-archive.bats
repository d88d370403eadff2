#!/usr/bin/env bats
# ward save / ward load against skopeo in both directions (oci-archive and
# docker-archive), hostile archives refused with the store left as it was,
# and ward system df / system prune.

load helpers

setup_file() {
	"$BATS_TEST_DIRNAME/../../scripts/mkimage.sh" -r localhost/ward/busybox:1 \
		"$BATS_FILE_TMPDIR/busybox.tar" >"$BATS_FILE_TMPDIR/busybox.digest"
}

setup() {
	setup_bundle
	setup_ward
	IMG=localhost/ward/busybox:1
}

teardown() {
	ward_teardown
}

# load_busybox: the mkimage oci-archive into this test's store.
load_busybox() {
	run ward load -i "$BATS_FILE_TMPDIR/busybox.tar"
	assert_success
	assert_output_contains "Loaded image: $IMG"
}

# assert_store_untouched: a refused load tagged nothing, committed no blob and
# left nothing in ingest/.
assert_store_untouched() {
	[ "$(jq '.manifests | length' "$WROOT/index.json")" = 0 ] ||
		fail "something was tagged: $(cat "$WROOT/index.json")"
	[ -z "$(ls -A "$WROOT/blobs/sha256")" ] || fail "stray blobs: $(ls "$WROOT/blobs/sha256")"
	[ -z "$(ls -A "$WROOT/ingest" 2>/dev/null)" ] || fail "ingest left: $(ls "$WROOT/ingest")"
}

# hostile KIND OUT: build a hostile archive with python's tarfile.
hostile() {
	python3 - "$1" "$2" "$BATS_FILE_TMPDIR/busybox.tar" <<'EOF'
import hashlib, io, json, sys, tarfile
kind, out, good = sys.argv[1], sys.argv[2], sys.argv[3]

def add(t, name, data, **kw):
    i = tarfile.TarInfo(name)
    i.size = len(data)
    for k, v in kw.items():
        setattr(i, k, v)
    t.addfile(i, io.BytesIO(data))

def layer(text):
    b = io.BytesIO()
    with tarfile.open(fileobj=b, mode="w") as t:
        add(t, "etc/hello", text)
    return b.getvalue()

def docker(t, layer_data, diff_id, tags=("evil:1",)):
    cfg = json.dumps({"architecture": "amd64", "os": "linux",
                      "rootfs": {"type": "layers", "diff_ids": [diff_id]}}).encode()
    add(t, "l/layer.tar", layer_data)
    add(t, "c.json", cfg)
    add(t, "manifest.json", json.dumps([{"Config": "c.json", "RepoTags": list(tags),
                                         "Layers": ["l/layer.tar"]}]).encode())

with tarfile.open(out, "w", format=tarfile.PAX_FORMAT) as t:
    real = layer(b"real\n")
    real_id = "sha256:" + hashlib.sha256(real).hexdigest()
    if kind == "dotdot":
        add(t, "../../etc/evil", b"x")
        docker(t, real, real_id)
    elif kind == "absolute":
        add(t, "/etc/evil", b"x")
    elif kind == "symlink":
        i = tarfile.TarInfo("blobs")
        i.type = tarfile.SYMTYPE
        i.linkname = "/etc"
        t.addfile(i)
    elif kind == "hardlink":
        add(t, "c.json", b"{}")
        i = tarfile.TarInfo("manifest.json")
        i.type = tarfile.LNKTYPE
        i.linkname = "c.json"
        t.addfile(i)
    elif kind == "bigmanifest":
        add(t, "l/layer.tar", real)
        add(t, "manifest.json", b" " * (4 * 1024 * 1024 + 1))
    elif kind == "manyimages":
        add(t, "manifest.json", json.dumps(
            [{"Config": "c.json", "Layers": []}] * 5000).encode())
    elif kind == "mismatch":
        # The layer member is not the layer the config's diff_ids names.
        docker(t, layer(b"substituted\n"), real_id)
    elif kind == "missing":
        # A valid OCI archive with its layer blob left out.
        with tarfile.open(good) as g:
            idx = json.load(g.extractfile("index.json"))
            man = json.load(g.extractfile("blobs/sha256/" + idx["manifests"][0]["digest"][7:]))
            drop = "blobs/sha256/" + man["layers"][0]["digest"][7:]
            for m in g.getmembers():
                if m.name != drop:
                    t.addfile(m, g.extractfile(m) if m.isfile() else None)
EOF
}

@test "save --format oci-archive: skopeo inspects and copies it; same manifest digest" {
	require_cmd skopeo
	load_busybox
	run ward save --format oci-archive -o "$E2E_TMP/out.tar" "$IMG"
	assert_success
	run skopeo inspect "oci-archive:$E2E_TMP/out.tar"
	assert_success
	echo "$output" | jq -e --arg d "$(cat "$BATS_FILE_TMPDIR/busybox.digest")" '.Digest == $d'
	run skopeo copy -q "oci-archive:$E2E_TMP/out.tar" "oci:$E2E_TMP/layout:copied"
	assert_success
	jq -e '.manifests[0].annotations["org.opencontainers.image.ref.name"] == "copied"' \
		"$E2E_TMP/layout/index.json"
	# No temp file is left beside the output.
	[ "$(ls -A "$E2E_TMP" | grep -c '^\.out\.tar')" = 0 ] || fail "temp file left: $(ls -A "$E2E_TMP")"
}

@test "save (docker-archive by default): skopeo reads it, layers are the uncompressed diff ids" {
	require_cmd skopeo
	load_busybox
	run ward save -o "$E2E_TMP/d.tar" "$IMG"
	assert_success
	tar -tf "$E2E_TMP/d.tar" | grep -qx manifest.json || fail "no manifest.json: $(tar -tf "$E2E_TMP/d.tar")"
	run skopeo inspect "docker-archive:$E2E_TMP/d.tar:$IMG"
	assert_success
	# The layer in the archive hashes to the image config's diff id.
	cfg=$(tar -xOf "$E2E_TMP/d.tar" manifest.json | jq -r '.[0].Config')
	diff_id=$(tar -xOf "$E2E_TMP/d.tar" "$cfg" | jq -r '.rootfs.diff_ids[0]')
	echo "$output" | jq -e --arg d "$diff_id" '.Layers == [$d]'
	layer=$(tar -xOf "$E2E_TMP/d.tar" manifest.json | jq -r '.[0].Layers[0]')
	[ "sha256:$(tar -xOf "$E2E_TMP/d.tar" "$layer" | sha256sum | cut -d' ' -f1)" = "$diff_id" ] ||
		fail "layer does not hash to its diff id"
	tar -xOf "$E2E_TMP/d.tar" manifest.json | jq -e --arg t "$IMG" '.[0].RepoTags == [$t]'
}

@test "a docker-archive made by skopeo loads and runs" {
	require_cmd skopeo
	skopeo copy -q "oci-archive:$BATS_FILE_TMPDIR/busybox.tar" "oci:$E2E_TMP/oci:src"
	skopeo copy -q "oci:$E2E_TMP/oci:src" "docker-archive:$E2E_TMP/sk.tar:localhost/sk/busybox:2"
	run ward load -i "$E2E_TMP/sk.tar"
	assert_success
	assert_output_contains "Loaded image: localhost/sk/busybox:2"
	run ward run --rm localhost/sk/busybox:2 true
	assert_success
	run ward run --rm localhost/sk/busybox:2 cat /etc/hostname
	assert_success
	assert_output_contains ward-busybox
}

@test "an oci-archive made by skopeo loads from stdin and runs" {
	require_cmd skopeo
	skopeo copy -q "oci-archive:$BATS_FILE_TMPDIR/busybox.tar" "oci-archive:$E2E_TMP/sk.tar:skopeo/bb:3"
	run timeout 120 "$WARD" --root "$WROOT" --runroot "$WRUN" load <"$E2E_TMP/sk.tar"
	assert_success
	assert_output_contains "Loaded image: skopeo/bb:3"
	run ward run --rm skopeo/bb:3 true
	assert_success
}

@test "round trip: oci-archive save then load into a new store keeps the manifest digest" {
	load_busybox
	want=$(jq -r '.manifests[0].digest' "$WROOT/index.json")
	ward save --format oci-archive "$IMG" >"$E2E_TMP/rt.tar"
	gzip -k "$E2E_TMP/rt.tar"
	WROOT=$E2E_TMP/second
	run ward load -i "$E2E_TMP/rt.tar.gz"
	assert_success
	assert_output_contains "Loaded image: $IMG"
	[ "$(jq -r '.manifests[0].digest' "$WROOT/index.json")" = "$want" ] ||
		fail "digest changed: $(cat "$WROOT/index.json")"
	if command -v zstd >/dev/null; then
		zstd -q "$E2E_TMP/rt.tar" -o "$E2E_TMP/rt.tar.zst"
		WROOT=$E2E_TMP/third
		run ward load -i "$E2E_TMP/rt.tar.zst"
		assert_success
		[ "$(jq -r '.manifests[0].digest' "$WROOT/index.json")" = "$want" ] ||
			fail "digest changed (zstd): $(cat "$WROOT/index.json")"
	fi
	run ward run --rm "$IMG" true
	assert_success
}

@test "docker-archive round trip: saved, loaded elsewhere, runs" {
	load_busybox
	ward save -o "$E2E_TMP/d.tar" "$IMG"
	WROOT=$E2E_TMP/second
	run ward load -i "$E2E_TMP/d.tar"
	assert_success
	assert_output_contains "Loaded image: $IMG"
	jq -e '.manifests[0].mediaType == "application/vnd.oci.image.manifest.v1+json"' "$WROOT/index.json"
	run ward run --rm "$IMG" sh -c 'echo from-docker-archive'
	assert_success
	assert_output_contains from-docker-archive
}

@test "save: an unknown image or format is 125 and leaves no file; no archive to or from a terminal" {
	load_busybox
	run ward save -o "$E2E_TMP/none.tar" nosuch:1
	assert_status 125
	assert_output_contains nosuch:1
	[ -z "$(ls -A "$E2E_TMP" | grep none.tar)" ] || fail "left: $(ls -A "$E2E_TMP")"
	run ward save --format tar-gz -o "$E2E_TMP/x.tar" "$IMG"
	assert_status 125
	assert_output_contains "docker-archive or oci-archive"
	# Never an archive onto a terminal, never one read from it.
	if command -v script >/dev/null; then
		run env SHELL=/bin/bash timeout 30 script -qec "$WARD --root $WROOT save $IMG" /dev/null </dev/null 3>&-
		assert_output_contains "refusing to write an archive to a terminal"
		run env SHELL=/bin/bash timeout 30 script -qec "$WARD --root $WROOT load" /dev/null </dev/null 3>&-
		assert_output_contains "refusing to read an archive from a terminal"
	fi
}

@test "hostile archives are refused naming the member; the store is as it was" {
	local kind want
	for kind in dotdot absolute symlink hardlink bigmanifest manyimages mismatch missing; do
		hostile "$kind" "$E2E_TMP/$kind.tar"
		run ward load -i "$E2E_TMP/$kind.tar"
		case $kind in
		dotdot) want="'../../etc/evil': '..' in the path refused" ;;
		absolute) want="'/etc/evil': absolute path refused" ;;
		symlink) want="'blobs': symlinks are refused" ;;
		hardlink) want="'manifest.json': hard links are refused" ;;
		bigmanifest) want="'manifest.json': 4194305 bytes, at most 4194304" ;;
		manyimages) want="manifest.json: 5000 images, at most 128" ;;
		mismatch) want="member 'l/layer.tar' hashes to" ;;
		missing) want="is missing from the archive" ;;
		esac
		assert_status 125
		assert_output_contains "$want"
		assert_store_untouched
	done
	[ ! -e /etc/evil ] || fail "/etc/evil exists"
}

@test "a truncated archive is refused; the store is as it was" {
	load_busybox
	ward save -o "$E2E_TMP/d.tar" "$IMG"
	head -c 700000 "$E2E_TMP/d.tar" >"$E2E_TMP/cut.tar"
	WROOT=$E2E_TMP/second
	run ward load -i "$E2E_TMP/cut.tar"
	assert_status 125
	assert_output_contains runcated
	assert_store_untouched
	# Garbage is no archive at all.
	head -c 4096 /dev/urandom >"$E2E_TMP/noise"
	run ward load -i "$E2E_TMP/noise"
	assert_status 125
	assert_store_untouched
}

@test "system df: images, containers and layers with their reclaimable space" {
	load_busybox
	run ward system df
	assert_success
	assert_output_contains TYPE TOTAL ACTIVE SIZE RECLAIMABLE
	run ward system df --format json
	assert_success
	echo "$output" | jq -e '.[] | select(.Type == "Images") | .Total == 1 and .Active == 0 and .Size > 1000000 and .Reclaimable == .Size'
	echo "$output" | jq -e '.[] | select(.Type == "Layers") | .Total == 0'
	ward run --rm "$IMG" true
	run ward system df --format json
	echo "$output" | jq -e '.[] | select(.Type == "Layers") | .Total == 1 and .Active == 0 and .Size > 1000000 and .Reclaimable == .Size'
	# An exited container: its image and layer are active, its upper dir
	# (300 kB written) is reclaimable.
	ward run --name df1 "$IMG" sh -c 'head -c 300000 /dev/zero >/big'
	run ward system df --format json
	echo "$output" | jq -e '.[] | select(.Type == "Images") | .Active == 1 and .Reclaimable == 0'
	echo "$output" | jq -e '.[] | select(.Type == "Layers") | .Active == 1 and .Reclaimable == 0'
	echo "$output" | jq -e '.[] | select(.Type == "Containers") | .Total == 1 and .Active == 0 and .Size >= 300000 and .Reclaimable == .Size'
	run ward system df
	assert_success
	assert_output_contains "Containers     1          0"
}

@test "system prune: refuses without -f off a terminal; -f removes only unreferenced data" {
	load_busybox
	ward run --rm "$IMG" true
	run ward system prune
	assert_status 125
	assert_output_contains "-f"
	# A blob nothing references (an aborted load elsewhere, say).
	printf stray >"$E2E_TMP/stray"
	h=$(sha256sum "$E2E_TMP/stray" | cut -d' ' -f1)
	cp "$E2E_TMP/stray" "$WROOT/blobs/sha256/$h"
	run ward system prune -f
	assert_success
	assert_output_contains "Deleted blobs: 1" "Deleted layers: 0" "Total reclaimed space: 5B"
	[ ! -e "$WROOT/blobs/sha256/$h" ] || fail "stray blob kept"
	run ward run --rm "$IMG" true
	assert_success
}

@test "system prune -a -f: removes images no container uses, keeps a container's image and layers" {
	load_busybox
	# A second image (other config, same layer) that only a --rm run used.
	"$BATS_TEST_DIRNAME/../../scripts/mkimage.sh" -r other/img:1 -c 'echo other' "$E2E_TMP/other.tar" >/dev/null
	ward load -i "$E2E_TMP/other.tar"
	ward run --rm other/img:1 true
	# A container (exited, not removed) keeps using $IMG.
	run ward run --name keeper "$IMG" true
	assert_success
	[ "$(ls "$WROOT/layers" | wc -l)" -ge 1 ] || fail "no layers"
	run ward system prune -a -f
	assert_success
	assert_output_contains "Deleted images: 1"
	run ward images --format json
	echo "$output" | jq -e --arg n "$IMG" 'map(.name) == [$n]'
	# The container's image still runs from its layers.
	run ward run --rm "$IMG" true
	assert_success
	run ward rm keeper
	assert_success
	run ward system prune -a -f
	assert_success
	assert_output_contains "Deleted images: 1"
	[ -z "$(ls -A "$WROOT/blobs/sha256")" ] || fail "blobs left: $(ls "$WROOT/blobs/sha256")"
	[ -z "$(ls -A "$WROOT/layers")" ] || fail "layers left: $(ls "$WROOT/layers")"
}

@test "system prune on a terminal asks: n keeps everything, y prunes" {
	require_cmd script
	load_busybox
	printf stray >"$E2E_TMP/stray"
	h=$(sha256sum "$E2E_TMP/stray" | cut -d' ' -f1)
	cp "$E2E_TMP/stray" "$WROOT/blobs/sha256/$h"
	cmd="$WARD --root $WROOT --runroot $WRUN system prune"
	run env SHELL=/bin/bash bash -c "(sleep 1; printf 'n\n') | timeout 30 script -qec '$cmd' /dev/null" 3>&-
	assert_success
	assert_output_contains "Are you sure you want to continue? [y/N]"
	assert_output_not_contains "Deleted blobs"
	[ -e "$WROOT/blobs/sha256/$h" ] || fail "pruned after answering n"
	run env SHELL=/bin/bash bash -c "(sleep 1; printf 'y\n') | timeout 30 script -qec '$cmd' /dev/null" 3>&-
	assert_success
	assert_output_contains "Deleted blobs: 1"
	[ ! -e "$WROOT/blobs/sha256/$h" ] || fail "not pruned after answering y"
}

@test "save docker-archive of a zstd layer: decompressed, and skopeo sees the diff id" {
	require_cmd skopeo zstd
	tar -C "$ROOTFS" -cf - . | zstd -q >"$E2E_TMP/rootfs.tar.zst"
	ward import "$E2E_TMP/rootfs.tar.zst" zz:1 >/dev/null
	run ward save -o "$E2E_TMP/zz.tar" zz:1
	assert_success
	diff_id=$(tar -xOf "$E2E_TMP/zz.tar" "$(tar -xOf "$E2E_TMP/zz.tar" manifest.json | jq -r '.[0].Config')" |
		jq -r '.rootfs.diff_ids[0]')
	run skopeo inspect "docker-archive:$E2E_TMP/zz.tar:zz:1"
	assert_success
	echo "$output" | jq -e --arg d "$diff_id" '.Layers == [$d]'
	WROOT=$E2E_TMP/second
	run ward load -i "$E2E_TMP/zz.tar"
	assert_success
	run ward run --rm zz:1 true
	assert_success
}
