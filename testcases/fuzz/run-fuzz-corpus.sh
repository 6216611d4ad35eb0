#!/bin/sh
# Runs every fuzz target over its seed corpus and over deterministic
# pseudo-random inputs (see doc/fuzzing.md).  A target aborts on any breach
# of its rules, which fails this test.
set -e

: "${top_builddir:=.}"
: "${top_srcdir:=.}"

# In a sanitizer build, leaks inside libconfig itself are not ours (see lsan.supp).
LSAN_OPTIONS="suppressions=$top_srcdir/testcases/fuzz/lsan.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
export LSAN_OPTIONS

"$top_builddir/testcases/fuzz/fuzz-proto" \
	"$top_srcdir/testcases/fuzz/corpus-proto" \
	--random 500 1

# The OBJ_IDX replay over its seed corpus and 300 pseudo-random inputs.
"$top_builddir/testcases/fuzz/fuzz-idx" \
	"$top_srcdir/testcases/fuzz/corpus-idx" \
	--random 300 1

# Object files and their attributes over the seed corpus and 300 pseudo-random inputs.
"$top_builddir/testcases/fuzz/fuzz-object" \
	"$top_srcdir/testcases/fuzz/corpus-object" \
	--random 300 1

# NVTOK.DAT and the master-key files over the seed corpus and 300 pseudo-random inputs.
"$top_builddir/testcases/fuzz/fuzz-mk" \
	"$top_srcdir/testcases/fuzz/corpus-mk" \
	--random 300 1

# The configuration loader over its seed corpus, the golden configurations
# and 300 pseudo-random inputs.
"$top_builddir/testcases/fuzz/fuzz-conf" \
	"$top_srcdir/testcases/fuzz/corpus-conf" \
	"$top_srcdir/testcases/config/good" \
	"$top_srcdir/testcases/config/bad" \
	--random 300 1

# DER conversions and EC parameters over the seed corpus and 300 pseudo-random inputs.
"$top_builddir/testcases/fuzz/fuzz-der" \
	"$top_srcdir/testcases/fuzz/corpus-der" \
	--random 300 1

# Object templates through the attribute rules over the seed corpus and 300 pseudo-random inputs.
"$top_builddir/testcases/fuzz/fuzz-template" \
	"$top_srcdir/testcases/fuzz/corpus-template" \
	--random 300 1
