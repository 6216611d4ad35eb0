#!/bin/sh
# Builds the fuzz targets for libFuzzer with clang, compiling the sources
# each target needs with the fuzzer and sanitizer instrumentation.
#
#   build-libfuzzer.sh SRCDIR BUILDDIR OUTDIR
#
# SRCDIR is the top of the source tree, BUILDDIR a configured build
# directory (for config.h); OUTDIR receives one program per target.  Run one with, for example:
#   OUTDIR/fuzz-idx -max_total_time=60 corpus-new SRCDIR/testcases/fuzz/corpus-idx
set -e

src=${1:?source directory}
build=${2:?build directory}
out=${3:?output directory}
cc=${CC:-clang}
flags="-g -O1 -fsanitize=fuzzer,address,undefined -DHAVE_CONFIG_H"
inc="-I$build -I$src/usr/include -I$src/usr/lib/common -I$src/usr/lib/tokens/common -I$src/usr/lib/tokens/common/der -I$src/usr/lib/tokens/common/objects -I$src/usr/lib/tokens/common/rules -I$src/usr/lib/tokens/common/store -I$src/usr/lib/tokens/common/token $(pkg-config --cflags p11-kit-1)"
mkdir -p "$out"

common="$src/usr/lib/common/proto.c $src/usr/lib/common/buf.c $src/usr/lib/common/htab.c"
$cc $flags $inc "$src/testcases/fuzz/fuzz-proto.c" $common -o "$out/fuzz-proto"

tok=$src/usr/lib/tokens/common
$cc $flags $inc "$src/testcases/fuzz/fuzz-idx.c" "$tok/store/store_idx.c" "$tok/store/store_file.c" \
	"$tok/store/store_crc.c" "$tok/store/store_aead.c" "$tok/store/store_crypt.c" $common \
	"$src/usr/lib/common/log.c" \
	-o "$out/fuzz-idx" -lcrypto

$cc $flags $inc "$src/testcases/fuzz/fuzz-object.c" "$tok/objects/attrs.c" "$tok/objects/attrs_codec.c" \
	"$tok/store/store_file.c" "$tok/store/store_aead.c" "$tok/store/store_crypt.c" $common \
	-o "$out/fuzz-object" -lcrypto

$cc $flags $inc "$src/testcases/fuzz/fuzz-mk.c" "$tok/store/store_mk.c" "$tok/store/store_kdf.c" \
	"$tok/store/store_file.c" "$tok/store/store_aead.c" "$tok/store/store_crypt.c" $common \
	-o "$out/fuzz-mk" -lcrypto -largon2

$cc $flags $inc "$src/testcases/fuzz/fuzz-conf.c" "$src/usr/lib/common/conf.c" \
	"$src/usr/lib/common/log.c" $common -o "$out/fuzz-conf" $(pkg-config --libs libconfig)

soft=$src/usr/lib/tokens/soft
$cc $flags $inc -I"$soft" "$src/testcases/fuzz/fuzz-der.c" "$tok/der/der.c" "$soft/ec_curves.c" \
	-o "$out/fuzz-der" -lcrypto

rules=$tok/rules
$cc $flags $inc "$src/testcases/fuzz/fuzz-template.c" "$rules/rules.c" "$rules/rules_check.c" \
	"$rules/rules_table.c" "$tok/objects/attrs.c" $common -o "$out/fuzz-template"
