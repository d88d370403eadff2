#!/usr/bin/env bats
# ward's package inventory and SBOMs (libward, src/scan/) against the real
# tools and formats:
#   - a Debian 12 minbase rootfs made by debootstrap (scripts/mkdebootstrap.sh,
#     made once under build/debootstrap), every package's name, version,
#     source name and source version compared with dpkg-query on it;
#   - an rpm database written by Debian's rpm 4.18 (rpmbuild of spec files
#     made here, rpm -i --justdb), compared with rpm -qa;
#   - an apk installed database written from apk's documented format;
#   - Go build info compared with the Go version objcopy finds in a real
#     Go binary's .go.buildinfo section;
#   - CycloneDX 1.5 and SPDX 2.3 output validated against the published
#     JSON schemas (../shared/thirdparty/schemas) with python3-jsonschema,
#     and read back into the same inventory.
# build/tools/scan-inventory drives the library. No container is run.

bats_require_minimum_version 1.5.0

setup_file() {
	TOP=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
	export TOP
	export INV=${SCAN_INVENTORY:-$TOP/build/tools/scan-inventory}
	export SCHEMAS=${WARD_SCHEMAS:-$TOP/../shared/thirdparty/schemas}
	export PY=/usr/bin/python3
	# The debootstrap rootfs is made once (about 20 s, network to the
	# Debian mirror) and reused by later runs.
	DEBOOT=""
	if [ -x "$INV" ] && command -v debootstrap >/dev/null; then
		DEBOOT=$("$TOP/scripts/mkdebootstrap.sh" 2>"$BATS_FILE_TMPDIR/mkdebootstrap.err") || DEBOOT=""
	fi
	export DEBOOT
}

setup() {
	[ -x "$INV" ] || skip "$INV missing: make build/tools/scan-inventory"
}

# validate KIND FILE: the document against the published schema
validate() {
	"$PY" - "$SCHEMAS" "$1" "$2" <<-'EOF'
		import json, pathlib, sys
		import jsonschema
		from jsonschema import RefResolver
		d, kind, doc = pathlib.Path(sys.argv[1]), sys.argv[2], json.load(open(sys.argv[3]))
		if kind == "cyclonedx":
		    schema = json.load(open(d / "cyclonedx-bom-1.5.schema.json"))
		    # bom-1.5 $refs spdx.schema.json and jsf-0.82.schema.json by
		    # relative name: serve them from the local copies, never the web.
		    store = {}
		    for local, name in (("cyclonedx-spdx.schema.json", "spdx.schema.json"),
		                        ("cyclonedx-jsf-0.82.schema.json", "jsf-0.82.schema.json")):
		        s = json.load(open(d / local))
		        for key in (name, "http://cyclonedx.org/schema/" + name, s.get("$id", name)):
		            store[key] = s
		    resolver = RefResolver(base_uri="http://cyclonedx.org/schema/bom-1.5.schema.json",
		                           referrer=schema, store=store)
		    v = jsonschema.validators.validator_for(schema)(schema, resolver=resolver,
		                                                     format_checker=jsonschema.FormatChecker())
		else:
		    schema = json.load(open(d / "spdx-2.3-schema.json"))
		    v = jsonschema.validators.validator_for(schema)(schema,
		                                                     format_checker=jsonschema.FormatChecker())
		errs = list(v.iter_errors(doc))
		for e in errs[:10]:
		    print("INVALID:", list(e.path), e.message[:300])
		print("# %s: %d errors" % (kind, len(errs)))
		sys.exit(1 if errs else 0)
	EOF
}

@test "debootstrap rootfs: every package, version and source as dpkg-query lists them" {
	[ -n "$DEBOOT" ] || skip "no debootstrap rootfs: $(cat "$BATS_FILE_TMPDIR/mkdebootstrap.err" 2>/dev/null)"
	local want=$BATS_TEST_TMPDIR/want got=$BATS_TEST_TMPDIR/got
	dpkg-query --admindir="$DEBOOT/var/lib/dpkg" -W \
		-f '${Package}\t${Version}\t${source:Package}\t${source:Version}\n' | sort >"$want"
	run --separate-stderr "$INV" list "$DEBOOT"
	[ "$status" -eq 0 ]
	[ "$stderr" = "warnings: 0" ]
	grep -q $'^os\tdebian\t12$' <<<"$output"
	grep '^deb' <<<"$output" | cut -f2-5 | sort >"$got"
	diff -u "$want" "$got"
	local n
	n=$(wc -l <"$want")
	echo "# $n packages matched dpkg-query" >&3
	[ "$n" -gt 50 ]
	# the source columns are not vacuous: binNMUs and other-source packages exist
	awk -F'\t' '$1 != $3' "$got" | grep -q .
	awk -F'\t' '$2 != $4' "$got" | grep -q .
	grep -q $'^deb\tbash\t.*\tpkg:deb/debian/bash@.*distro=debian-12' <<<"$output"
}

@test "debootstrap rootfs: inventory time (median of 5 runs)" {
	[ -n "$DEBOOT" ] || skip "no debootstrap rootfs"
	run "$INV" time "$DEBOOT" 5
	[ "$status" -eq 0 ]
	echo "# ward_scan_inventory (sanitizer build): $output" >&3
	local ms=${output#median_ms }
	ms=${ms%% *}
	# generous: the sanitizer build on a loaded 2-core machine
	[ "${ms%.*}" -lt 2000 ]
}

@test "debootstrap rootfs: CycloneDX 1.5 with vulnerabilities and SPDX 2.3 validate against their schemas and read back" {
	[ -n "$DEBOOT" ] || skip "no debootstrap rootfs"
	[ -f "$SCHEMAS/cyclonedx-bom-1.5.schema.json" ] || skip "schemas missing in $SCHEMAS"
	"$PY" -c 'import jsonschema' 2>/dev/null || skip "python3-jsonschema missing"
	local f=$BATS_TEST_TMPDIR/findings t=$BATS_TEST_TMPDIR
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' \
		bash CVE-2022-3715 HIGH 7.8 'CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H' 5.2.15-3 DSA-5555-1 \
		libc6 CVE-2023-4911 CRITICAL 9.8 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' 2.36-9+deb12u3 - \
		libc-bin CVE-2023-4911 CRITICAL 9.8 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' 2.36-9+deb12u3 - \
		apt CVE-2011-3374 LOW - - - - >"$f"
	"$INV" sbom cyclonedx "$DEBOOT" "$f" >"$t/bom.cdx.json"
	"$INV" sbom spdx "$DEBOOT" >"$t/bom.spdx.json"
	run validate cyclonedx "$t/bom.cdx.json"
	echo "$output" >&3
	[ "$status" -eq 0 ]
	run validate spdx "$t/bom.spdx.json"
	echo "$output" >&3
	[ "$status" -eq 0 ]
	# the content, not just the shape
	run jq -r '.vulnerabilities | length, (.[] | select(.id == "CVE-2023-4911") | .affects | length),
		(.[0].recommendation), (.[0].ratings[0].method)' "$t/bom.cdx.json"
	[ "${lines[0]}" = 3 ] && [ "${lines[1]}" = 2 ]
	[ "${lines[2]}" = "upgrade to 5.2.15-3" ] && [ "${lines[3]}" = CVSSv31 ]
	[ "$(jq '[.components[] | select((.purl // "") | startswith("pkg:deb/debian/"))] | length' "$t/bom.cdx.json")" \
		-eq "$(dpkg-query --admindir="$DEBOOT/var/lib/dpkg" -W -f '.\n' | wc -l)" ]
	[ "$(jq '[.relationships[] | select(.relationshipType == "DESCRIBES")] | length' "$t/bom.spdx.json")" \
		-eq "$(jq '.packages | length' "$t/bom.spdx.json")" ]
	# read back: the same packages in both formats
	"$INV" list "$DEBOOT" 2>/dev/null | cut -f1-7,9 >"$t/want"
	"$INV" read "$t/bom.cdx.json" 2>/dev/null | cut -f1-7,9 >"$t/got.cdx"
	"$INV" read "$t/bom.spdx.json" 2>/dev/null | cut -f1-7,9 >"$t/got.spdx"
	diff -u "$t/want" "$t/got.cdx"
	diff -u "$t/want" "$t/got.spdx"
}

@test "schema validation is not vacuous: a broken CycloneDX document fails it" {
	[ -f "$SCHEMAS/cyclonedx-bom-1.5.schema.json" ] || skip "schemas missing"
	"$PY" -c 'import jsonschema' 2>/dev/null || skip "python3-jsonschema missing"
	mkdir -p "$BATS_TEST_TMPDIR/r/var/lib/dpkg"
	printf 'Package: a\nVersion: 1\n' >"$BATS_TEST_TMPDIR/r/var/lib/dpkg/status"
	"$INV" sbom cyclonedx "$BATS_TEST_TMPDIR/r" |
		jq '.components[0].licenses = [{"license": {"id": "Not-An-SPDX-Id"}}] | .specVersion = 1.5' \
			>"$BATS_TEST_TMPDIR/bad.json"
	run validate cyclonedx "$BATS_TEST_TMPDIR/bad.json"
	[ "$status" -eq 1 ]
	grep -q "INVALID: \['specVersion'\]" <<<"$output"
	grep -q "INVALID: \['components', 0, 'licenses'" <<<"$output"
}

# make_rpm DIR NAME VERSION RELEASE EPOCH LICENSE [SUBPACKAGE]
make_rpm() {
	local dir=$1 name=$2 version=$3 release=$4 epoch=$5 license=$6 sub=${7:-}
	mkdir -p "$dir/spec"
	{
		echo "Name: $name"
		echo "Version: $version"
		echo "Release: $release"
		[ "$epoch" = - ] || echo "Epoch: $epoch"
		echo "License: $license"
		echo "Summary: generated for ward's scan tests"
		echo "BuildArch: noarch"
		echo "%description"
		echo "generated"
		if [ -n "$sub" ]; then
			echo "%package $sub"
			echo "Summary: subpackage"
			echo "License: $license"
			echo "%description $sub"
			echo "generated"
			echo "%files $sub"
		fi
		echo "%files"
	} >"$dir/spec/$name.spec"
	rpmbuild --quiet --define "_topdir $dir/top" -bb "$dir/spec/$name.spec" >/dev/null 2>&1
}

@test "rpm: a database written by rpm 4.18 (sqlite), as rpm -qa lists it" {
	command -v rpmbuild >/dev/null || skip "rpmbuild missing (apt-get install rpm)"
	local t=$BATS_TEST_TMPDIR root=$BATS_TEST_TMPDIR/root
	mkdir -p "$root/etc"
	printf 'ID="rocky"\nVERSION_ID="9.3"\n' >"$root/etc/os-release"
	make_rpm "$t" util-linux 2.37.4 15.el9 - 'GPL-2.0-only AND BSD-4-Clause-UC' core
	make_rpm "$t" openssl 3.0.7 25.el9_3 1 'Apache-2.0' libs
	make_rpm "$t" tzdata 2024a 1.el9 - 'LicenseRef-Fedora-Public-Domain'
	# Debian's rpm writes sqlite by default; say so, in case a config differs.
	rpm --root "$root" --dbpath /var/lib/rpm --define '_db_backend sqlite' \
		-i --nodeps --justdb "$t"/top/RPMS/noarch/*.rpm 2>/dev/null
	[ -f "$root/var/lib/rpm/rpmdb.sqlite" ]
	rpm --root "$root" --dbpath /var/lib/rpm -qa \
		--qf '%{NAME}\t%|EPOCH?{%{EPOCH}:}:{}|%{VERSION}-%{RELEASE}\t%{SOURCERPM}\t%{ARCH}\t%{LICENSE}\n' |
		sort >"$t/want"
	run --separate-stderr "$INV" list "$root"
	[ "$status" -eq 0 ]
	[ "$stderr" = "warnings: 0" ]
	# ward: NAME EVR SRCNAME SRCEVR ARCH LICENSE; rpm: SOURCERPM is
	# SRCNAME-SRCV-SRCR.src.rpm (no epoch: ward gives the source the binary's)
	grep '^rpm' <<<"$output" | awk -F'\t' '{ sv = $5; sub(/^[0-9]+:/, "", sv);
		printf "%s\t%s\t%s-%s.src.rpm\t%s\t%s\n", $2, $3, $4, sv, $6, $7 }' | sort >"$t/got"
	diff -u "$t/want" "$t/got"
	[ "$(wc -l <"$t/got")" -eq 5 ]
	grep -q $'^rpm\tutil-linux-core\t2.37.4-15.el9\tutil-linux\t' <<<"$output"
	grep -qF 'pkg:rpm/rocky/openssl-libs@3.0.7-25.el9_3?arch=noarch&distro=rocky-9.3&epoch=1&upstream=openssl' <<<"$output"
}

@test "rpm: a BerkeleyDB database is refused as not supported" {
	mkdir -p "$BATS_TEST_TMPDIR/r/var/lib/rpm"
	printf '\0\0\0\0\x61\x15\x06\0' >"$BATS_TEST_TMPDIR/r/var/lib/rpm/Packages"
	run --separate-stderr "$INV" list "$BATS_TEST_TMPDIR/r"
	[ "$status" -eq 1 ]
	grep -q "rpm BerkeleyDB database /var/lib/rpm/Packages: not supported" <<<"$stderr"
}

@test "apk: an installed database in apk's documented format" {
	local root=$BATS_TEST_TMPDIR/root
	mkdir -p "$root/lib/apk/db" "$root/etc"
	printf 'ID=alpine\nVERSION_ID=3.19.1\nPRETTY_NAME="Alpine Linux v3.19"\n' >"$root/etc/os-release"
	cat >"$root/lib/apk/db/installed" <<-'EOF'
		C:Q1p78yvTLG094tHE1+dToJGbmYzQE=
		P:busybox
		V:1.36.1-r15
		A:x86_64
		S:509891
		I:958464
		T:Size optimized toolbox of many common UNIX utilities
		U:https://busybox.net/
		L:GPL-2.0-only
		o:busybox
		m:Sören Tempel <soeren+alpine@soeren-tempel.net>
		t:1702912542
		c:a2ef2ac07e3f5efe9e3b1acd24c3e5a9ecb1b0ab
		D:so:libc.musl-x86_64.so.1
		p:cmd:busybox=1.36.1-r15
		F:bin
		R:busybox
		a:0:0:755
		Z:Q1WNkpkrq6YpKZ3ubPCKGWMXBhsr4=

		P:ssl_client
		V:1.36.1-r15
		A:x86_64
		L:GPL-2.0-only
		o:busybox

		P:libcrypto3
		V:3.1.4-r5
		A:x86_64
		L:Apache-2.0
		o:openssl

	EOF
	run --separate-stderr "$INV" list "$root"
	[ "$status" -eq 0 ]
	[ "$stderr" = "warnings: 0" ]
	[ "$(grep -c '^apk' <<<"$output")" -eq 3 ]
	grep -qF $'apk\tssl_client\t1.36.1-r15\tbusybox\t1.36.1-r15\tx86_64\tGPL-2.0-only\t/lib/apk/db/installed\tpkg:apk/alpine/ssl_client@1.36.1-r15?arch=x86_64&distro=alpine-3.19.1&upstream=busybox' <<<"$output"
	grep -q $'^os\talpine\t3.19.1$' <<<"$output"
}

@test "Go: a real Go binary's stdlib version, as its .go.buildinfo section records it" {
	local bin="" b
	for b in /usr/bin/ctr /usr/bin/containerd /usr/bin/docker-registry /usr/bin/podman; do
		[ -f "$b" ] && bin=$b && break
	done
	[ -n "$bin" ] || skip "no Go binary on this machine"
	command -v objcopy >/dev/null || skip "objcopy missing"
	local root=$BATS_TEST_TMPDIR/root
	mkdir -p "$root/usr/local/bin"
	cp "$bin" "$root/usr/local/bin/tool"
	objcopy -O binary --only-section=.go.buildinfo "$bin" "$BATS_TEST_TMPDIR/bi"
	local gov
	gov=$(grep -a -o 'go1\.[0-9]*\(\.[0-9]*\)\?' "$BATS_TEST_TMPDIR/bi" | head -n1)
	[ -n "$gov" ]
	run --separate-stderr "$INV" list "$root"
	[ "$status" -eq 0 ]
	echo "# $bin: $gov" >&3
	grep -q $'^golang\tstdlib\tv'"${gov#go}"$'\t.*\t/usr/local/bin/tool\tpkg:golang/stdlib@v'"${gov#go}" <<<"$output"
}

@test "hostile rootfs: symlinks out of it are never followed, FIFOs never block" {
	local root=$BATS_TEST_TMPDIR/root host=$BATS_TEST_TMPDIR/host
	mkdir -p "$root/var/lib/dpkg" "$root/app/node_modules/ok" "$host/nm/evil" "$root/lib/apk/db"
	printf 'Package: host-secret\nVersion: 1.0\n' >"$host/status"
	printf '{"name":"host-pkg","version":"6.6.6"}' >"$host/nm/evil/package.json"
	printf '{"name":"ok","version":"1.0.0"}' >"$root/app/node_modules/ok/package.json"
	ln -s "$host/status" "$root/var/lib/dpkg/status"
	ln -s "$host/nm/evil" "$root/app/node_modules/evil"
	ln -s "$host/nm" "$root/srv"
	mkfifo "$root/lib/apk/db/installed"
	run --separate-stderr timeout 20 "$INV" list "$root"
	[ "$status" -eq 0 ]
	[ "$(grep -vc '^os' <<<"$output")" -eq 1 ]
	grep -q $'^npm\tok\t1.0.0' <<<"$output"
	! grep -q 'host-' <<<"$output"
	grep -q 'warning: /lib/apk/db/installed: skipped: not a regular file' <<<"$stderr"
}

@test "npm: npm's own node_modules tree, as npm query '*' lists it" {
	local npmdir=/usr/lib/node_modules/npm
	[ -f "$npmdir/package.json" ] && command -v npm >/dev/null || skip "npm missing"
	local root=$BATS_TEST_TMPDIR/root t=$BATS_TEST_TMPDIR
	mkdir -p "$root/usr/lib/node_modules"
	cp -a "$npmdir" "$root/usr/lib/node_modules/"
	# npm takes the directory it runs in as the project: every other node
	(cd "$root/usr/lib/node_modules/npm" && npm query '*' --offline 2>/dev/null) |
		jq -r '.[] | select(.location != "") | "\(.name)\t\(.version)"' >"$t/want"
	jq -r '"\(.name)\t\(.version)"' "$npmdir/package.json" >>"$t/want"
	sort -o "$t/want" "$t/want"
	run --separate-stderr "$INV" list "$root"
	[ "$status" -eq 0 ]
	[ "$stderr" = "warnings: 0" ]
	grep '^npm' <<<"$output" | cut -f2,3 | sort >"$t/got"
	diff -u "$t/want" "$t/got"
	echo "# $(wc -l <"$t/got") npm packages matched npm query" >&3
	[ "$(wc -l <"$t/got")" -gt 50 ]
	# scoped packages keep their scope in the name and the purl
	grep -q $'^npm\t@npmcli/[a-z-]*\t.*\tpkg:npm/%40npmcli/' <<<"$output"
}

@test "python: dist-packages metadata, as importlib.metadata lists it" {
	local src=/usr/lib/python3/dist-packages
	ls -d "$src"/*.dist-info "$src"/*.egg-info >/dev/null 2>&1 || skip "no Python packages on this machine"
	local root=$BATS_TEST_TMPDIR/root t=$BATS_TEST_TMPDIR d
	mkdir -p "$root$src"
	for d in "$src"/*.dist-info "$src"/*.egg-info; do
		[ -e "$d" ] && cp -a "$d" "$root$src/"
	done
	"$PY" -c 'import importlib.metadata as m, sys
for d in m.distributions(path=[sys.argv[1]]): print(d.metadata["Name"] + "\t" + d.version)' \
		"$root$src" | sort >"$t/want"
	run --separate-stderr "$INV" list "$root"
	[ "$status" -eq 0 ]
	[ "$stderr" = "warnings: 0" ]
	grep '^pypi' <<<"$output" | cut -f2,3 | sort >"$t/got"
	diff -u "$t/want" "$t/got"
	echo "# $(wc -l <"$t/got") Python packages matched importlib.metadata" >&3
	[ "$(wc -l <"$t/got")" -gt 5 ]
}
