#!/bin/sh
# OpenSC's pkcs11-tool on the tpm slot of a private openslot instance, its
# TPM a private swtpm: token set-up with pkcsconf, the mechanism list, key
# pairs made in the TPM, pkcs11-tool's self test, and signatures checked by
# OpenSSL outside the token.
set -eu
. "$(dirname "$0")/instance.sh"
command -v pkcs11-tool >/dev/null || fail "pkcs11-tool is not installed (package opensc)"
command -v swtpm >/dev/null || fail "swtpm is not installed (package swtpm)"

OSL_DIR=$(mktemp -d /tmp/osl-interop-XXXXXX)
swtpm_stop() {
	if [ -f "$OSL_DIR/swtpm.pid" ]; then
		kill "$(cat "$OSL_DIR/swtpm.pid")" 2>/dev/null || true
	fi
	instance_stop
}
trap swtpm_stop EXIT

# A free port pair: swtpm refuses to start on a port in use, so try others.
mkdir -p "$OSL_DIR/swtpm"
port=
for try in 1 2 3 4 5 6 7 8 9 10; do
	p=$(od -An -N2 -tu2 /dev/urandom | awk '{print 20000 + $1 % 40000}')
	if swtpm socket --tpm2 --tpmstate dir="$OSL_DIR/swtpm" \
		--server type=tcp,port="$p" --ctrl type=tcp,port=$((p + 1)) \
		--flags not-need-init,startup-clear --daemon --pid file="$OSL_DIR/swtpm.pid" \
		2>/dev/null; then
		port=$p
		break
	fi
done
[ -n "$port" ] || fail "swtpm does not start"

cat >"$OSL_DIR/openslot.conf" <<CONF
run-dir = "run"; lock-dir = "lock"; data-dir = "data"; log-dir = "log";
group = "$(id -gn)";
slots = (
  { id = 1; backend = "tpm"; token = "tpm";
    options = { tcti = "swtpm:host=127.0.0.1,port=$port"; pin-kdf-memory = "64"; pin-kdf-time = "1"; }; }
);
CONF
chmod 0644 "$OSL_DIR/openslot.conf"
export OPENSLOT_CONF="$OSL_DIR/openslot.conf"
export OPENSLOT_TOKEN_DIR="$top_builddir/.libs"
"$OSL_SLOTD" -c "$OPENSLOT_CONF"

t() { $OSL_RUN pkcs11-tool --module "$OSL_LIB" --slot 1 "$@"; }
pcf() { $OSL_RUN "$top_builddir/pkcsconf" --module "$OSL_LIB" "$@"; }
work="$OSL_DIR/work"
mkdir -p "$work"

pcf -I -c 1 -L tpm-interop -S 87654321 >"$work/init.out" 2>&1 || fail "pkcsconf -I: $(cat "$work/init.out")"
pcf -u -c 1 -S 87654321 -n 123456 >"$work/initpin.out" 2>&1 || fail "pkcsconf -u: $(cat "$work/initpin.out")"
pcf -t -c 1 >"$work/info.out"
grep -q "tpm-interop" "$work/info.out" || fail "pkcsconf -t: $(cat "$work/info.out")"
grep -q "Model: TPM 2.0" "$work/info.out" || fail "pkcsconf -t: $(cat "$work/info.out")"

t --list-mechanisms >"$work/mechs.out"
for m in RSA-PKCS-KEY-PAIR-GEN RSA-PKCS-OAEP SHA256-RSA-PKCS ECDSA-KEY-PAIR-GEN ECDSA-SHA256; do
	grep -q "$m" "$work/mechs.out" || fail "mechanism $m missing"
done

t --login --pin 123456 --keypairgen --key-type rsa:2048 --id 01 --label rsa1 >/dev/null
t --login --pin 123456 --keypairgen --key-type EC:prime256v1 --id 02 --label ec1 >/dev/null

# pkcs11-tool's self test (its exit status ignores errors: read the summary)
t --test --login --pin 123456 >"$work/test.out" 2>&1 || true
grep -q "No errors" "$work/test.out" || fail "pkcs11-tool --test: $(tail -20 "$work/test.out")"

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

# the private keys are sensitive and never extractable
t --login --pin 123456 --list-objects --type privkey >"$work/priv.out"
grep -q "never extractable" "$work/priv.out" || fail "private keys: $(cat "$work/priv.out")"

# PINs sealed in the TPM: pkcsconf changes them, a wrong one shows in the
# token's flags (the TPM's lockout counter), the KDF is not the TPM's
pcf -p -c 1 -U 123456 -n 11223344 >"$work/setpin.out" 2>&1 || fail "pkcsconf -p: $(cat "$work/setpin.out")"
pcf -P -c 1 -S 87654321 -n 99887766 >"$work/setso.out" 2>&1 || fail "pkcsconf -P: $(cat "$work/setso.out")"
if t --login --pin 123456 --list-objects >/dev/null 2>&1; then fail "the old user PIN still works"; fi
t --login --pin 11223344 --list-objects --type privkey >"$work/priv2.out"
grep -q "rsa1" "$work/priv2.out" || fail "keys after the PIN change: $(cat "$work/priv2.out")"
t --login --pin 11223344 --sign --id 02 -m ECDSA-SHA256 -i "$work/data" -o "$work/ec2.sig"
pcf -t -c 1 >"$work/info2.out"
grep -qi "count.low" "$work/info2.out" || fail "pkcsconf -t after a wrong PIN: $(cat "$work/info2.out")"
if pcf --kdf m=65536,t=3,p=1 -c 1 -S 99887766 >"$work/kdf.out" 2>&1; then
	fail "pkcsconf --kdf on a TPM token: $(cat "$work/kdf.out")"
fi
grep -q "sealed in its TPM" "$work/kdf.out" || fail "pkcsconf --kdf: $(cat "$work/kdf.out")"
echo "pkcs11-tool on the tpm slot: ok"
