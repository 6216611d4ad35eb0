#!/bin/sh
# OpenSSH against a private openslot instance: "ssh-keygen -D" lists the
# token's public keys, ssh-agent loads them with "ssh-add -s" (the PIN
# given through SSH_ASKPASS), and "ssh-keygen -Y sign" signs through the
# agent with an RSA and an ECDSA P-256 key on the token; "ssh-keygen -Y
# verify" accepts the signatures and refuses them over a changed message.
#
# Debian's ssh-agent is setgid, so the loader drops LD_PRELOAD for it (and
# for the ssh-pkcs11-helper it starts) and a library built with sanitizers
# would not load: the test runs a copy, which is not setgid.
set -eu
. "$(dirname "$0")/instance.sh"
for prog in ssh-keygen ssh-agent ssh-add pkcs11-tool; do
	command -v "$prog" >/dev/null ||
		fail "$prog is not installed (packages openssh-client, opensc)"
done

agent_pid=
cleanup() {
	if [ -n "$agent_pid" ]; then
		kill "$agent_pid" 2>/dev/null || true
		wait "$agent_pid" 2>/dev/null || true
	fi
	instance_stop
}

instance_start
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

work="$OSL_DIR/work"
mkdir -p "$work"
out="$work/out"

# Runs a program with its output in $out; a failure or a hang fails the test.
run() {
	timeout 60 "$@" >"$out" 2>&1 || fail "$*: $(cat "$out")"
}

# Fails the test unless the last output contains $1.
shows() {
	grep -qF -- "$1" "$out" || fail "output lacks '$1': $(cat "$out")"
}

t() { run $OSL_RUN pkcs11-tool --module "$OSL_LIB" "$@"; }

# Prints the key type and key blob of each OpenSSH public key in file $1,
# sorted (comments differ between the tools).
blobs() {
	awk '{ print $1, $2 }' "$1" | sort
}

t --init-token --slot 0 --so-pin 87654321 --label interop
t --init-pin --slot 0 --so-pin 87654321 --pin 123456
t --login --pin 123456 --keypairgen --key-type rsa:2048 --id 01 --label sshrsa
t --login --pin 123456 --keypairgen --key-type EC:prime256v1 --id 02 --label sshec

# The public keys as pkcs11-tool exports them, converted by ssh-keygen.
: >"$work/expected"
for id in 01 02; do
	t --read-object --type pubkey --id "$id" -o "$work/$id.der"
	run openssl pkey -pubin -inform DER -in "$work/$id.der" -out "$work/$id.pem"
	run ssh-keygen -i -m PKCS8 -f "$work/$id.pem"
	cp "$out" "$work/$id.pub"
	cat "$out" >>"$work/expected"
done
grep -q "^ssh-rsa " "$work/01.pub" || fail "key 01 is not RSA: $(cat "$work/01.pub")"
grep -q "^ecdsa-sha2-nistp256 " "$work/02.pub" ||
	fail "key 02 is not ECDSA P-256: $(cat "$work/02.pub")"

# ssh-keygen -D lists exactly these keys
run $OSL_RUN ssh-keygen -D "$OSL_LIB"
grep '^ssh-\|^ecdsa-' "$out" >"$work/listed" || fail "ssh-keygen -D listed no key: $(cat "$out")"
[ "$(blobs "$work/listed")" = "$(blobs "$work/expected")" ] ||
	fail "ssh-keygen -D lists other keys: $(cat "$work/listed") expected $(cat "$work/expected")"

# an agent allowed to load libraries from the build tree only
cp "$(command -v ssh-agent)" "$work/ssh-agent"
SSH_AUTH_SOCK="$work/agent.sock"
export SSH_AUTH_SOCK
libdir=$(dirname "$(realpath "$OSL_LIB")")
$OSL_RUN "$work/ssh-agent" -D -a "$SSH_AUTH_SOCK" -P "$libdir/*" >"$work/agent.out" 2>&1 &
agent_pid=$!
tries=0
until [ -S "$SSH_AUTH_SOCK" ]; do
	kill -0 "$agent_pid" 2>/dev/null || fail "ssh-agent: $(cat "$work/agent.out")"
	tries=$((tries + 1))
	[ "$tries" -le 1200 ] || fail "ssh-agent made no socket: $(cat "$work/agent.out")"
	sleep 0.05
done

# ssh-add -s asks for the PIN through SSH_ASKPASS, never a terminal; a
# wrong PIN adds nothing
printf '#!/bin/sh\necho 000000\n' >"$work/badpass"
printf '#!/bin/sh\necho 123456\n' >"$work/askpass"
chmod 0700 "$work/badpass" "$work/askpass"
if timeout 60 env SSH_ASKPASS="$work/badpass" SSH_ASKPASS_REQUIRE=force ssh-add -s "$OSL_LIB" \
	</dev/null >"$out" 2>&1; then
	fail "the agent took a wrong PIN: $(cat "$out")"
fi
shows "Could not add card"
run env SSH_ASKPASS="$work/askpass" SSH_ASKPASS_REQUIRE=force ssh-add -s "$OSL_LIB" </dev/null
shows "Card added"
run ssh-add -L
[ "$(blobs "$out")" = "$(blobs "$work/expected")" ] ||
	fail "the agent holds other keys: $(cat "$out") expected $(cat "$work/expected")"

# signatures made by the token through the agent, checked by ssh-keygen
for id in 01 02; do
	case $id in 01) kind=RSA ;; 02) kind=ECDSA ;; esac
	printf 'signed by key %s through ssh-agent\n' "$id" >"$work/msg$id"
	run ssh-keygen -Y sign -f "$work/$id.pub" -n file "$work/msg$id"
	[ -s "$work/msg$id.sig" ] || fail "no signature for key $id: $(cat "$out")"
	printf 'signer@openslot namespaces="file" %s\n' "$(cat "$work/$id.pub")" >"$work/allowed$id"
	timeout 60 ssh-keygen -Y verify -f "$work/allowed$id" -I signer@openslot -n file \
		-s "$work/msg$id.sig" <"$work/msg$id" >"$out" 2>&1 ||
		fail "signature of key $id does not verify: $(cat "$out")"
	shows "Good \"file\" signature for signer@openslot with $kind key"
	printf 'changed\n' >>"$work/msg$id"
	if timeout 60 ssh-keygen -Y verify -f "$work/allowed$id" -I signer@openslot -n file \
		-s "$work/msg$id.sig" <"$work/msg$id" >"$out" 2>&1; then
		fail "signature of key $id verifies over a changed message: $(cat "$out")"
	fi
	grep -qF "Signature verification failed" "$out" ||
		fail "changed message not refused for its signature: $(cat "$out")"
done

# the keys go with the library
run ssh-add -e "$OSL_LIB"
shows "Card removed"
if timeout 60 ssh-add -L >"$out" 2>&1; then
	fail "the agent still holds keys: $(cat "$out")"
fi
shows "The agent has no identities"
if grep -q "Sanitizer\|runtime error" "$work/agent.out"; then
	fail "ssh-agent: $(cat "$work/agent.out")"
fi
echo "OpenSSH interoperability: ok"
