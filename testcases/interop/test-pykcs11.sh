#!/bin/sh
# PyKCS11 against a private openslot instance: pykcs11_check.py drives the
# token and checks its results with Python's `cryptography`; here the
# openssl command line checks a signature it left behind, and pkcs11-tool,
# another process, sees the keys it made.
set -eu
. "$(dirname "$0")/instance.sh"
# Debian's modules live in the system interpreter, not in one found on PATH.
py=/usr/bin/python3
command -v pkcs11-tool >/dev/null || fail "pkcs11-tool is not installed (package opensc)"
"$py" -c "import PyKCS11" 2>/dev/null || fail "PyKCS11 is missing (package python3-pykcs11)"
"$py" -c "import cryptography" 2>/dev/null ||
	fail "cryptography is missing (package python3-cryptography)"
instance_start

work="$OSL_DIR/work"
mkdir -p "$work"
out="$work/out"

t() { timeout 60 $OSL_RUN pkcs11-tool --module "$OSL_LIB" "$@"; }

t --init-token --slot 0 --so-pin 87654321 --label interop >"$out" 2>&1 ||
	fail "init-token: $(cat "$out")"
t --init-pin --slot 0 --so-pin 87654321 --pin 123456 >"$out" 2>&1 ||
	fail "init-pin: $(cat "$out")"

timeout 120 $OSL_RUN "$py" "$(dirname "$0")/pykcs11_check.py" "$OSL_LIB" "$work" >"$out" 2>&1 ||
	fail "pykcs11_check.py: $(cat "$out")"
grep -q "PyKCS11 checks: ok" "$out" || fail "pykcs11_check.py: $(cat "$out")"

# the signature the token made, checked by the openssl command line
openssl dgst -sha256 -verify "$work/rsa.pem" -signature "$work/rsa.sig" "$work/data" >"$out" 2>&1 ||
	fail "openssl does not verify the PyKCS11 signature: $(cat "$out")"
grep -q "Verified OK" "$out" || fail "openssl: $(cat "$out")"

# the token keys outlive the Python process and show in another client
t --login --pin 123456 --list-objects >"$out" 2>&1 || fail "list-objects: $(cat "$out")"
for label in py-rsa py-ec; do
	[ "$(grep -c "label: *$label\$" "$out")" -eq 2 ] ||
		fail "key pair $label not listed twice: $(cat "$out")"
done
if grep -q "py-import\|py-aes\|py-data" "$out"; then
	fail "session or destroyed objects outlived the Python process: $(cat "$out")"
fi
t --read-object --type pubkey --id 71 -o "$work/rsa.der" >"$out" 2>&1 ||
	fail "read py-rsa public key: $(cat "$out")"
openssl pkey -pubin -in "$work/rsa.pem" -outform DER -out "$work/rsa.py.der"
cmp -s "$work/rsa.der" "$work/rsa.py.der" || fail "pkcs11-tool reads another py-rsa public key"
echo "PyKCS11 interoperability: ok"
