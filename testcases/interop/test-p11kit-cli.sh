#!/bin/sh
# openslot registered with p11-kit by a module file, as a package installs
# it: "p11-kit list-modules" names the library and its token; GnuTLS's
# p11tool, loading its modules through p11-kit, finds the token and makes a
# key on it; OpenSC's pkcs11-tool signs with that key through p11-kit's
# proxy module and through "p11-kit server" with the p11-kit-client module,
# and OpenSSL checks the signatures.
#
# As root the module file goes to /etc/pkcs11/modules, otherwise to a
# private home's ~/.config/pkcs11/modules (p11-kit reads no user files for
# root).  "enable-in" names programs of this test alone (links to the real
# ones in the instance directory), so no other program on the machine loads
# the module while the file exists; the file goes when the test ends.
#
# Where the library is built with sanitizers, the module file runs it in a
# "p11-kit remote" process started with the sanitizer runtimes preloaded,
# and the programs run without them: p11tool, with the runtimes preloaded,
# deadlocks in glibc's locale lock at exit whatever module it loads.
set -eu
. "$(dirname "$0")/instance.sh"
for prog in p11-kit p11tool pkcs11-tool; do
	command -v "$prog" >/dev/null ||
		fail "$prog is not installed (packages p11-kit, gnutls-bin, opensc)"
done

# Where p11-kit's proxy and client modules are.
p11kit_modules() {
	pkg-config --variable p11_module_path p11-kit-1 2>/dev/null || true
	pkg-config --variable proxy_module p11-kit-1 2>/dev/null | sed 's|/[^/]*$||' || true
	echo /usr/lib/x86_64-linux-gnu /usr/lib/x86_64-linux-gnu/pkcs11 /usr/lib64 /usr/lib64/pkcs11
}
proxy= client=
for d in $(p11kit_modules); do
	[ -z "$proxy" ] && [ -f "$d/p11-kit-proxy.so" ] && proxy="$d/p11-kit-proxy.so"
	[ -z "$client" ] && [ -f "$d/p11-kit-client.so" ] && client="$d/p11-kit-client.so"
done
[ -n "$proxy" ] || fail "p11-kit-proxy.so not found (package p11-kit-modules)"
[ -n "$client" ] || fail "p11-kit-client.so not found (package p11-kit-modules)"

name="openslot-test-$$"
modfile=
made_dirs=
server_pid=

cleanup() {
	if [ -n "$server_pid" ]; then
		kill "$server_pid" 2>/dev/null || true
		wait "$server_pid" 2>/dev/null || true
	fi
	[ -z "$modfile" ] || rm -f "$modfile"
	# directories this test created, innermost first, if nothing else is in them
	for d in $made_dirs; do
		rmdir "$d" 2>/dev/null || true
	done
	instance_stop
}

instance_start
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

work="$OSL_DIR/work"
bin="$OSL_DIR/bin"
mkdir -p "$work" "$bin"
out="$work/out"

# Programs under names of this test's own, for "enable-in".
kit="$bin/osl-p11-kit-$$"
gtool="$bin/osl-p11tool-$$"
ptool="$bin/osl-pkcs11-tool-$$"
ln -s "$(command -v p11-kit)" "$kit"
ln -s "$(command -v p11tool)" "$gtool"
ln -s "$(command -v pkcs11-tool)" "$ptool"

# Runs a program with its output in $out; a failure or a hang fails the test.
run() {
	timeout 60 "$@" >"$out" 2>&1 || fail "$*: $(cat "$out")"
}

# Fails the test unless the last output contains $1.
shows() {
	grep -qF -- "$1" "$out" || fail "output lacks '$1': $(cat "$out")"
}

# The token is set up with the library loaded directly.
run $OSL_RUN pkcs11-tool --module "$OSL_LIB" --init-token --slot 0 --so-pin 87654321 \
	--label interop
run $OSL_RUN pkcs11-tool --module "$OSL_LIB" --init-pin --slot 0 --so-pin 87654321 \
	--pin 123456

# the registration
if [ "$(id -u)" -eq 0 ]; then
	moddir=/etc/pkcs11/modules
	for d in /etc/pkcs11 /etc/pkcs11/modules; do
		if [ ! -d "$d" ]; then
			mkdir "$d"
			made_dirs="$d $made_dirs"
		fi
	done
else
	HOME="$OSL_DIR/home"
	XDG_CONFIG_HOME="$HOME/.config"
	export HOME XDG_CONFIG_HOME
	moddir="$XDG_CONFIG_HOME/pkcs11/modules"
	mkdir -p "$moddir"
fi
modfile="$moddir/$name.module"
if [ -n "$OSL_RUN" ]; then
	printf 'remote: |%s %s remote %s\n' "$OSL_RUN" "$(command -v p11-kit)" "$OSL_LIB" >"$modfile"
else
	printf 'module: %s\n' "$OSL_LIB" >"$modfile"
fi
printf 'enable-in: %s, %s, %s\n' "${kit##*/}" "${gtool##*/}" "${ptool##*/}" >>"$modfile"

# p11-kit lists the module with its manufacturer and token
run "$kit" list-modules
sed -n "/^$name:/,/^[^ ]/p" "$out" >"$work/module.out"
grep -q "library-manufacturer: openslot" "$work/module.out" ||
	fail "list-modules does not show the openslot module: $(cat "$out")"
grep -q "token: interop" "$work/module.out" ||
	fail "list-modules does not show the token: $(cat "$out")"

# p11tool, with its modules from p11-kit: the token, a key made on it, a signing test
GNUTLS_PIN=123456
export GNUTLS_PIN
tok="pkcs11:manufacturer=openslot;token=interop"
run "$gtool" --list-tokens
shows "Label: interop"
shows "Manufacturer: openslot"
run "$gtool" --login --generate-privkey ecdsa --curve secp256r1 --label kit-ec --id 0d \
	--outfile "$work/kit-ec.pem" "$tok"
run "$gtool" --login --test-sign "$tok;object=kit-ec;type=private"
shows "Verifying against public key in the token... ok"

# pkcs11-tool through p11-kit's proxy module signs with that key.  The token
# signs the hash: p11-kit 0.24's protocol, which carries the module where it
# runs in "p11-kit remote" and for "p11-kit server", has no CKM_ECDSA_SHA256.
printf 'signed through p11-kit\n' >"$work/data"
openssl dgst -sha256 -binary -out "$work/data.sha256" "$work/data"
run "$ptool" --module "$proxy" --list-token-slots
shows "token manufacturer : openslot"
shows "token label        : interop"
run "$ptool" --module "$proxy" --token-label interop --login --pin 123456 --sign --id 0d \
	-m ECDSA --signature-format openssl -i "$work/data.sha256" -o "$work/proxy.sig"
run openssl dgst -sha256 -verify "$work/kit-ec.pem" -signature "$work/proxy.sig" "$work/data"
shows "Verified OK"

# "p11-kit server" exports the token; the p11-kit-client module reaches it
sock="$OSL_DIR/p11kit.sock"
$OSL_RUN p11-kit server -f -p "$OSL_LIB" -n "$sock" "pkcs11:token=interop" \
	>"$work/server.out" 2>&1 &
server_pid=$!
tries=0
until [ -S "$sock" ]; do
	kill -0 "$server_pid" 2>/dev/null || fail "p11-kit server: $(cat "$work/server.out")"
	tries=$((tries + 1))
	[ "$tries" -le 200 ] || fail "p11-kit server made no socket: $(cat "$work/server.out")"
	sleep 0.05
done
P11_KIT_SERVER_ADDRESS="unix:path=$sock"
export P11_KIT_SERVER_ADDRESS
run pkcs11-tool --module "$client" --list-token-slots
shows "token label        : interop"
run pkcs11-tool --module "$client" --token-label interop --login --pin 123456 --sign --id 0d \
	-m ECDSA --signature-format openssl -i "$work/data.sha256" -o "$work/server.sig"
run openssl dgst -sha256 -verify "$work/kit-ec.pem" -signature "$work/server.sig" "$work/data"
shows "Verified OK"
run pkcs11-tool --module "$client" --token-label interop --login --pin 123456 --list-objects
shows "label:      kit-ec"
echo "p11-kit command line interoperability: ok"
