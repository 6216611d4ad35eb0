#!/bin/sh
# A TLS 1.3 server whose key lives on the token: gnutls-serv loads the
# library with --provider and takes its key and certificate by pkcs11: URL;
# gnutls-cli connects with TLS 1.3 only, checks the certificate against a
# CA made for the test and saves it.  Once with an ECDSA P-256 key and once
# with an RSA key (RSA-PSS signatures, as TLS 1.3 requires).  A client that
# trusts another CA is refused.
set -eu
. "$(dirname "$0")/instance.sh"
for prog in gnutls-serv gnutls-cli certtool p11tool; do
	command -v "$prog" >/dev/null || fail "$prog is not installed (package gnutls-bin)"
done

server_pid=
server_stop() {
	[ -n "$server_pid" ] || return 0
	kill "$server_pid" 2>/dev/null || true
	tries=0
	while kill -0 "$server_pid" 2>/dev/null && [ "$tries" -lt 200 ]; do
		tries=$((tries + 1))
		sleep 0.05
	done
	kill -9 "$server_pid" 2>/dev/null || true
	wait "$server_pid" 2>/dev/null || true
	server_pid=
}
cleanup() {
	server_stop
	instance_stop
}

instance_start
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

work="$OSL_DIR/work"
mkdir -p "$work"
out="$work/out"
prio="NORMAL:-VERS-ALL:+VERS-TLS1.3"

# Runs a program with its output in $out; a failure or a hang fails the test.
run() {
	timeout 120 "$@" >"$out" 2>&1 || fail "$*: $(cat "$out")"
}

# Fails the test unless the last output contains $1.
shows() {
	grep -qF -- "$1" "$out" || fail "output lacks '$1': $(cat "$out")"
}

pt() { run $OSL_RUN p11tool --provider "$OSL_LIB" "$@"; }

run $OSL_RUN pkcs11-tool --module "$OSL_LIB" --init-token --slot 0 --so-pin 87654321 \
	--label interop
run $OSL_RUN pkcs11-tool --module "$OSL_LIB" --init-pin --slot 0 --so-pin 87654321 \
	--pin 123456
GNUTLS_PIN=123456
export GNUTLS_PIN
tok="pkcs11:manufacturer=openslot;token=interop"

# Makes a CA in files $1.key and $1.crt.
make_ca() {
	run certtool --generate-privkey --key-type ecdsa --outfile "$1.key"
	printf 'cn = "openslot test CA %s"\nca\ncert_signing_key\nexpiration_days = 2\n' \
		"${1##*/}" >"$1.tmpl"
	run certtool --generate-self-signed --load-privkey "$1.key" --template "$1.tmpl" \
		--outfile "$1.crt"
}

# Generates key $1 (p11tool's type and size options follow) on the token and
# writes there a certificate for it, issued for 127.0.0.1 by the CA.
make_server_key() {
	label=$1
	shift
	pt --login --generate-privkey "$@" --label "$label" --outfile "$work/$label.pub" "$tok"
	printf 'cn = "localhost"\nip_address = "127.0.0.1"\ntls_www_server\nsigning_key\n' \
		>"$work/$label.tmpl"
	printf 'expiration_days = 2\n' >>"$work/$label.tmpl"
	run certtool --generate-certificate --load-pubkey "$work/$label.pub" \
		--load-ca-privkey "$work/ca.key" --load-ca-certificate "$work/ca.crt" \
		--template "$work/$label.tmpl" --outfile "$work/$label.crt"
	pt --login --write --load-certificate "$work/$label.crt" --label "$label" "$tok"
}

# Starts gnutls-serv with key and certificate $1 from the token on a port
# ($port) free on IPv4, below the kernel's ephemeral range.
server_start() {
	attempt=0
	while [ -z "$server_pid" ]; do
		attempt=$((attempt + 1))
		[ "$attempt" -le 20 ] || fail "gnutls-serv found no free port: $(cat "$work/server.out")"
		port=$((20000 + ($$ * 7 + attempt * 131) % 12000))
		$OSL_RUN gnutls-serv --provider "$OSL_LIB" --port "$port" --echo --priority "$prio" \
			--x509certfile "$tok;object=$1;type=cert" \
			--x509keyfile "$tok;object=$1;type=private?pin-value=123456" \
			>"$work/server.out" 2>&1 &
		server_pid=$!
		server_wait
	done
}

# Waits until the server listens on IPv4; stops it if the port is taken.
# A server that neither listens nor fails within two minutes fails the test.
server_wait() {
	tries=0
	while ! grep -q "listening on IPv4.*done" "$work/server.out"; do
		tries=$((tries + 1))
		[ "$tries" -le 2400 ] || fail "gnutls-serv does not listen: $(cat "$work/server.out")"
		if grep -q "listening on IPv4.*failed" "$work/server.out"; then
			server_stop
			return 0
		fi
		if ! kill -0 "$server_pid" 2>/dev/null; then
			wait "$server_pid" 2>/dev/null || true
			server_pid=
			grep -q "Address already in use" "$work/server.out" ||
				fail "gnutls-serv: $(cat "$work/server.out")"
			return 0
		fi
		sleep 0.05
	done
}

# Connects with TLS 1.3 to the server trusting CA file $1; the output is in
# $out, the server's certificate in $work/got.pem.
connect() {
	rm -f "$work/got.pem"
	timeout 120 gnutls-cli --x509cafile "$1" --priority "$prio" --port "$port" \
		--save-cert "$work/got.pem" 127.0.0.1 </dev/null >"$out" 2>&1
}

make_ca "$work/ca"
make_ca "$work/other"
make_server_key tls-ec ecdsa --curve secp256r1
make_server_key tls-rsa rsa --bits 2048

for key in tls-ec tls-rsa; do
	case $key in
	tls-ec) sig="ECDSA-SECP256R1-SHA256" ;;
	tls-rsa) sig="RSA-PSS-RSAE-SHA256" ;;
	esac
	server_start "$key"
	connect "$work/ca.crt" || fail "gnutls-cli with $key: $(cat "$out")"
	shows "The certificate is trusted"
	shows "Handshake was completed"
	shows "(TLS1.3-X.509)"
	shows "($sig)"

	# the certificate served is the token's
	pt --export --outder --outfile "$work/$key.tok.der" "$tok;object=$key;type=cert"
	run certtool --certificate-info --infile "$work/got.pem" --outder --outfile "$work/$key.got.der"
	cmp -s "$work/$key.tok.der" "$work/$key.got.der" ||
		fail "the server sent another certificate than the token's"

	# a client trusting another CA refuses the server
	if connect "$work/other.crt"; then
		fail "a client trusting another CA accepted $key: $(cat "$out")"
	fi
	grep -qF "The certificate is NOT trusted" "$out" ||
		fail "refusal not for the certificate: $(cat "$out")"
	server_stop
	if grep -q "Sanitizer\|runtime error" "$work/server.out"; then
		fail "gnutls-serv: $(cat "$work/server.out")"
	fi
done
echo "GnuTLS TLS 1.3 interoperability: ok"
