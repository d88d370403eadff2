#!/usr/bin/env bats
# ward's version order (libward, src/scan/) against the ecosystems' own
# tools on thousands of deterministically generated pairs:
#   dpkg --compare-versions, rpm's Lua rpm.vercmp() (rpmverCmp, as rpm
#   orders EVRs), PyPA packaging's Version (pip's vendored copy) and
#   node-semver (npm's bundled copy) for semver and Go module versions.
# build/tools/scan-vercmp generates the pairs from a seed and prints
# ward's answer beside each; a pair ward refuses must be one the tool
# refuses too (dpkg: "bad syntax", packaging: InvalidVersion,
# node-semver: not valid).
#
#   SCAN_PAIRS (default 3000) pairs per scheme, SCAN_SEED (default 20261202).
# No container is run, so the ward engine helpers are not needed.

bats_require_minimum_version 1.5.0

setup_file() {
	TOP=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
	export VERCMP=${SCAN_VERCMP:-$TOP/build/tools/scan-vercmp}
	export SCAN_PAIRS=${SCAN_PAIRS:-3000} SCAN_SEED=${SCAN_SEED:-20261202}
}

setup() {
	[ -x "$VERCMP" ] || skip "$VERCMP missing: make build/tools/scan-vercmp"
}

# dpkg's three-way answer for each "A<TAB>B<TAB>..." line of $1, into $2:
# -1, 0, 1, or "bad" when dpkg reports bad syntax (a warning or an error).
dpkg_answers() {
	local a b rest err=$2.err
	while IFS=$'\t' read -r a b rest; do
		if dpkg --compare-versions "$a" lt "$b" 2>"$err"; then
			r=-1
		elif dpkg --compare-versions "$a" gt "$b" 2>>"$err"; then
			r=1
		else
			r=0
		fi
		if grep -q 'bad syntax' "$err"; then
			r=bad
		elif [ -s "$err" ]; then
			r="stderr:$(head -c 200 "$err")"
		fi
		printf '%s\n' "$r"
	done <"$1" >"$2"
}

# Lines where ward's third column disagrees with the oracle's answer
# (same line of $2); "invalid" (ward) matches "bad"/"invalid" (oracle).
# Prints the mismatches, returns 1 when there is one.
compare_answers() {
	paste "$1" "$2" | awk -F'\t' '
		{ w = $3; o = $4; if (o == "bad") o = "invalid"; n++ }
		w == "invalid" { inv++ } w == "0" { eq++ }
		w != o { bad++; if (bad <= 15) printf "MISMATCH: [%s] vs [%s]: ward %s, oracle %s\n", $1, $2, $3, $4 }
		END {
			printf "# %d pairs: %d equal, %d with an invalid version, %d mismatches\n", n, eq, inv, bad
			exit bad > 0 || n == 0
		}'
}

@test "dpkg: ward's order equals dpkg --compare-versions on generated pairs" {
	command -v dpkg >/dev/null || skip "dpkg missing"
	local pairs=$BATS_TEST_TMPDIR/pairs
	"$VERCMP" pairs dpkg "$SCAN_SEED" "$SCAN_PAIRS" >"$pairs"
	[ "$(wc -l <"$pairs")" -eq "$SCAN_PAIRS" ]
	# two workers: one dpkg process per relation is the slow part
	split -n l/2 -d "$pairs" "$BATS_TEST_TMPDIR/part"
	dpkg_answers "$BATS_TEST_TMPDIR/part00" "$BATS_TEST_TMPDIR/ans00" &
	dpkg_answers "$BATS_TEST_TMPDIR/part01" "$BATS_TEST_TMPDIR/ans01"
	wait
	cat "$BATS_TEST_TMPDIR/ans00" "$BATS_TEST_TMPDIR/ans01" >"$BATS_TEST_TMPDIR/answers"
	run compare_answers "$pairs" "$BATS_TEST_TMPDIR/answers"
	echo "$output" >&3
	[ "$status" -eq 0 ]
	# not vacuous: equal pairs and refused versions both occur
	[ "$(awk -F'\t' '$3 == "0"' "$pairs" | wc -l)" -gt 20 ]
	[ "$(awk -F'\t' '$3 == "invalid"' "$pairs" | wc -l)" -gt 20 ]
}

@test "dpkg: ward refuses what dpkg calls bad syntax, naming the version" {
	command -v dpkg >/dev/null || skip "dpkg missing"
	local list=$BATS_TEST_TMPDIR/bad
	printf '%s\t1\n' '1.0-' ':1.0' '0:' 'a1.0' '1.0_1' '1:2:3-a_b' '1.0-1:2' \
		'1.0 1' '999999999999999999999:1' '1.0-r~é' >"$list"
	run "$VERCMP" cmp dpkg <"$list"
	[ "$status" -eq 0 ]
	[ "$(grep -c "^invalid	dpkg version '" <<<"$output")" -eq 10 ]
	grep -q "dpkg version 'a1.0': the upstream version must start with a digit" <<<"$output"
	# non-ASCII bytes are shown escaped
	grep -qF "dpkg version '1.0-r~\\xc3\\xa9': invalid character in the revision" <<<"$output"
	grep -q "dpkg version '999999999999999999999:1': the epoch is too big" <<<"$output"
	dpkg_answers "$list" "$BATS_TEST_TMPDIR/answers"
	[ "$(grep -c '^bad$' "$BATS_TEST_TMPDIR/answers")" -eq 10 ]
}

@test "rpm: ward's order equals rpm.vercmp() on generated EVR pairs" {
	command -v rpm >/dev/null || skip "rpm missing (apt-get install rpm)"
	local pairs=$BATS_TEST_TMPDIR/pairs lua=$BATS_TEST_TMPDIR/vercmp.lua
	"$VERCMP" pairs rpm "$SCAN_SEED" "$((SCAN_PAIRS * 2))" >"$pairs"
	# one rpm process for all pairs: Lua reads the file itself (and
	# prints once: rpm's print() does not end lines in --eval output)
	cat >"$lua" <<-EOF
		local out = {}
		for line in io.lines("$pairs") do
			local a, b = line:match("^([^\t]*)\t([^\t]*)\t")
			out[#out + 1] = tostring(rpm.vercmp(a, b))
		end
		print(table.concat(out, "\n"))
	EOF
	rpm --eval "%{lua: dofile('$lua')}" | sed '/^$/d' >"$BATS_TEST_TMPDIR/answers"
	[ "$(wc -l <"$BATS_TEST_TMPDIR/answers")" -eq "$((SCAN_PAIRS * 2))" ]
	run compare_answers "$pairs" "$BATS_TEST_TMPDIR/answers"
	echo "$output" >&3
	[ "$status" -eq 0 ]
	[ "$(awk -F'\t' '$3 == "0"' "$pairs" | wc -l)" -gt 20 ]
	grep -q '~' "$pairs" && grep -q '\^' "$pairs" && grep -q ':' "$pairs"
}

@test "rpm: rpmvercmp.at's tilde and caret cases, ward and rpm alike" {
	command -v rpm >/dev/null || skip "rpm missing (apt-get install rpm)"
	local list=$BATS_TEST_TMPDIR/list
	printf '%s\t%s\n' 1.0~rc1 1.0 1.0^ 1.0 1.0^git1 1.01 1.0~rc1^git1 1.0~rc1 \
		1.0^git1~pre 1.0^git1 1:1.0 2.0 1.0 1.0-1 10.0001 10.1 >"$list"
	run "$VERCMP" cmp rpm <"$list"
	[ "$status" -eq 0 ]
	[ "$(tr '\n' ' ' <<<"$output")" = "-1 1 -1 1 -1 1 -1 0 " ]
	run rpm --eval '%{lua: print(rpm.vercmp("1.0~rc1", "1.0"), rpm.vercmp("1.0^", "1.0"), rpm.vercmp("1.0^git1", "1.01"), rpm.vercmp("1.0~rc1^git1", "1.0~rc1"), rpm.vercmp("1.0^git1~pre", "1.0^git1"), rpm.vercmp("1:1.0", "2.0"), rpm.vercmp("1.0", "1.0-1"), rpm.vercmp("10.0001", "10.1"))}'
	[ "$(tr '\t' ' ' <<<"$output")" = "-1 1 -1 1 -1 1 -1 0" ]
}

@test "pep440: ward's order and validity equal PyPA packaging's on generated pairs" {
	python3 -c 'import pip._vendor.packaging.version' 2>/dev/null ||
		skip "python3 with pip's vendored packaging missing"
	local pairs=$BATS_TEST_TMPDIR/pairs
	"$VERCMP" pairs pep440 "$SCAN_SEED" "$SCAN_PAIRS" >"$pairs"
	python3 - "$pairs" >"$BATS_TEST_TMPDIR/answers" <<-'EOF'
		import sys
		from pip._vendor.packaging.version import Version, InvalidVersion
		for line in open(sys.argv[1], encoding="ascii"):
		    a, b, _ = line.rstrip("\n").split("\t")
		    try:
		        x, y = Version(a), Version(b)
		    except InvalidVersion:
		        print("invalid")
		        continue
		    print((x > y) - (x < y))
	EOF
	run compare_answers "$pairs" "$BATS_TEST_TMPDIR/answers"
	echo "$output" >&3
	[ "$status" -eq 0 ]
	[ "$(awk -F'\t' '$3 == "0"' "$pairs" | wc -l)" -gt 20 ]
	[ "$(awk -F'\t' '$3 == "invalid"' "$pairs" | wc -l)" -gt 20 ]
}

# node-semver (npm's own copy): "-1"/"0"/"1", or "invalid", per line of $1.
node_semver_answers() {
	node - "$NODE_SEMVER" "$1" <<-'EOF'
		const semver = require(process.argv[2]);
		const lines = require("fs").readFileSync(process.argv[3], "utf8").split("\n");
		const out = [];
		for (const line of lines) {
			if (!line) continue;
			const [a, b] = line.split("\t");
			if (!semver.valid(a) || !semver.valid(b)) out.push("invalid");
			else out.push(String(semver.compare(a, b)));
		}
		console.log(out.join("\n"));
	EOF
}

# compare_answers for Go against node-semver: pairs with a shorthand
# version (v1, 1.2) that node-semver refuses and Go accepts are left out.
compare_go_answers() {
	paste "$1" "$2" | awk -F'\t' '
		$4 == "invalid" && $3 != "invalid" && ($1 ~ /^v?[0-9]+(\.[0-9]+)?$/ || $2 ~ /^v?[0-9]+(\.[0-9]+)?$/) { short++; next }
		{ n++ }
		$3 != $4 { bad++; if (bad <= 15) printf "MISMATCH: [%s] vs [%s]: ward %s, node-semver %s\n", $1, $2, $3, $4 }
		END {
			printf "# %d pairs compared (%d with a Go shorthand left out), %d mismatches\n", n, short, bad
			exit bad > 0 || n == 0
		}'
}

find_node_semver() {
	command -v node >/dev/null && command -v npm >/dev/null || return 1
	NODE_SEMVER=$(npm root -g 2>/dev/null)/npm/node_modules/semver
	[ -f "$NODE_SEMVER/package.json" ]
}

@test "semver: ward's order and validity equal node-semver's (npm) on generated pairs" {
	find_node_semver || skip "node with npm's bundled semver missing"
	local pairs=$BATS_TEST_TMPDIR/pairs
	"$VERCMP" pairs semver "$SCAN_SEED" "$SCAN_PAIRS" >"$pairs"
	node_semver_answers "$pairs" >"$BATS_TEST_TMPDIR/answers"
	run compare_answers "$pairs" "$BATS_TEST_TMPDIR/answers"
	echo "$output" >&3
	[ "$status" -eq 0 ]
	[ "$(awk -F'\t' '$3 == "0"' "$pairs" | wc -l)" -gt 20 ]
	[ "$(awk -F'\t' '$3 == "invalid"' "$pairs" | wc -l)" -gt 20 ]
}

@test "go: ward's Go order equals node-semver's on v-prefixed pairs it accepts" {
	find_node_semver || skip "node with npm's bundled semver missing"
	local pairs=$BATS_TEST_TMPDIR/pairs
	"$VERCMP" pairs go "$SCAN_SEED" "$SCAN_PAIRS" >"$pairs"
	node_semver_answers "$pairs" >"$BATS_TEST_TMPDIR/answers"
	# Go also takes the shorthands v1 and v1.2, which node-semver refuses;
	# otherwise the answers must be the same
	run compare_go_answers "$pairs" "$BATS_TEST_TMPDIR/answers"
	echo "$output" >&3
	[ "$status" -eq 0 ]
}
