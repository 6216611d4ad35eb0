#!/bin/sh
# NSS against a private openslot instance: modutil adds the library to a
# fresh NSS database, certutil makes an RSA and an ECDSA P-256 key with a
# self-signed certificate on the token, lists them and validates the
# certificates; OpenSSL checks the certificate signatures, and a signature
# made with the token's key through pkcs11-tool verifies with the
# certificate's public key.
#
# The slot is marked "publicCerts" in the database (as for a smart card
# whose certificates are readable without login), so that "certutil -V",
# which asks for no password, finds the token's certificates.
set -eu
. "$(dirname "$0")/instance.sh"
for prog in certutil modutil pkcs11-tool; do
	command -v "$prog" >/dev/null ||
		fail "$prog is not installed (packages libnss3-tools, opensc)"
done
instance_start

work="$OSL_DIR/work"
db="$work/nssdb"
mkdir -p "$work" "$db"
out="$work/out"

# Runs a program with its output in $out; a failure or a hang fails the test.
run() {
	timeout 120 "$@" >"$out" 2>&1 || fail "$*: $(cat "$out")"
}

# Fails the test unless the last output contains $1.
shows() {
	grep -qF -- "$1" "$out" || fail "output lacks '$1': $(cat "$out")"
}

t() { run $OSL_RUN pkcs11-tool --module "$OSL_LIB" "$@"; }
cu() { run $OSL_RUN certutil -d "sql:$db" "$@"; }

# Copies file $1 to $2 with one bit of its last but one byte flipped.
flip() {
	off=$(($(wc -c <"$1") - 2))
	byte=$(od -An -tu1 -j "$off" -N 1 "$1" | tr -d ' ')
	cp "$1" "$2"
	# shellcheck disable=SC2059
	printf "\\$(printf '%03o' $((byte ^ 1)))" | dd of="$2" bs=1 seek="$off" conv=notrunc 2>/dev/null
}

t --init-token --slot 0 --so-pin 87654321 --label interop
t --init-pin --slot 0 --so-pin 87654321 --pin 123456

# a database with the library in it
run certutil -N -d "sql:$db" --empty-password
run $OSL_RUN modutil -dbdir "sql:$db" -add openslot -libfile "$OSL_LIB" -force
grep -q "^library=$OSL_LIB\$" "$db/pkcs11.txt" || fail "modutil did not add the library"
sed -i '/^name=openslot$/a NSS=slotParams=(0={slotFlags=[publicCerts]})' "$db/pkcs11.txt"
run $OSL_RUN modutil -dbdir "sql:$db" -list
shows "library name: $OSL_LIB"
shows "token: interop"

# keys and self-signed certificates made on the token
printf '123456\n' >"$work/pin"
head -c 64 /dev/urandom >"$work/noise"
cu -S -h interop -f "$work/pin" -z "$work/noise" -n nss-rsa -s CN=nss-rsa -x -t "CT,," \
	-k rsa -g 2048 -Z SHA256 -v 12
cu -S -h interop -f "$work/pin" -z "$work/noise" -n nss-ec -s CN=nss-ec -x -t "CT,," \
	-k ec -q nistp256 -Z SHA256 -v 12
cu -L -h interop -f "$work/pin"
shows "interop:nss-rsa"
shows "interop:nss-ec"
cu -K -h interop -f "$work/pin"
shows "rsa"
shows "interop:nss-rsa"
shows "ec "
shows "interop:nss-ec"

# the token holds both halves: pkcs11-tool sees them
t --login --pin 123456 --list-objects --type privkey
shows "Private Key Object; RSA"
shows "Private Key Object; EC"
t --list-objects --type cert
shows "label:      nss-rsa"
shows "label:      nss-ec"

printf 'signed by a key NSS made\n' >"$work/data"
for name in nss-rsa nss-ec; do
	# NSS validates the certificate, its signature included
	cu -V -n "interop:$name" -u V -e
	shows "certificate is valid"

	# OpenSSL checks the self-signature; a changed signature fails
	timeout 120 $OSL_RUN certutil -d "sql:$db" -L -h interop -f "$work/pin" -n "interop:$name" \
		-r >"$work/$name.der" 2>"$out" || fail "certutil -L -r: $(cat "$out")"
	run openssl x509 -inform DER -in "$work/$name.der" -out "$work/$name.pem"
	run openssl verify -check_ss_sig -CAfile "$work/$name.pem" "$work/$name.pem"
	shows "$work/$name.pem: OK"
	flip "$work/$name.der" "$work/$name.bad.der"
	cmp -s "$work/$name.der" "$work/$name.bad.der" && fail "flip changed nothing"
	run openssl x509 -inform DER -in "$work/$name.bad.der" -out "$work/$name.bad.pem"
	if openssl verify -check_ss_sig -CAfile "$work/$name.bad.pem" "$work/$name.bad.pem" \
		>"$out" 2>&1; then
		fail "a changed signature of $name verifies: $(cat "$out")"
	fi

	# the token's key signs; the certificate's public key verifies
	run openssl x509 -in "$work/$name.pem" -noout -pubkey
	cp "$out" "$work/$name.pub"
	t --read-object --type cert --label "$name" -o "$work/$name.tok.der"
	cmp -s "$work/$name.der" "$work/$name.tok.der" ||
		fail "the certificate pkcs11-tool reads differs from NSS's"
	t --list-objects --type cert
	id=$(awk -v n="$name" '$1 == "label:" { l = $2 } $1 == "ID:" && l == n { print $2 }' "$out")
	[ -n "$id" ] || fail "no ID for $name: $(cat "$out")"
	case $name in
	nss-rsa) t --login --pin 123456 --sign --id "$id" -m SHA256-RSA-PKCS \
		-i "$work/data" -o "$work/$name.sig" ;;
	nss-ec) t --login --pin 123456 --sign --id "$id" -m ECDSA-SHA256 \
		--signature-format openssl -i "$work/data" -o "$work/$name.sig" ;;
	esac
	run openssl dgst -sha256 -verify "$work/$name.pub" -signature "$work/$name.sig" "$work/data"
	shows "Verified OK"
done
echo "NSS interoperability: ok"
