#!/bin/sh
# Runs the protocol fuzz target over its seed corpus and over 500
# deterministic pseudo-random inputs.  The target aborts on any breach of the
# codec's rules, which fails this test.
set -e

: "${top_builddir:=.}"
: "${top_srcdir:=.}"

"$top_builddir/testcases/fuzz/fuzz-proto" \
	"$top_srcdir/testcases/fuzz/corpus-proto" \
	--random 500 1
