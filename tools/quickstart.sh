#!/bin/sh
# Builds openslot, installs it under ./_local and starts a private instance
# there: config, socket, shared memory, lock, data and log directories all
# live under ./_local, nothing needs root.  Then shows it working.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
inst="$top/_local"
cd "$top"
sh tools/deps.sh
[ -x configure ] || autoreconf -fi
mkdir -p build
cd build
[ -f Makefile ] || ../configure --prefix="$inst" --with-p11kitmoduledir="$inst/share/p11-kit/modules" --enable-strict >/dev/null
make -j"$(nproc)" >/dev/null
make install >/dev/null
cd "$top"

conf="$inst/etc/openslot/openslot.conf"
mkdir -p "$inst/var"

# A swtpm (TPM 2.0 simulator) for the tpm slot, when it is installed; its
# state lives under ./_local too (an absolute path: swtpm changes directory
# once it runs as a daemon).
port=${OPENSLOT_SWTPM_PORT:-2321}
tpm_options=""
if command -v swtpm >/dev/null 2>&1; then
	if [ -f "$inst/var/swtpm.pid" ] && kill -0 "$(cat "$inst/var/swtpm.pid")" 2>/dev/null; then
		kill "$(cat "$inst/var/swtpm.pid")"
		while kill -0 "$(cat "$inst/var/swtpm.pid" 2>/dev/null)" 2>/dev/null; do sleep 0.1; done
	fi
	mkdir -p "$inst/var/swtpm"
	swtpm socket --tpm2 --tpmstate dir="$inst/var/swtpm" \
		--server type=tcp,port="$port" --ctrl type=tcp,port=$((port + 1)) \
		--flags not-need-init,startup-clear --daemon --pid file="$inst/var/swtpm.pid"
	tpm_options="options = { tcti = \"swtpm:host=127.0.0.1,port=$port\"; };"
fi
cat >"$conf" <<CONF
# Private openslot instance (made by tools/quickstart.sh).
run-dir  = "$inst/var/run";
lock-dir = "$inst/var/lock";
data-dir = "$inst/var/lib";
log-dir  = "$inst/var/log";
group = "$(id -gn)";
slots = (
  { id = 0; backend = "soft"; token = "softtok"; description = "openslot soft token"; },
  { id = 1; backend = "tpm";  token = "tpm";     description = "openslot TPM 2.0 token"; $tpm_options },
  { id = 2; backend = "cca";  token = "ccatok";  description = "openslot CCA token"; },
  { id = 3; backend = "ep11"; token = "ep11tok"; description = "openslot EP11 token"; }
);
CONF
chmod 0644 "$conf"
export OPENSLOT_CONF="$conf"

if [ -f "$inst/var/run/slotd.pid" ] && kill -0 "$(cat "$inst/var/run/slotd.pid")" 2>/dev/null; then
	kill "$(cat "$inst/var/run/slotd.pid")"
	while kill -0 "$(cat "$inst/var/run/slotd.pid" 2>/dev/null)" 2>/dev/null; do sleep 0.1; done
fi
"$inst/sbin/slotd" -n
"$inst/sbin/slotd"          # returns once it serves

echo
echo "== slotd is running (OPENSLOT_CONF=$conf)"
"$inst/sbin/slotd" --status
echo
echo "== its socket and shared memory"
ls -l "$inst/var/run/slotd.socket"
shm=$(printf '%s' "$inst/var/run" | sed 's|^/||; s|/|.|g')
ls -l "/dev/shm/$shm.slotd"
echo
echo "== the PKCS#11 library, through OpenSC's pkcs11-tool"
lib="$inst/lib/openslot/libopenslot.so"
p11() { pkcs11-tool --module "$lib" "$@"; }
p11 --show-info
p11 --list-slots
echo
pcf() { "$inst/sbin/pkcsconf" --module "$lib" "$@"; }
if ! pcf -t -c 0 | grep -q quickstart; then
	echo "== initialising the soft token with pkcsconf (SO PIN 87654321, user PIN 123456)"
	pcf -I -c 0 -L quickstart -S 87654321
	pcf -u -c 0 -S 87654321 -n 123456
fi
echo
echo "== pkcsconf -t"
pcf -t -c 0
echo
echo "== an EC P-256 key made on the token, a signature, and OpenSSL verifying it"
p11 --slot 0 --login --pin 123456 --delete-object --type privkey --label demo >/dev/null 2>&1 || true
p11 --slot 0 --login --pin 123456 --delete-object --type pubkey --label demo >/dev/null 2>&1 || true
p11 --slot 0 --login --pin 123456 --keypairgen --key-type EC:prime256v1 --label demo --id 42
tmp=$(mktemp -d)
printf 'hello from openslot\n' >"$tmp/msg"
p11 --slot 0 --login --pin 123456 --sign --label demo -m ECDSA-SHA256 --signature-format openssl \
	-i "$tmp/msg" -o "$tmp/sig"
p11 --slot 0 --read-object --type pubkey --label demo -o "$tmp/pub.der"
openssl pkey -pubin -inform DER -in "$tmp/pub.der" -out "$tmp/pub.pem"
openssl dgst -sha256 -verify "$tmp/pub.pem" -signature "$tmp/sig" "$tmp/msg"
rm -rf "$tmp"
p11 --slot 0 --login --pin 123456 --list-objects
echo

if [ -n "$tpm_options" ]; then
	echo "== the tpm slot on swtpm (port $port): an EC P-256 key made inside the TPM"
	pcf -t -c 1 | grep -q quickstart-tpm || {
		pcf -I -c 1 -L quickstart-tpm -S 87654321
		pcf -u -c 1 -S 87654321 -n 123456
	}
	p11 --slot 1 --list-mechanisms
	p11 --slot 1 --login --pin 123456 --delete-object --type privkey --label tpmdemo >/dev/null 2>&1 || true
	p11 --slot 1 --login --pin 123456 --delete-object --type pubkey --label tpmdemo >/dev/null 2>&1 || true
	p11 --slot 1 --login --pin 123456 --keypairgen --key-type EC:prime256v1 --label tpmdemo --id 43
	tmp=$(mktemp -d)
	printf 'signed inside the TPM\n' >"$tmp/msg"
	p11 --slot 1 --login --pin 123456 --sign --label tpmdemo -m ECDSA-SHA256 \
		--signature-format openssl -i "$tmp/msg" -o "$tmp/sig"
	p11 --slot 1 --read-object --type pubkey --label tpmdemo -o "$tmp/pub.der"
	openssl pkey -pubin -inform DER -in "$tmp/pub.der" -out "$tmp/pub.pem"
	openssl dgst -sha256 -verify "$tmp/pub.pem" -signature "$tmp/sig" "$tmp/msg"
	rm -rf "$tmp"
	echo
	echo "Stop swtpm with: kill \$(cat $inst/var/swtpm.pid)"
fi
echo "Stop it with: kill \$(cat $inst/var/run/slotd.pid)"
