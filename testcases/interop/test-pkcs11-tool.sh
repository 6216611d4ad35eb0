#!/bin/sh
# OpenSC's pkcs11-tool against a private openslot instance: token set-up,
# its self test, key generation, signatures checked by OpenSSL outside the
# token, and objects written, read and deleted.
set -eu
. "$(dirname "$0")/instance.sh"
command -v pkcs11-tool >/dev/null || fail "pkcs11-tool is not installed (package opensc)"
instance_start

t() { $OSL_RUN pkcs11-tool --module "$OSL_LIB" "$@"; }
work="$OSL_DIR/work"
mkdir -p "$work"

t --init-token --slot 0 --so-pin 87654321 --label "interop" >"$work/init.out" 2>&1 ||
	fail "init-token: $(cat "$work/init.out")"
t --init-pin --slot 0 --so-pin 87654321 --pin 123456 >"$work/initpin.out" 2>&1 ||
	fail "init-pin: $(cat "$work/initpin.out")"
t --list-token-slots | grep -q "interop" || fail "token label not shown"

# the mechanism list names the families
t --list-mechanisms --slot 0 >"$work/mechs.out"
for m in RSA-PKCS-KEY-PAIR-GEN ECDSA SHA256 AES-CBC; do
	grep -q "$m" "$work/mechs.out" || fail "mechanism $m missing"
done

# pkcs11-tool's self test (its exit status ignores errors: read the summary)
t --test --login --pin 123456 --slot 0 >"$work/test.out" 2>&1 || true
grep -q "No errors" "$work/test.out" || fail "pkcs11-tool --test: $(tail -20 "$work/test.out")"

# RSA and EC key pairs, signatures verified by openssl with the exported public key
t --login --pin 123456 --keypairgen --key-type rsa:2048 --id 01 --label rsa1 >/dev/null
t --login --pin 123456 --keypairgen --key-type EC:prime256v1 --id 02 --label ec1 >/dev/null
printf 'data to be signed\n' >"$work/data"
t --login --pin 123456 --sign --id 01 -m SHA256-RSA-PKCS -i "$work/data" -o "$work/rsa.sig"
t --read-object --type pubkey --id 01 -o "$work/rsa.der"
openssl pkey -pubin -inform DER -in "$work/rsa.der" -out "$work/rsa.pem"
openssl dgst -sha256 -verify "$work/rsa.pem" -signature "$work/rsa.sig" "$work/data" |
	grep -q "Verified OK" || fail "openssl does not verify the RSA signature"
t --login --pin 123456 --sign --id 02 -m ECDSA-SHA256 --signature-format openssl \
	-i "$work/data" -o "$work/ec.sig"
t --read-object --type pubkey --id 02 -o "$work/ec.der"
openssl pkey -pubin -inform DER -in "$work/ec.der" -out "$work/ec.pem"
openssl dgst -sha256 -verify "$work/ec.pem" -signature "$work/ec.sig" "$work/data" |
	grep -q "Verified OK" || fail "openssl does not verify the ECDSA signature"

# a tampered message must not verify inside the token either
printf 'other data\n' >"$work/other"
if t --login --pin 123456 --verify --id 01 -m SHA256-RSA-PKCS -i "$work/other" \
	--signature-file "$work/rsa.sig" 2>&1 | grep -q "Signature is valid"; then
	fail "a signature over other data verified"
fi

# encryption: openssl encrypts to the token's RSA key, the token decrypts
openssl pkeyutl -encrypt -pubin -inkey "$work/rsa.pem" -in "$work/data" -out "$work/enc"
t --login --pin 123456 --decrypt --id 01 -m RSA-PKCS -i "$work/enc" -o "$work/dec"
cmp -s "$work/data" "$work/dec" || fail "RSA decryption gave other bytes"

# data objects: write, read back, delete
printf 'payload' >"$work/obj"
t --login --pin 123456 --write-object "$work/obj" --type data --label blob >/dev/null
t --login --pin 123456 --read-object --type data --label blob -o "$work/obj.back"
cmp -s "$work/obj" "$work/obj.back" || fail "data object read back differs"
t --login --pin 123456 --delete-object --type data --label blob >/dev/null
if t --login --pin 123456 --list-objects --type data 2>/dev/null | grep -q blob; then
	fail "deleted object still listed"
fi

# the keys are on the token: another process sees them
t --login --pin 123456 --list-objects >"$work/objects.out"
grep -q "rsa1" "$work/objects.out" || fail "rsa1 not listed"
grep -q "ec1" "$work/objects.out" || fail "ec1 not listed"

# a wrong PIN is refused
if t --login --pin 000000 --list-objects >/dev/null 2>&1; then
	fail "wrong PIN accepted"
fi
echo "pkcs11-tool interoperability: ok"
