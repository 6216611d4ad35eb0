#!/bin/sh
# A one-second run of os-bench against a private openslot instance: every
# measurement runs once, briefly, and the report must come out whole.  The
# real figures come from compare.sh (see doc/performance.md).
set -eu
. "$(dirname "$0")/../interop/instance.sh"
instance_start

bench="$top_builddir/testcases/perf/os-bench"
out="$OSL_DIR/bench.out"
$OSL_RUN "$bench" --module "$OSL_LIB" --slot 0 --init --seconds 0.05 --quick \
	>"$out" 2>"$OSL_DIR/bench.err" ||
	fail "os-bench exited $?: $(tail -20 "$OSL_DIR/bench.err")"
grep -q '^| operation | ops/s | MB/s | OpenSSL ops/s | ratio |$' "$out" ||
	fail "no operations table: $(cat "$out")"
for row in "open+close session" "ECDSA P-256 sign ECDSA (hash)" "SHA-256 1 MiB" \
	"3DES-CBC encrypt 8 KiB" "2 threads" "2 processes"; do
	grep -q "^| $row |" "$out" || fail "row '$row' missing"
done
for row in "ECDSA brainpoolP256r1 sign ECDSA (hash)" "DH ffdhe2048 derive DH_PKCS_DERIVE" \
	"P-256 key pair generation (and destroy)"; do
	grep -q "^| $row | [0-9]" "$out" || fail "row '$row' missing or not measured"
done
grep -q '^| 100 |' "$out" || fail "no token object row"
grep -q '^| HKDF-SHA256 derive 32 B key |' "$out" || fail "no HKDF row"
echo "os-bench smoke run: ok"
