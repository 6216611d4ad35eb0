#!/bin/sh
# GnuTLS's p11tool against a private openslot instance, the library named
# with --provider (no system registration): token and mechanism listings,
# key pairs generated through p11tool, public keys exported by pkcs11: URL
# and checked by OpenSSL against signatures made on the token, a key and
# certificate imported from files, objects renamed and deleted, random
# bytes, and a wrong PIN.
set -eu
. "$(dirname "$0")/instance.sh"
command -v p11tool >/dev/null || fail "p11tool is not installed (package gnutls-bin)"
command -v pkcs11-tool >/dev/null || fail "pkcs11-tool is not installed (package opensc)"
instance_start

work="$OSL_DIR/work"
mkdir -p "$work"
out="$work/out"

t() { timeout 60 $OSL_RUN pkcs11-tool --module "$OSL_LIB" "$@"; }

# Runs p11tool with its output in $out; a failure (or a hang) fails the test.
pt() {
	timeout 60 $OSL_RUN p11tool --provider "$OSL_LIB" "$@" >"$out" 2>&1 ||
		fail "p11tool $*: $(cat "$out")"
}

# Fails the test unless the last p11tool output contains $1.
shows() {
	grep -qF -- "$1" "$out" || fail "p11tool output lacks '$1': $(cat "$out")"
}

# Fails the test if the last p11tool output contains $1.
hides() {
	if grep -qF -- "$1" "$out"; then
		fail "p11tool output shows '$1': $(cat "$out")"
	fi
}

# Fails the test unless PEM files $1 and $2 hold the same public key.
same_key() {
	openssl pkey -pubin -in "$1" -outform DER -out "$1.der" || fail "unreadable key $1"
	openssl pkey -pubin -in "$2" -outform DER -out "$2.der" || fail "unreadable key $2"
	cmp -s "$1.der" "$2.der" || fail "$3"
}

# Fails the test unless openssl verifies signature $2 over $work/data with
# the public key in PEM file $1 (further arguments go to openssl dgst).
verified() {
	key=$1 sig=$2
	shift 2
	openssl dgst -sha256 -verify "$key" -signature "$sig" "$@" "$work/data" >"$work/v.out" 2>&1 ||
		fail "openssl does not verify $sig with $key: $(cat "$work/v.out")"
	grep -q "Verified OK" "$work/v.out" || fail "openssl: $(cat "$work/v.out")"
}

t --init-token --slot 0 --so-pin 87654321 --label interop >"$out" 2>&1 ||
	fail "init-token: $(cat "$out")"
t --init-pin --slot 0 --so-pin 87654321 --pin 123456 >"$out" 2>&1 ||
	fail "init-pin: $(cat "$out")"
GNUTLS_PIN=123456
export GNUTLS_PIN

# the token, its URL and its mechanisms
pt --list-tokens
shows "Label: interop"
shows "Manufacturer: openslot"
shows "Requires login"
pt --list-token-urls
shows "manufacturer=openslot"
tok=$(grep "token=interop" "$out" | head -n 1)
[ -n "$tok" ] || fail "no URL names the token: $(cat "$out")"
pt --list-mechanisms "$tok"
for m in CKM_RSA_PKCS_KEY_PAIR_GEN CKM_ECDSA_KEY_PAIR_GEN CKM_ECDSA CKM_SHA256_RSA_PKCS \
	CKM_RSA_PKCS_PSS CKM_EDDSA CKM_AES_GCM; do
	shows "$m"
done

# key pairs generated through p11tool; each prints its public key
pt --login --generate-privkey ecdsa --curve secp256r1 --label p11ec --id 0a \
	--outfile "$work/ec.gen.pem" "$tok"
pt --login --generate-privkey rsa --bits 2048 --label p11rsa --id 0c \
	--outfile "$work/rsa.gen.pem" "$tok"
openssl pkey -pubin -in "$work/ec.gen.pem" -noout -text >"$work/ec.txt" 2>&1 ||
	fail "generated EC public key unreadable: $(cat "$work/ec.txt")"
grep -q "prime256v1" "$work/ec.txt" || fail "generated EC key is not P-256: $(cat "$work/ec.txt")"
openssl pkey -pubin -in "$work/rsa.gen.pem" -noout -text >"$work/rsa.txt" 2>&1 ||
	fail "generated RSA public key unreadable: $(cat "$work/rsa.txt")"
grep -q "2048 bit" "$work/rsa.txt" ||
	fail "generated RSA key is not 2048 bits: $(cat "$work/rsa.txt")"

# logged in, both halves of each pair are listed; without login the private ones are not
pt --login --list-all "$tok"
shows "object=p11ec;type=private"
shows "object=p11ec;type=public"
shows "object=p11rsa;type=private"
shows "object=p11rsa;type=public"
shows "Private key (EC/ECDSA-SECP256R1)"
shows "Private key (RSA-2048)"
pt --list-all "$tok"
shows "object=p11ec;type=public"
hides "type=private"
pt --login --list-all-privkeys "$tok"
shows "object=p11ec;type=private"
shows "object=p11rsa;type=private"
hides "type=public"

# the public key exported through the private key's URL is the generated one
pt --login --export-pubkey --outfile "$work/ec.pem" "$tok;object=p11ec;type=private"
same_key "$work/ec.gen.pem" "$work/ec.pem" "exported EC public key differs from the generated one"
pt --login --export-pubkey --outfile "$work/rsa.pem" "$tok;object=p11rsa;type=private"
same_key "$work/rsa.gen.pem" "$work/rsa.pem" \
	"exported RSA public key differs from the generated one"
pt --export --outfile "$work/ec.obj.pem" "$tok;object=p11ec;type=public"
same_key "$work/ec.pem" "$work/ec.obj.pem" "public key object differs from the exported key"

# p11tool's own signing test: signs on the token, checks with the public key object
for key in p11ec p11rsa; do
	pt --login --test-sign "$tok;object=$key;type=private"
	shows "Verifying against private key parameters... ok"
	shows "Verifying against public key in the token... ok"
done
pt --login --test-sign --sign-params rsa-pss --hash sha384 "$tok;object=p11rsa;type=private"
shows "RSA-PSS-SHA384... ok"
shows "Verifying against public key in the token... ok"

# signatures made on the token, verified by openssl with the keys p11tool exported
printf 'signed through openslot\n' >"$work/data"
t --login --pin 123456 --sign --id 0a -m ECDSA-SHA256 --signature-format openssl \
	-i "$work/data" -o "$work/ec.sig" >"$out" 2>&1 || fail "ECDSA sign: $(cat "$out")"
verified "$work/ec.pem" "$work/ec.sig"
t --login --pin 123456 --sign --id 0c -m SHA256-RSA-PKCS \
	-i "$work/data" -o "$work/rsa.sig" >"$out" 2>&1 || fail "RSA sign: $(cat "$out")"
verified "$work/rsa.pem" "$work/rsa.sig"
t --login --pin 123456 --sign --id 0c -m SHA256-RSA-PKCS-PSS --mgf MGF1-SHA256 \
	-i "$work/data" -o "$work/pss.sig" >"$out" 2>&1 || fail "RSA-PSS sign: $(cat "$out")"
verified "$work/rsa.pem" "$work/pss.sig" -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:auto
printf 'other data\n' >>"$work/data"
if openssl dgst -sha256 -verify "$work/ec.pem" -signature "$work/ec.sig" "$work/data" \
	>/dev/null 2>&1; then
	fail "the ECDSA signature verifies over other data"
fi

# a key and certificate made by openssl, written to the token under one label
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$work/imp.key" 2>"$out" ||
	fail "openssl genpkey: $(cat "$out")"
openssl req -new -x509 -key "$work/imp.key" -subj /CN=imported -days 2 \
	-out "$work/imp.crt" 2>"$out" ||
	fail "openssl req: $(cat "$out")"
pt --login --write --load-privkey "$work/imp.key" --label imp --id 0b "$tok"
pt --login --write --load-certificate "$work/imp.crt" --label imp --id 0b "$tok"
openssl x509 -in "$work/imp.crt" -noout -pubkey >"$work/imp.pub"
pt --login --write --load-pubkey "$work/imp.pub" --label imp --id 0b "$tok"
pt --list-all-certs "$tok"
shows "object=imp;type=cert"
pt --login --list-certs "$tok"
shows "object=imp;type=cert"
pt --export --outfile "$work/imp.back.crt" "$tok;object=imp;type=cert"
openssl x509 -in "$work/imp.crt" -outform DER -out "$work/imp.der"
openssl x509 -in "$work/imp.back.crt" -outform DER -out "$work/imp.back.der"
cmp -s "$work/imp.der" "$work/imp.back.der" || fail "certificate read back differs"
pt --login --test-sign "$tok;object=imp;type=private"
shows "Verifying against private key parameters... ok"
shows "Verifying against public key in the token... ok"
printf 'signed by an imported key\n' >"$work/data"
t --login --pin 123456 --sign --id 0b -m ECDSA-SHA256 --signature-format openssl \
	-i "$work/data" -o "$work/imp.sig" >"$out" 2>&1 || fail "sign with imported key: $(cat "$out")"
verified "$work/imp.pub" "$work/imp.sig"
pt --login --info "$tok;object=imp;type=private"
shows "Label: imp"
shows "ID: 0b"

# rename, then delete
pt --login --set-label p11rsa-pub "$tok;object=p11rsa;type=public"
pt --list-all "$tok"
shows "object=p11rsa-pub;type=public"
hides "object=p11rsa;type=public"
pt --login --batch --delete "$tok;object=p11rsa-pub;type=public"
shows "1 objects deleted"
pt --login --batch --delete "$tok;object=imp;type=cert"
pt --login --list-all "$tok"
hides "object=p11rsa-pub"
hides "type=cert"
shows "object=p11rsa;type=private"

# random bytes from the token
pt --generate-random 32 --outfile "$work/rnd1" "$tok"
pt --generate-random 32 --outfile "$work/rnd2" "$tok"
[ "$(wc -c <"$work/rnd1")" -eq 32 ] || fail "generate-random did not give 32 bytes"
if cmp -s "$work/rnd1" "$work/rnd2"; then
	fail "two random draws are equal"
fi

# a wrong PIN is refused, and the right one still works after it
if GNUTLS_PIN=000000 timeout 60 $OSL_RUN p11tool --provider "$OSL_LIB" --login --list-all \
	"$tok" >"$out" 2>&1; then
	fail "wrong PIN accepted: $(cat "$out")"
fi
grep -qi "wrong pin" "$out" || fail "wrong PIN not reported as such: $(cat "$out")"
pt --login --list-all-privkeys "$tok"
shows "object=p11ec;type=private"
echo "p11tool interoperability: ok"
