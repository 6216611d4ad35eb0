#!/bin/sh
# OpenSSL's pkcs11 engine (libp11) against a private openslot instance: keys
# made on the token by pkcs11-tool are used through pkcs11: URLs to sign, to
# decrypt, to derive and to issue a self-signed certificate; the openssl
# command line checks every result outside the token, without the engine.
set -eu
. "$(dirname "$0")/instance.sh"
command -v pkcs11-tool >/dev/null || fail "pkcs11-tool is not installed (package opensc)"
enginedir=$(openssl version -e | sed -n 's/^ENGINESDIR: "\(.*\)"$/\1/p')
[ -f "$enginedir/pkcs11.so" ] ||
	fail "no pkcs11 engine in '$enginedir' (package libengine-pkcs11-openssl)"
instance_start

work="$OSL_DIR/work"
mkdir -p "$work"
out="$work/out"
tok="pkcs11:token=interop"
pin="pin-value=123456"

# The engine is loaded by a configuration of its own that names our library.
cat >"$work/openssl.cnf" <<CNF
openssl_conf = openssl_init

[openssl_init]
engines = engine_section

[engine_section]
pkcs11 = pkcs11_section

[pkcs11_section]
engine_id = pkcs11
dynamic_path = $enginedir/pkcs11.so
MODULE_PATH = $OSL_LIB
init = 0

[req]
distinguished_name = req_dn
prompt = no

[req_dn]
CN = unused
CNF

t() { timeout 60 $OSL_RUN pkcs11-tool --module "$OSL_LIB" "$@"; }

# openssl with the engine (our library in the process), output in $out.
eng() {
	OPENSSL_CONF="$work/openssl.cnf" timeout 60 $OSL_RUN openssl "$@" >"$out" 2>&1 ||
		fail "openssl $* (with the pkcs11 engine): $(cat "$out")"
}

# Plain openssl, output in $out.
ossl() {
	openssl "$@" >"$out" 2>&1 || fail "openssl $*: $(cat "$out")"
}

# Fails the test unless the last output contains $1.
shows() {
	grep -qF -- "$1" "$out" || fail "output lacks '$1': $(cat "$out")"
}

t --init-token --slot 0 --so-pin 87654321 --label interop >"$out" 2>&1 ||
	fail "init-token: $(cat "$out")"
t --init-pin --slot 0 --so-pin 87654321 --pin 123456 >"$out" 2>&1 ||
	fail "init-pin: $(cat "$out")"
t --login --pin 123456 --keypairgen --key-type rsa:2048 --id 01 --label ersa >"$out" 2>&1 ||
	fail "RSA key generation: $(cat "$out")"
t --login --pin 123456 --keypairgen --key-type EC:prime256v1 --id 02 --label eec >"$out" 2>&1 ||
	fail "EC key generation: $(cat "$out")"

eng engine pkcs11 -t
shows "[ available ]"

printf 'signed through the pkcs11 engine\n' >"$work/data"
printf 'other data\n' >"$work/other"

# One key pair: public key, signature, certificate.  $1 label, $2 id,
# $3 what `openssl x509 -text` says of the key.
check_pair() {
	label=$1 id=$2 keytext=$3
	priv="$tok;object=$label;type=private;$pin"

	# the public key through the engine equals the one pkcs11-tool reads
	eng pkey -engine pkcs11 -pubin -inform engine -in "$tok;object=$label;type=public" \
		-pubout -out "$work/$label.pem"
	t --read-object --type pubkey --id "$id" -o "$work/$label.p11.der" >"$out" 2>&1 ||
		fail "read public key $label: $(cat "$out")"
	ossl pkey -pubin -in "$work/$label.pem" -outform DER -out "$work/$label.der"
	cmp -s "$work/$label.der" "$work/$label.p11.der" ||
		fail "engine and pkcs11-tool give other public keys for $label"

	# a signature made through the engine verifies without it, and only over its data
	eng dgst -engine pkcs11 -keyform engine -sign "$priv" -sha256 \
		-out "$work/$label.sig" "$work/data"
	ossl dgst -sha256 -verify "$work/$label.pem" -signature "$work/$label.sig" "$work/data"
	shows "Verified OK"
	if openssl dgst -sha256 -verify "$work/$label.pem" -signature "$work/$label.sig" \
		"$work/other" >/dev/null 2>&1; then
		fail "$label signature verifies over other data"
	fi

	# a self-signed certificate issued with the token key
	eng req -new -x509 -engine pkcs11 -keyform engine -key "$priv" -sha256 -days 1 \
		-subj "/CN=openslot $label" -out "$work/$label.crt"
	ossl x509 -in "$work/$label.crt" -noout -text
	shows "Subject: CN = openslot $label"
	shows "$keytext"
	ossl verify -CAfile "$work/$label.crt" "$work/$label.crt"
	shows "$label.crt: OK"
	ossl x509 -in "$work/$label.crt" -noout -pubkey -out "$work/$label.crt.pub"
	ossl pkey -pubin -in "$work/$label.crt.pub" -outform DER -out "$work/$label.crt.der"
	cmp -s "$work/$label.der" "$work/$label.crt.der" ||
		fail "certificate of $label carries another public key"
}

check_pair ersa 01 "Public-Key: (2048 bit)"
check_pair eec 02 "NIST CURVE: P-256"

# RSA-PSS signature through the engine
eng dgst -engine pkcs11 -keyform engine -sign "$tok;object=ersa;type=private;$pin" -sha256 \
	-sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:32 -out "$work/pss.sig" "$work/data"
ossl dgst -sha256 -verify "$work/ersa.pem" -signature "$work/pss.sig" \
	-sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:32 "$work/data"
shows "Verified OK"

# decryption on the token of what openssl encrypted to its public key
for pad in pkcs1 oaep; do
	ossl pkeyutl -encrypt -pubin -inkey "$work/ersa.pem" -pkeyopt rsa_padding_mode:$pad \
		-in "$work/data" -out "$work/enc.$pad"
	eng pkeyutl -engine pkcs11 -keyform engine -decrypt -inkey "$tok;object=ersa;type=private;$pin" \
		-pkeyopt rsa_padding_mode:$pad -in "$work/enc.$pad" -out "$work/dec.$pad"
	cmp -s "$work/data" "$work/dec.$pad" || fail "RSA $pad decryption through the engine differs"
done

# ECDH: the token derives with a peer's public key what the peer derives with the token's
ossl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$work/peer.key"
ossl pkey -in "$work/peer.key" -pubout -out "$work/peer.pem"
eng pkeyutl -engine pkcs11 -keyform engine -derive -inkey "$tok;object=eec;type=private;$pin" \
	-peerkey "$work/peer.pem" -out "$work/shared.token"
ossl pkeyutl -derive -inkey "$work/peer.key" -peerkey "$work/eec.pem" -out "$work/shared.peer"
[ "$(wc -c <"$work/shared.token")" -eq 32 ] || fail "ECDH secret is not 32 bytes"
cmp -s "$work/shared.token" "$work/shared.peer" || fail "ECDH secrets differ"

# a wrong PIN in the URL is refused
if OPENSSL_CONF="$work/openssl.cnf" timeout 60 $OSL_RUN openssl dgst -engine pkcs11 \
	-keyform engine -sign "$tok;object=ersa;type=private;pin-value=000000" -sha256 \
	-out "$work/bad.sig" "$work/data" </dev/null >"$out" 2>&1; then
	fail "signature with a wrong PIN: $(cat "$out")"
fi
echo "OpenSSL pkcs11 engine interoperability: ok"
