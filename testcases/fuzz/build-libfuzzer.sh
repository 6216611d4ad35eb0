#!/bin/sh
# Builds the fuzz targets for libFuzzer with clang, from a configured build
# directory whose libraries were built with the same compiler flags.
#
#   build-libfuzzer.sh SRCDIR OUTDIR
#
# SRCDIR is the top of the source tree; OUTDIR receives fuzz-proto and
# fuzz-idx.  Run one with, for example:
#   OUTDIR/fuzz-idx -max_total_time=60 corpus-new SRCDIR/testcases/fuzz/corpus-idx
set -e

src=${1:?source directory}
out=${2:?output directory}
cc=${CC:-clang}
flags="-g -O1 -fsanitize=fuzzer,address,undefined -DHAVE_CONFIG_H"
inc="-I$out -I$src/include -I$src/usr/lib/common -I$src/usr/lib/tokens/common"
mkdir -p "$out"

common="$src/usr/lib/common/proto.c $src/usr/lib/common/buf.c"
$cc $flags $inc "$src/testcases/fuzz/fuzz-proto.c" $common -o "$out/fuzz-proto"

tok=$src/usr/lib/tokens/common
$cc $flags $inc "$src/testcases/fuzz/fuzz-idx.c" "$tok/store_idx.c" "$tok/store_file.c" \
	"$tok/store_crc.c" $common "$(ls "$src"/usr/lib/common/log*.c 2>/dev/null | head -1)" \
	-o "$out/fuzz-idx" -lcrypto
