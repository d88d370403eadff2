#!/usr/bin/env bats
# `ward scan` and `ward db` end to end: a rootfs made here (a small dpkg
# status file and os-release), OSV records made here, `ward db import`,
# `ward db status`, then scans in every output format (SARIF, CycloneDX and
# SPDX validated against their published schemas in ../shared/thirdparty/),
# the CI gate's exit statuses (0 clean, 1 findings at or above --fail-on,
# 2 the scan failed), the ignore file and OpenVEX, the database age check,
# and an image from ward's store scanned twice (the second from the cache).
# No container is run.

bats_require_minimum_version 1.5.0

load helpers

SCHEMAS=$E2E_TOP/../shared/thirdparty/schemas
PY=/usr/bin/python3

setup() {
	E2E_TMP=$BATS_TEST_TMPDIR
	setup_ward
	make_rootfs "$E2E_TMP/rootfs"
	make_osv "$E2E_TMP/osv" "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
}

# A Debian 12 rootfs with three packages: libssl3 (source openssl), bash,
# zlib1g (source zlib, a binary epoch).
make_rootfs() {
	mkdir -p "$1/etc" "$1/var/lib/dpkg" "$1/bin"
	cat >"$1/etc/os-release" <<-'EOF'
		PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
		NAME="Debian GNU/Linux"
		VERSION_ID="12"
		VERSION_CODENAME=bookworm
		ID=debian
	EOF
	cat >"$1/var/lib/dpkg/status" <<-'EOF'
		Package: libssl3
		Status: install ok installed
		Architecture: amd64
		Source: openssl
		Version: 3.0.11-1~deb12u2
		Description: Secure Sockets Layer toolkit

		Package: bash
		Status: install ok installed
		Architecture: amd64
		Version: 5.2.15-2+b2
		Description: GNU Bourne Again SHell

		Package: zlib1g
		Status: install ok installed
		Architecture: amd64
		Source: zlib
		Version: 1:1.2.13.dfsg-1
		Description: compression library
	EOF
}

# OSV records, all modified at $2: openssl CRITICAL (two records, fixed at
# two versions), bash MEDIUM, zlib without a fix, and a Debian 11 record
# that must not match.
make_osv() {
	local d=$1 m=$2
	mkdir -p "$d/debian"
	cat >"$d/debian/DSA-5600-1.json" <<-EOF
		{"schema_version": "1.6.0", "id": "DSA-5600-1", "modified": "$m",
		 "aliases": ["CVE-2024-0001"], "summary": "openssl - security update",
		 "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
		 "affected": [{"package": {"ecosystem": "Debian:12", "name": "openssl"},
		   "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "3.0.13-1~deb12u1"}]}]}]}
	EOF
	cat >"$d/debian/CVE-2024-0002.json" <<-EOF
		{"schema_version": "1.6.0", "id": "CVE-2024-0002", "modified": "$m",
		 "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
		 "affected": [{"package": {"ecosystem": "Debian:12", "name": "openssl"},
		   "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "3.0.11-1~deb12u3"}]}]}]}
	EOF
	cat >"$d/debian/CVE-2024-0100.json" <<-EOF
		{"schema_version": "1.6.0", "id": "CVE-2024-0100", "modified": "$m", "summary": "bash bug",
		 "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:N/A:N"}],
		 "affected": [{"package": {"ecosystem": "Debian:12", "name": "bash"},
		   "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "5.2.15-3"}]}]}]}
	EOF
	cat >"$d/CVE-2024-0200.json" <<-EOF
		{"schema_version": "1.6.0", "id": "CVE-2024-0200", "modified": "$m",
		 "affected": [{"package": {"ecosystem": "Debian:12", "name": "zlib"},
		   "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}]}]}]}
	EOF
	cat >"$d/CVE-2024-0300.json" <<-EOF
		{"schema_version": "1.6.0", "id": "CVE-2024-0300", "modified": "$m",
		 "affected": [{"package": {"ecosystem": "Debian:11", "name": "bash"},
		   "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}]}]}]}
	EOF
}

import_db() {
	run ward db import "$E2E_TMP/osv"
	assert_success
}

# validate SCHEMA FILE: jsonschema (Debian's python3-jsonschema), with the
# CycloneDX schema's relative references resolved to the local copies.
validate() {
	[ -d "$SCHEMAS" ] || skip "$SCHEMAS absent (../shared/thirdparty)"
	"$PY" -c 'import jsonschema' 2>/dev/null || skip "python3-jsonschema missing"
	"$PY" - "$SCHEMAS" "$1" "$2" <<-'EOF'
		import json, os, sys, jsonschema
		d, name, doc = sys.argv[1], sys.argv[2], json.load(open(sys.argv[3]))
		schema = json.load(open(os.path.join(d, name)))
		store = {}
		for f, i in (("cyclonedx-spdx.schema.json", "http://cyclonedx.org/schema/spdx.schema.json"),
		             ("cyclonedx-jsf-0.82.schema.json", "http://cyclonedx.org/schema/jsf-0.82.schema.json")):
		    store[i] = json.load(open(os.path.join(d, f)))
		cls = jsonschema.validators.validator_for(schema)
		res = jsonschema.RefResolver.from_schema(schema, store=store, id_of=cls.ID_OF)
		errs = list(cls(schema, resolver=res).iter_errors(doc))
		for e in errs[:5]:
		    print("%s: %s" % (list(e.absolute_path), e.message), file=sys.stderr)
		sys.exit(1 if errs else 0)
	EOF
}

@test "ward db import prints counts; ward db status shows sources, counts and age" {
	run ward db import "$E2E_TMP/osv"
	assert_success
	assert_output_contains "Imported 5 records from 5 files" "0 withdrawn, 0 skipped"
	run ward db status
	assert_success
	assert_output_contains "Records:         5" "Debian:12" "Debian:11" "Age:             0 days"
	run ward db status --format json
	assert_success
	echo "$output" | jq -e '.records == 5 and .ageSeconds < 3600 and
		([.sources[] | select(.ecosystem == "Debian:12") | .records][0] == 4) and
		(.lastImport | test("Z$"))'
	run ward db status --db "$E2E_TMP/none.db"
	assert_failure 125
	assert_output_contains "no vulnerability database at $E2E_TMP/none.db"
}

@test "ward scan --rootfs: the table groups by package with patch guidance" {
	import_db
	run --separate-stderr ward scan --rootfs "$E2E_TMP/rootfs"
	assert_success
	assert_output_contains "3 packages, 4 findings (CRITICAL: 2, MEDIUM: 1, UNKNOWN: 1)" \
		"PACKAGE" "INSTALLED" "VULNERABILITY" "SEVERITY" "FIXED IN" \
		"-> upgrade libssl3 to 3.0.13-1~deb12u1 removes 2 findings (all)" \
		"-> upgrade bash to 5.2.15-3 removes 1 finding (all)" \
		"-> 1 finding in zlib1g has no fixed version yet"
	[[ $output != *CVE-2024-0300* ]] || fail "a Debian:11 record matched Debian 12"
	[[ $output != *$'\033'* ]] || fail "colour written to a pipe"
	# libssl3's group comes first (most severe), its name printed once
	[ "$(echo "$output" | grep -c '^libssl3 ')" = 1 ]
	[ "$(echo "$output" | grep -n '^libssl3 ' | cut -d: -f1)" -lt \
		"$(echo "$output" | grep -n '^bash ' | cut -d: -f1)" ]
}

@test "severities are coloured on a terminal only, and never with NO_COLOR" {
	command -v script >/dev/null || skip "script (util-linux) missing"
	import_db
	run script -qec "'$WARD' --root '$WROOT' scan --rootfs '$E2E_TMP/rootfs'" /dev/null
	assert_success
	[[ $output == *$'\033[1;31mCRITICAL'* ]] || fail "no colour on a terminal: $output"
	run env NO_COLOR=1 script -qec "'$WARD' --root '$WROOT' scan --rootfs '$E2E_TMP/rootfs'" /dev/null
	assert_success
	[[ $output == *CRITICAL* && $output != *$'\033['* ]] || fail "colour despite NO_COLOR: $output"
}

@test "ward scan --format json: source, os, db age, findings grouped by package" {
	import_db
	run ward scan --rootfs "$E2E_TMP/rootfs" --format json
	assert_success
	echo "$output" | jq -e '.schemaVersion == 1 and .os.id == "debian" and .packagesCount == 3
		and (.source | startswith("rootfs ")) and .db.ageSeconds < 3600
		and .summary.CRITICAL == 2 and .summary.suppressed == 0
		and ([.packages[].name] | sort) == ["bash", "libssl3", "zlib1g"]'
	echo "$output" | jq -e '.packages[] | select(.name == "libssl3") | .sourceName == "openssl"
		and (.findings | length) == 2
		and ([.findings[] | .cvss.score] | all(. == 9.8))
		and ([.findings[].fixedVersion] | sort) == ["3.0.11-1~deb12u3", "3.0.13-1~deb12u1"]
		and ([.findings[] | .aliases[]] | index("DSA-5600-1") != null or index("CVE-2024-0001") != null)'
	echo "$output" | jq -e '.packages[] | select(.name == "zlib1g") | .findings[0].fixedVersion == null
		and .findings[0].severity == "UNKNOWN"'
}

@test "ward scan --format sarif validates against the SARIF 2.1.0 schema" {
	import_db
	run ward scan --rootfs "$E2E_TMP/rootfs" --format sarif --output "$E2E_TMP/out.sarif"
	assert_success
	validate sarif-2.1.0-schema.json "$E2E_TMP/out.sarif"
	jq -e '.version == "2.1.0" and (.runs | length) == 1 and .runs[0].tool.driver.name == "ward"
		and (.runs[0].tool.driver.rules | length) == 4
		and (.runs[0].results | length) == 4
		and ([.runs[0].tool.driver.rules[] | .helpUri | startswith("https://osv.dev/vulnerability/")] | all)
		and ([.runs[0].results[] | select(.level == "error")] | length) == 2
		and ([.runs[0].results[].locations[0].physicalLocation.artifactLocation.uri] | unique) == ["var/lib/dpkg/status"]' \
		"$E2E_TMP/out.sarif"
	jq -e '[.runs[0].tool.driver.rules[] | .properties["security-severity"]] | index("9.8") != null' \
		"$E2E_TMP/out.sarif"
}

@test "ward scan --format cyclonedx|spdx: SBOMs that validate against their schemas" {
	import_db
	run ward scan --rootfs "$E2E_TMP/rootfs" --format cyclonedx --output "$E2E_TMP/bom.json"
	assert_success
	validate cyclonedx-bom-1.5.schema.json "$E2E_TMP/bom.json"
	jq -e '.bomFormat == "CycloneDX" and (.components | length) >= 3
		and (.vulnerabilities | length) == 4' "$E2E_TMP/bom.json"
	run ward scan --rootfs "$E2E_TMP/rootfs" --format spdx --output "$E2E_TMP/spdx.json"
	assert_success
	validate spdx-2.3-schema.json "$E2E_TMP/spdx.json"
	jq -e '.spdxVersion == "SPDX-2.3"' "$E2E_TMP/spdx.json"
	# the CycloneDX SBOM scanned again gives the same findings
	run ward scan --sbom "$E2E_TMP/bom.json" --format json
	assert_success
	echo "$output" | jq -e '.packagesCount >= 3 and .summary.CRITICAL == 2 and .summary.MEDIUM == 1
		and (.source | startswith("sbom "))'
}

@test "--fail-on: exit 1 at or above the threshold, 0 below it; --severity and --ignore-unfixed filter first" {
	import_db
	run ward scan --rootfs "$E2E_TMP/rootfs" --fail-on critical
	assert_failure 1
	run --separate-stderr ward scan --rootfs "$E2E_TMP/rootfs" --fail-on high --format json
	assert_failure 1
	[[ $stderr == *"2 findings at or above HIGH (--fail-on)"* ]] || fail "stderr: $stderr"
	run ward scan --rootfs "$E2E_TMP/rootfs" --fail-on critical --severity MEDIUM,LOW
	assert_success
	run ward scan --rootfs "$E2E_TMP/rootfs" --fail-on unknown --severity unknown --ignore-unfixed
	assert_success
	run ward scan --rootfs "$E2E_TMP/rootfs" --fail-on unknown --severity unknown
	assert_failure 1
}

@test "exit 2 when the scan itself fails: missing rootfs, no or corrupt database, bad arguments" {
	run ward scan --rootfs "$E2E_TMP/rootfs"
	assert_failure 2
	assert_output_contains "no vulnerability database at $WROOT/vulndb/osv.db" "ward db import"
	import_db
	run ward scan --rootfs "$E2E_TMP/missing" --fail-on low
	assert_failure 2
	assert_output_contains "rootfs '$E2E_TMP/missing'"
	run ward scan --rootfs "$E2E_TMP/rootfs" --fail-on severe
	assert_failure 2
	run ward scan --rootfs "$E2E_TMP/rootfs" --format xml
	assert_failure 2
	run ward scan --rootfs "$E2E_TMP/rootfs" --sbom x.json
	assert_failure 2
	run ward scan nosuchimage
	assert_failure 2
	head -c 8192 /dev/urandom >"$E2E_TMP/corrupt.db"
	run ward scan --rootfs "$E2E_TMP/rootfs" --db "$E2E_TMP/corrupt.db"
	assert_failure 2
	assert_output_contains "corrupt.db"
}

@test "the ignore file suppresses with its reason; expired entries warn and no longer apply" {
	import_db
	cat >"$E2E_TMP/ignore" <<-'EOF'
		# accepted risks, reviewed by security@
		CVE-2024-0001 openssl until=2099-12-31 # engine disabled at build time
		CVE-2024-0002 libssl3 # fixed by our backport
		CVE-2024-0100 until=2020-01-01 # expired long ago
	EOF
	run --separate-stderr ward scan --rootfs "$E2E_TMP/rootfs" --ignorefile "$E2E_TMP/ignore" \
		--format json --fail-on critical
	assert_success
	echo "$output" | jq -e '.summary.suppressed == 2 and .summary.CRITICAL == 0 and .summary.MEDIUM == 1'
	echo "$output" | jq -e '[.packages[].findings[] | select(.suppressed) | .suppressedBy] | sort ==
		["ignore file '"$E2E_TMP"'/ignore:2: engine disabled at build time",
		 "ignore file '"$E2E_TMP"'/ignore:3: fixed by our backport"]'
	[[ $stderr == *"ignore:4: the entry for CVE-2024-0100 expired on 2020-01-01 and no longer applies"* ]] ||
		fail "no expiry warning: $stderr"
	run ward scan --rootfs "$E2E_TMP/rootfs" --ignorefile "$E2E_TMP/ignore" --fail-on medium
	assert_failure 1
	# .wardignore in the working directory is read by default
	cp "$E2E_TMP/ignore" "$E2E_TMP/.wardignore"
	run bash -c "cd '$E2E_TMP' && '$WARD' --root '$WROOT' scan --rootfs rootfs --fail-on critical"
	assert_success
	assert_output_contains "2 suppressed" "engine disabled at build time"
	# an entry without a reason is refused before scanning
	echo "CVE-2024-0100" >"$E2E_TMP/bad"
	run ward scan --rootfs "$E2E_TMP/rootfs" --ignorefile "$E2E_TMP/bad"
	assert_failure 2
	assert_output_contains "bad:1: no reason"
}

@test "OpenVEX: not_affected and fixed suppress, affected keeps, purls match without version" {
	import_db
	cat >"$E2E_TMP/vex.json" <<-'EOF'
		{"@context": "https://openvex.dev/ns/v0.2.0", "@id": "https://example.com/vex/1",
		 "author": "security@example.com", "timestamp": "2026-01-01T00:00:00Z", "version": 1,
		 "statements": [
		  {"vulnerability": {"name": "CVE-2024-0001", "aliases": ["DSA-5600-1"]},
		   "products": [{"@id": "pkg:deb/debian/libssl3?arch=amd64"}],
		   "status": "not_affected", "justification": "vulnerable_code_not_in_execute_path"},
		  {"vulnerability": {"name": "CVE-2024-0002"},
		   "products": [{"@id": "pkg:deb/debian/libssl3?arch=arm64"}],
		   "status": "not_affected", "justification": "component_not_present"},
		  {"vulnerability": {"name": "CVE-2024-0100"},
		   "products": [{"@id": "pkg:deb/debian/bash@5.2.15-2%2Bb2"}], "status": "fixed"},
		  {"vulnerability": {"name": "CVE-2024-0200"},
		   "products": [{"@id": "pkg:deb/debian/zlib1g"}], "status": "affected",
		   "action_statement": "upgrade when a fix ships"}
		 ]}
	EOF
	run ward scan --rootfs "$E2E_TMP/rootfs" --vex "$E2E_TMP/vex.json" --format json
	assert_success
	echo "$output" | jq -e '[.packages[].findings[] | select(.suppressed) | .suppressedBy] | sort ==
		["VEX '"$E2E_TMP"'/vex.json: fixed",
		 "VEX '"$E2E_TMP"'/vex.json: not_affected: vulnerable_code_not_in_execute_path"]'
	run ward scan --rootfs "$E2E_TMP/rootfs" --vex "$E2E_TMP/vex.json" --fail-on critical
	assert_failure 1 # CVE-2024-0002: the arm64 statement does not cover amd64
	run ward scan --rootfs "$E2E_TMP/rootfs" --vex "$E2E_TMP/vex.json" --format sarif \
		--output "$E2E_TMP/vex.sarif"
	assert_success
	validate sarif-2.1.0-schema.json "$E2E_TMP/vex.sarif"
	jq -e '[.runs[0].results[] | select(.suppressions) | .suppressions[0].kind] == ["external", "external"]' \
		"$E2E_TMP/vex.sarif"
	# suppressed findings stay out of the SBOM's vulnerabilities
	run ward scan --rootfs "$E2E_TMP/rootfs" --vex "$E2E_TMP/vex.json" --format cyclonedx \
		--output "$E2E_TMP/vex.cdx"
	assert_success
	jq -e '(.vulnerabilities | length) == 2' "$E2E_TMP/vex.cdx"
	echo '{"@context": "https://openvex.dev/ns/v0.2.0", "statements": [{"vulnerability": {"name": "X"}, "products": [{"@id": "pkg:deb/debian/bash"}], "status": "not_affected"}]}' >"$E2E_TMP/bad.json"
	run ward scan --rootfs "$E2E_TMP/rootfs" --vex "$E2E_TMP/bad.json"
	assert_failure 2
	assert_output_contains "statements[0]: not_affected needs a justification"
}

@test "--max-db-age: old data is a loud warning, an error under --strict" {
	rm -rf "$E2E_TMP/osv"
	make_osv "$E2E_TMP/osv" "$(date -u -d '10 days ago' +%Y-%m-%dT%H:%M:%SZ)"
	import_db
	run --separate-stderr ward scan --rootfs "$E2E_TMP/rootfs"
	assert_success
	[[ $stderr == *"WARNING: the vulnerability database $WROOT/vulndb/osv.db is 10 days old (--max-db-age 7 days)"* ]] ||
		fail "no age warning: $stderr"
	[[ $output == *"4 findings"* ]]
	run --separate-stderr ward scan --rootfs "$E2E_TMP/rootfs" --max-db-age 30d
	assert_success
	[ -z "$stderr" ] || fail "warned within --max-db-age: $stderr"
	run ward scan --rootfs "$E2E_TMP/rootfs" --strict
	assert_failure 2
	assert_output_contains "is 10 days old (limit 7 days, --strict)"
	run ward scan --rootfs "$E2E_TMP/rootfs" --strict --max-db-age 2w
	assert_success
	run ward scan --rootfs "$E2E_TMP/rootfs" --max-db-age soon
	assert_failure 2
}

@test "ward scan IMAGE: an image from the store, cached per digest until the database changes" {
	import_db
	cp /bin/busybox "$E2E_TMP/rootfs/bin/busybox"
	tar -C "$E2E_TMP/rootfs" -czf "$E2E_TMP/rootfs.tgz" .
	run ward import "$E2E_TMP/rootfs.tgz" localhost/app:1
	assert_success
	digest=$output
	run --separate-stderr ward --log-level info scan localhost/app:1 --format json
	assert_success
	[[ $stderr != *"(cached)"* ]] || fail "first scan came from the cache"
	echo "$output" | jq -e '.image.ref == "localhost/app:1" and .summary.CRITICAL == 2
		and (.image.digest | startswith("sha256:"))'
	first=$output
	run --separate-stderr ward --log-level info scan localhost/app:1 --format json --fail-on critical
	assert_failure 1
	[[ $stderr == *"(cached)"* ]] || fail "second scan not from the cache: $stderr"
	[ "$(echo "$output" | jq -c '.packages')" = "$(echo "$first" | jq -c '.packages')" ]
	# filters apply to cached results too
	run ward scan localhost/app:1 --severity MEDIUM --fail-on critical
	assert_success
	# --no-cache scans afresh
	run --separate-stderr ward --log-level info scan localhost/app:1 --no-cache
	assert_success
	[[ $stderr != *"(cached)"* ]]
	# a new import invalidates the cached result, and the new record shows
	sleep 1
	cat >"$E2E_TMP/new.json" <<-EOF
		{"schema_version": "1.6.0", "id": "CVE-2024-0400", "modified": "$(date -u +%Y-%m-%dT%H:%M:%SZ)",
		 "affected": [{"package": {"ecosystem": "Debian:12", "name": "bash"},
		   "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "5.2.15-4"}]}]}]}
	EOF
	run ward db import "$E2E_TMP/new.json"
	assert_success
	run --separate-stderr ward --log-level info scan localhost/app:1
	assert_success
	[[ $stderr != *"(cached)"* ]] || fail "cache survived a new import: $stderr"
	assert_output_contains "CVE-2024-0400" "-> upgrade bash to 5.2.15-4 removes 2 findings (all)"
	[ -f "$WROOT/vulndb/scan-cache.db" ]
	[ -n "$digest" ]
}

@test "one rule for CI and runtime: ward scan --max-severity, ward run --max-severity and the policy's vulnerabilityScan" {
	import_db
	cp /bin/busybox "$E2E_TMP/rootfs/bin/busybox"
	ln -sf busybox "$E2E_TMP/rootfs/bin/true"
	tar -C "$E2E_TMP/rootfs" -czf "$E2E_TMP/rootfs.tgz" .
	run ward import "$E2E_TMP/rootfs.tgz" localhost/app:1
	assert_success
	# CI: two CRITICAL openssl findings are above HIGH, nothing is above CRITICAL
	run ward scan localhost/app:1 --max-severity HIGH
	assert_failure 1
	run ward scan localhost/app:1 --max-severity CRITICAL
	assert_success
	# runtime, ad hoc: the same rule refuses the run with podman's engine error
	run ward run --rm --max-severity HIGH localhost/app:1 /bin/true
	assert_status 125
	assert_output_contains "2 findings above HIGH" "CVE-2024-0001 CRITICAL in libssl3"
	run ward run --rm --max-severity CRITICAL localhost/app:1 /bin/true
	assert_success
	# runtime, by policy: the rule in policy.json, next to the others
	cat >"$E2E_TMP/policy.json" <<-EOF
		{"default": [{"type": "insecureAcceptAnything"},
		             {"type": "vulnerabilityScan", "maxSeverity": "HIGH"}]}
	EOF
	run ward --policy "$E2E_TMP/policy.json" run --rm localhost/app:1 /bin/true
	assert_status 125
	assert_output_contains "vulnerabilityScan" "above HIGH"
	# the ignore file the rule names suppresses, with its reason
	printf 'CVE-2024-0001 libssl3 # not reachable: no TLS in this image\nCVE-2024-0002 # same\n' >"$E2E_TMP/ignore"
	cat >"$E2E_TMP/policy.json" <<-EOF
		{"default": [{"type": "vulnerabilityScan", "maxSeverity": "HIGH",
		              "ignoreFile": "$E2E_TMP/ignore"}]}
	EOF
	run ward --policy "$E2E_TMP/policy.json" run --rm localhost/app:1 /bin/true
	assert_success
	# no data is no pass: a scan that could not look refuses the image
	rm -rf "$WROOT/vulndb"
	run ward --policy "$E2E_TMP/policy.json" run --rm localhost/app:1 /bin/true
	assert_status 125
	assert_output_contains "no vulnerability database"
	# a relative path in the rule is refused with its line
	printf '{"default": [{"type": "vulnerabilityScan",\n "maxSeverity": "HIGH", "ignoreFile": "ignore"}]}\n' >"$E2E_TMP/bad.json"
	run ward --policy "$E2E_TMP/bad.json" run --rm localhost/app:1 /bin/true
	assert_status 125
	assert_output_contains "bad.json:2" "not an absolute path"
}
