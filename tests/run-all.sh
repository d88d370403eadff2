#!/bin/bash
# Run ward's tests and print one closing line: "N passed, M failed, K skipped".
#   tests/run-all.sh [unit|e2e|fuzz]...   (default: all three)
# Unit tests and fuzzers are the sanitizer builds from `make test-build`.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
suites=("$@")
[ ${#suites[@]} -eq 0 ] && suites=(unit e2e fuzz)
FUZZ_SECONDS=${FUZZ_SECONDS:-10}
logdir=${WARD_TEST_LOGDIR:-$top/build/test-logs}
mkdir -p "$logdir"
pass=0 fail=0 skip=0
failed_names=()

# Count TAP lines from a file: "ok", "not ok", "# skip".
count_tap() {
	local file=$1 name=$2 p f s
	# cmocka reports a skipped test as "not ok N # SKIP", bats as "ok N # skip".
	p=$(grep -Ei '^ok [0-9]+' "$file" | grep -Evci '# skip' || true)
	s=$(grep -Ei '^(not )?ok [0-9]+' "$file" | grep -Eci '# skip' || true)
	f=$(grep -Ei '^not ok [0-9]+' "$file" | grep -Evci '# skip' || true)
	pass=$((pass + p)) skip=$((skip + s)) fail=$((fail + f))
	if [ "$f" -gt 0 ]; then
		failed_names+=("$name")
		# Each failure with the diagnostics bats prints after it (the
		# lines starting with "#"), so a CI log alone shows why.
		awk -v n="$name" '
			/^(not )?ok [0-9]+/ { show = ($1 == "not" && tolower($0) !~ /# skip/); lines = 0 }
			show && lines++ < 25 { print "  " n ": " $0 }' "$file"
	fi
}

run_unit() {
	local t name log rc
	export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
	export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
	for t in build/test/unit/test_*; do
		[ -x "$t" ] || continue
		name=unit/$(basename "$t")
		log=$logdir/$(basename "$t").tap
		CMOCKA_MESSAGE_OUTPUT=TAP timeout 300 "$t" >"$log" 2>&1
		rc=$?
		count_tap "$log" "$name"
		# A crash or sanitizer report after the TAP lines is a failure too.
		if [ $rc -ne 0 ] && ! grep -Ei '^not ok' "$log" | grep -Evqi '# skip'; then
			fail=$((fail + 1))
			failed_names+=("$name (exit $rc)")
			echo "  $name: exited $rc"; tail -20 "$log" | sed 's/^/    /'
		fi
		echo "unit: $(basename "$t") done"
	done
}

run_e2e() {
	local log=$logdir/e2e.tap files=()
	if ! command -v bats >/dev/null; then
		echo "e2e: bats missing"; fail=$((fail + 1)); return
	fi
	for f in tests/e2e/*.bats; do files+=("$f"); done
	[ ${#files[@]} -eq 0 ] && return
	# Leak checking of a runtime that forks into namespaces and execs is
	# noise; ASan and UBSan still abort on memory errors.
	ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=halt_on_error=1 \
		timeout 1200 bats --tap "${files[@]}" >"$log" 2>&1
	count_tap "$log" e2e
	echo "e2e: done ($(grep -c '^ok' "$log") ok lines)"
}

run_fuzz() {
	local f name corpus work log
	for f in build/fuzz/fuzz_*; do
		[ -x "$f" ] || continue
		name=$(basename "$f")
		corpus=tests/fuzz/corpus/${name#fuzz_}
		work=$(mktemp -d)
		log=$logdir/$name.log
		# New inputs go to a scratch dir; the committed seeds stay as they are.
		if timeout $((FUZZ_SECONDS + 60)) "$f" -max_total_time="$FUZZ_SECONDS" \
			-rss_limit_mb=2048 -timeout=10 "$work" ${corpus:+$( [ -d "$corpus" ] && echo "$corpus")} \
			>"$log" 2>&1; then
			pass=$((pass + 1))
			echo "fuzz: $name ok"
		else
			fail=$((fail + 1))
			failed_names+=("fuzz/$name")
			echo "fuzz: $name FAILED"; tail -30 "$log" | sed 's/^/    /'
		fi
		rm -rf "$work"
	done
}

for s in "${suites[@]}"; do
	t0=$SECONDS
	case $s in
	unit) run_unit ;;
	e2e) run_e2e ;;
	fuzz) run_fuzz ;;
	*) echo "unknown suite $s" >&2; exit 2 ;;
	esac
	echo "$s: $((SECONDS - t0)) s"
done

if [ ${#failed_names[@]} -gt 0 ]; then
	echo "failed: ${failed_names[*]}"
fi
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
