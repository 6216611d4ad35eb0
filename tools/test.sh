#!/bin/sh
# Runs every test: a normal build and a sanitizer build (ASan + UBSan), each
# from scratch in its own directory, plus the formatting check, valgrind,
# the fuzz targets under libFuzzer and make distcheck.  Ends with one
# summary line.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
sh tools/deps.sh
autoreconf -fi >/dev/null 2>&1
jobs=$(nproc)
status=0
summary=""

run_build() {
	name=$1
	shift
	dir="$top/build-test-$name"
	rm -rf "$dir"
	mkdir -p "$dir"
	if (cd "$dir" && "$top/configure" --enable-strict "$@" >/dev/null &&
		make -j"$jobs" >/dev/null && make -j"$jobs" check) >"$dir.log" 2>&1; then
		rc=0
	else
		rc=1
	fi
	grep -E '^# (TOTAL|PASS|FAIL|ERROR|XFAIL|SKIP)' "$dir/test-suite.log" 2>/dev/null | tr '\n' ' ' || true
	echo
	if [ $rc -ne 0 ]; then
		echo "---- $name build/test failed; tail of $dir.log:"
		tail -n 60 "$dir.log"
		for f in $(find "$dir" -name '*.log' -newer "$dir/config.status" 2>/dev/null | grep -v test-suite.log); do
			grep -qE '^(FAIL|ERROR)' "${f%.log}.trs" 2>/dev/null && { echo "---- $f"; tail -n 80 "$f"; }
		done
		status=1
		summary="$summary $name=FAIL"
	else
		summary="$summary $name=ok"
	fi
}

echo "== format check"
if (cd "$top" && for f in $(git ls-files '*.c' '*.h'); do
	clang-format --style=file "$f" | cmp -s - "$f" || { echo "needs formatting: $f"; exit 1; }
done); then
	summary="$summary format=ok"
else
	status=1
	summary="$summary format=FAIL"
fi
echo "== normal build"
run_build normal
echo "== valgrind: slotd and the library (functional tests)"
if (cd "$top/build-test-normal" && top_builddir=. \
	OPENSLOT_TEST_WRAPPER="valgrind -q --vgdb=no --error-exitcode=70 --leak-check=full --errors-for-leak-kinds=definite" \
	./testcases/func/test-slotd &&
	valgrind -q --vgdb=no --error-exitcode=70 --leak-check=full --errors-for-leak-kinds=definite \
		./testcases/func/test-api) >"$top/build-test-valgrind.log" 2>&1; then
	summary="$summary valgrind=ok"
else
	tail -n 60 "$top/build-test-valgrind.log"
	status=1
	summary="$summary valgrind=FAIL"
fi
echo "== sanitizer build (ASan + UBSan)"
run_build sanitizers --enable-sanitizers
# Every fuzz target built for libFuzzer (clang) and run for a few seconds
# from its seed corpus; new inputs go to a temporary directory, a crash or a
# leak fails the stage (see doc/fuzzing.md).
echo "== libFuzzer: every fuzz target for a few seconds"
if (lf="$top/build-test-libfuzzer" && rm -rf "$lf" &&
	sh testcases/fuzz/build-libfuzzer.sh "$top" "$top/build-test-normal" "$lf" &&
	for prog in "$lf"/fuzz-*; do
		t=${prog##*/fuzz-}
		work=$(mktemp -d)
		echo "---- fuzz-$t"
		LSAN_OPTIONS="suppressions=$top/testcases/fuzz/lsan.supp:print_suppressions=0" \
			"$prog" -max_total_time=8 -print_final_stats=1 -artifact_prefix="$lf/" \
			"$work" "$top/testcases/fuzz/corpus-$t" || { rm -rf "$work"; exit 1; }
		rm -rf "$work"
	done) >"$top/build-test-libfuzzer.log" 2>&1; then
	summary="$summary libfuzzer=ok"
else
	tail -n 60 "$top/build-test-libfuzzer.log"
	status=1
	summary="$summary libfuzzer=FAIL"
fi
# The release tarball: builds out of a read-only source tree, installs and
# uninstalls cleanly; the suite has run twice above, so the tarball's build
# runs the unit tests and one functional test.
echo "== make distcheck"
if (cd "$top/build-test-normal" && make distcheck TESTS="testcases/unit/test-conf \
	testcases/unit/test-store testcases/unit/test-rules testcases/func/test-api") \
	>"$top/build-test-distcheck.log" 2>&1; then
	summary="$summary distcheck=ok"
else
	tail -n 60 "$top/build-test-distcheck.log"
	status=1
	summary="$summary distcheck=FAIL"
fi

if [ $status -eq 0 ]; then
	echo "SUMMARY: all tests passed ($summary )"
else
	echo "SUMMARY: FAILED ($summary )"
fi
exit $status
