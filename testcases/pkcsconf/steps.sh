# The steps of run-golden.sh, one function per area, in the order they
# run: each leaves the token as the next one expects it.  Sourced by
# run-golden.sh, which provides pc, text, json, step, expect and golden.
# A step reads its stdin from a file written by input, never from a pipe:
# the last step's exit status must stay in this shell.

USER_PIN=432100

# -i -s -l -t on a token that is not initialised yet, text and JSON.
displays() {
	text info.txt -i
	json info.json -i --json
	text slots.txt -s
	json slots.json -s --json
	text list.txt -l
	json list.json -l --json
	text token-new.txt -t
	json token-new.json -t --json
	text slot-1.txt -s -c 1
	json display.json -i -t -s -l --json
}

# -I and -u with the PINs and the label on stdin, alone and together, and
# their refusals.
tokens() {
	input "$SO" golden
	step admin.txt -I -c 0 <"$work/in"
	expect 0
	input "$SO" 123400
	step admin.txt -u <"$work/in"
	expect 0
	step admin.txt -I -c 0 -S 11111111 -L other
	expect 4
	step admin.txt -I -S "$SO" -L "a label that is longer than thirty-two bytes"
	expect 2
	step admin.txt -I -c 1 -S "$SO" -L other
	expect 1
	input "$SO" golden 123400
	step admin.txt -I -u -c 0 <"$work/in"
	expect 0
	golden admin.txt
	text token.txt -t -c 0
	json token.json -t -c 0 --json
}

# -p and -P from stdin, a PIN of the wrong length, and a user PIN tried
# wrong until it locks, then set again by the SO.
pins() {
	input 123400 567800
	step pins.txt -p <"$work/in"
	expect 0
	input "$SO" 12345678
	step pins.txt -P <"$work/in"
	expect 0
	step pins.txt -P -S 12345678 -n "$SO"
	expect 0
	step pins.txt -p -U 567800 -n 12
	expect 1
	step pins.txt -p </dev/null
	expect 2
	i=0
	while [ "$i" -lt 11 ]; do
		step pins.txt -p -U 000000 -n 999999
		expect 4
		i=$((i + 1))
	done
	step pins.txt -t
	expect 0
	step pins.txt -u -S "$SO" -n "$USER_PIN"
	expect 0
	step pins.txt --list-objects -U "$USER_PIN"
	expect 0
	golden pins.txt
}

# --kdf as the SO: set from stdin and the command line, a wrong SO PIN,
# values below the floor or out of range, bad specs, back to the slot's.
kdf() {
	input "$SO"
	step kdf.txt --kdf m=65536,t=3,p=1 -c 0 <"$work/in"
	expect 0
	step kdf.txt --kdf t=2,p=2,m=20480 -S "$SO"
	expect 0
	step kdf.txt --kdf m=65536,t=3,p=1 -S 11111111
	expect 4
	step kdf.txt --kdf m=8192,t=2,p=1 -S "$SO"
	expect 1
	step kdf.txt --kdf m=65536,t=1,p=1 -S "$SO"
	expect 1
	step kdf.txt --kdf m=65536,t=3,p=17 -S "$SO"
	expect 1
	step kdf.txt --kdf m=65536,t=3 -S "$SO"
	expect 2
	step kdf.txt --kdf m=65536,t=3,p=1,p=1 -S "$SO"
	expect 2
	step kdf.txt --kdf m=-1,t=3,p=1 -S "$SO"
	expect 2
	step kdf.txt --kdf default -t
	expect 2
	step kdf.txt --kdf default -c 1 -S "$SO"
	expect 1
	step kdf.txt --kdf default -S "$SO"
	expect 0
	golden kdf.txt
}

# Keys generated and imported, then listed.
keys() {
	step keys.txt --generate rsa:2048 --label rsa1 --id 01 -U "$USER_PIN"
	expect 0
	step keys.txt --generate ec:prime256v1 --label ec1 --id 02 -U "$USER_PIN"
	expect 0
	step keys.txt --generate ec:secp384r1 --label ec384 --id 03 -U "$USER_PIN"
	expect 0
	step keys.txt --generate ed25519 --label ed1 --id 04 -U "$USER_PIN"
	expect 0
	step keys.txt --generate aes:256 --label aes1 --id 05 -U "$USER_PIN"
	expect 0
	input "$USER_PIN"
	step keys.txt --generate aes:128 --label aes128 --id 06 <"$work/in"
	expect 0
	step keys.txt --generate rsa --label rsa-random -U "$USER_PIN"
	expect 0
	step keys.txt --generate ec:prime256v1 --label ec1 -U "$USER_PIN"
	expect 2
	step keys.txt --generate dsa:1024 --label dsa -U "$USER_PIN"
	expect 2

	openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$work/rsa.pem" 2>/dev/null
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$work/ec.pem"
	openssl genpkey -algorithm ED25519 -out "$work/ed.pem"
	openssl req -x509 -new -key "$work/ec.pem" -subj "/CN=openslot test/O=openslot" \
		-days 2 -out "$work/cert.pem"
	printf 'not a PEM file\n' >"$work/junk.pem"
	step keys.txt --import "$work/rsa.pem" --label imp-rsa --id 11 -U "$USER_PIN"
	expect 0
	step keys.txt --import "$work/ec.pem" --label imp-ec --id 12 -U "$USER_PIN"
	expect 0
	step keys.txt --import "$work/ed.pem" --label imp-ed --id 13 -U "$USER_PIN"
	expect 0
	step keys.txt --import "$work/cert.pem" --label imp-ec -U "$USER_PIN"
	expect 0
	step keys.txt --import "$work/junk.pem" --label junk -U "$USER_PIN"
	expect 2
	step keys.txt --import "$work/missing.pem" --label junk -U "$USER_PIN"
	expect 2
	golden keys.txt

	text objects-public.txt --list-objects
	text objects.txt --list-objects -U "$USER_PIN"
	json objects.json --list-objects -U "$USER_PIN" --json
}

# Public keys and certificates written as PEM and read back by openssl.
exports() {
	pc --export --label ec1 >"$work/ec1.pub"
	openssl pkey -pubin -in "$work/ec1.pub" -text -noout | grep -q "ASN1 OID: prime256v1" ||
		fail "the exported EC key is not a P-256 key"
	pc --export --id 04 >"$work/ed1.pub"
	openssl pkey -pubin -in "$work/ed1.pub" -text -noout | grep -q "ED25519 Public-Key" ||
		fail "the exported Ed25519 key does not parse"
	pc --export --label rsa1 -o "$work/rsa1.pub"
	openssl pkey -pubin -in "$work/rsa1.pub" -text -noout | grep -q "(2048 bit)" ||
		fail "the exported RSA key does not parse"

	for k in rsa ed; do
		openssl pkey -in "$work/$k.pem" -pubout -out "$work/$k.want"
		pc --export --label "imp-$k" >"$work/$k.got"
		cmp -s "$work/$k.want" "$work/$k.got" || fail "imp-$k: exported public key differs"
	done
	pc --export --label imp-ec -o "$work/cert.got"
	openssl x509 -in "$work/cert.pem" -outform DER -out "$work/cert.der"
	openssl x509 -in "$work/cert.got" -outform DER -out "$work/cert.got.der"
	cmp -s "$work/cert.der" "$work/cert.got.der" || fail "the exported certificate differs"

	printf 'data to be signed\n' >"$work/data"
	if command -v pkcs11-tool >/dev/null; then
		$OSL_RUN pkcs11-tool --module "$OSL_LIB" --login --pin "$USER_PIN" --sign --id 01 \
			-m SHA256-RSA-PKCS -i "$work/data" -o "$work/rsa.sig" 2>/dev/null
		openssl dgst -sha256 -verify "$work/rsa1.pub" -signature "$work/rsa.sig" \
			"$work/data" | grep -q "Verified OK" || fail "RSA signature does not verify"
		$OSL_RUN pkcs11-tool --module "$OSL_LIB" --login --pin "$USER_PIN" --sign --id 02 \
			-m ECDSA-SHA256 --signature-format openssl -i "$work/data" \
			-o "$work/ec.sig" 2>/dev/null
		openssl dgst -sha256 -verify "$work/ec1.pub" -signature "$work/ec.sig" \
			"$work/data" | grep -q "Verified OK" || fail "ECDSA signature does not verify"
	else
		echo "pkcs11-tool not installed: signatures not checked"
	fi

	step exports.txt --export --label nosuch
	expect 1
	step exports.txt --export --id 05
	expect 1
	golden exports.txt
}

deletes() {
	step deletes.txt --delete --label imp-ec -U "$USER_PIN"
	expect 0
	step deletes.txt --delete --id 05 -U "$USER_PIN"
	expect 0
	step deletes.txt --delete --label imp-ec -U "$USER_PIN"
	expect 1
	step deletes.txt --list-objects -U "$USER_PIN"
	expect 0
	golden deletes.txt
}

# A few mechanisms of the soft token; the whole list changes as it grows.
MECHS="CKM_RSA_PKCS_KEY_PAIR_GEN CKM_SHA256_RSA_PKCS CKM_EC_KEY_PAIR_GEN CKM_ECDSA"
MECHS="$MECHS CKM_EC_EDWARDS_KEY_PAIR_GEN CKM_AES_KEY_GEN CKM_AES_GCM"

mechanisms() {
	pc -m -c 0 >"$work/mechs.all"
	awk -v want="$MECHS" '
		BEGIN { n = split(want, w, " "); for (i = 1; i <= n; i++) keep["(" w[i] ")"] = 1 }
		/^Mechanism #/ { show = 0; next }
		/^\tMechanism:/ { show = ($NF in keep) }
		show' "$work/mechs.all" >"$work/mechs.txt"
	golden mechs.txt
	pc -m -c 0 --json >"$work/mechs.json.all"
	"$python" -m json.tool "$work/mechs.json.all" >/dev/null || fail "-m --json: not valid JSON"
	"$python" -c '
import json, sys
doc = json.load(open(sys.argv[1]))
want = sys.argv[2].split()
for slot in doc["mechanisms"]:
    slot["mechanisms"] = [m for m in slot["mechanisms"] if m["name"] in want]
print(json.dumps(doc, indent=2))' "$work/mechs.json.all" "$MECHS" >"$work/mechs.json"
	golden mechs.json
	pc -m | grep -q "^Mechanism Info for Slot #0:" || fail "-m without -c names no slot"
}

# Command lines refused, help, and slots without a token.
usage() {
	step usage.txt
	expect 2
	step usage.txt -x
	expect 2
	step usage.txt --bogus
	expect 2
	step usage.txt -t -c
	expect 2
	step usage.txt --import
	expect 2
	step usage.txt --generate rsa
	expect 2
	step usage.txt -p -P
	expect 2
	step usage.txt -I --json
	expect 2
	step usage.txt -t -o out.pem
	expect 2
	step usage.txt --export
	expect 2
	step usage.txt --list-objects --id 0g
	expect 2
	step usage.txt --list-objects --delete --label x
	expect 2
	step usage.txt -c abc -t
	expect 2
	step usage.txt -c 1 -c 2 -t
	expect 2
	step usage.txt --help nosuch
	expect 2
	step usage.txt --module "$OSL_DIR/missing.so" -t
	expect 3
	step usage.txt -t -c 9
	expect 1
	step usage.txt -t -c 1
	expect 1
	golden usage.txt

	pc --help >"$work/help.txt"
	golden help.txt
	: >"$work/help-topics.txt"
	for topic in display init pin kdf list-objects generate delete import export \
		exit-codes; do
		pc --help "$topic" >>"$work/help-topics.txt"
	done
	golden help-topics.txt
}

# A user outside the group that owns the socket (needs root to become nobody).
permission() {
	if [ "$(id -u)" != 0 ] || ! command -v setpriv >/dev/null; then
		echo "not root or no setpriv: the group check is skipped"
		return 0
	fi
	chmod 0755 "$OSL_DIR"
	status=0
	setpriv --reuid=nobody --regid=nogroup --clear-groups \
		"$pkcsconf" --module "$OSL_LIB" -t >"$work/out" 2>"$work/err" || status=$?
	if [ "$status" -ge 126 ]; then
		echo "nobody cannot run $pkcsconf: the group check is skipped"
		return 0
	fi
	[ "$status" -eq 3 ] || fail "outside the group: exit status $status, expected 3"
	group=$(id -gn)
	grep -qF "permission denied: add your user to the '$group' group (usermod -aG $group nobody) and log in again" \
		"$work/err" || fail "outside the group: $(cat "$work/err")"
}

not_running() {
	pid=$(cat "$OSL_DIR/run/slotd.pid")
	kill "$pid"
	while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
	step notrunning.txt -t
	expect 3
	step notrunning.txt --list-objects
	expect 3
	golden notrunning.txt
}
