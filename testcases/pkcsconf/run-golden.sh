#!/bin/sh
# pkcsconf against a private openslot instance.
#
# Golden files (golden/NAME) hold the expected output, after the variable
# parts are normalised by normalise() below: the instance and build
# directories, token serial numbers and clocks, versions that follow the
# release, and the random IDs pkcsconf makes up when --id is not given.
# The *.txt transcripts record, for each command, its arguments, its
# stdout, its stderr (lines prefixed "stderr: ") and its exit status.
# Every JSON document is also checked by python3 -m json.tool.
#
# Behaviour checked beyond the golden files: PINs given on stdin, wrong
# PINs down to a locked PIN and its reset by the SO, the SO's KDF
# parameters for new PINs, keys generated and
# imported (PEM from openssl genpkey, a certificate from openssl req),
# public keys and certificates exported and read back by openssl, a
# signature by pkcs11-tool verified with an exported key (when OpenSC is
# installed), deletion, a user outside the group (when run as root), and
# slotd not running.
#
# pkcsconf runs directly: in the sanitizer build it is built with the
# sanitizers itself, so it needs no preload and its leaks are reported;
# $OSL_RUN prefixes only the clients built without them (pkcs11-tool).
#
# Environment: top_builddir and top_srcdir from `make check`;
# UPDATE_GOLDEN=1 rewrites the golden files instead of comparing.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
. "$here/../interop/instance.sh"
golden="$here/golden"
update=${UPDATE_GOLDEN:-0}
pkcsconf="$top_builddir/pkcsconf"
python=/usr/bin/python3
[ -x "$python" ] || python=python3
failures=0

[ -x "$pkcsconf" ] || { echo "run-golden.sh: $pkcsconf is not built" >&2; exit 99; }
command -v openssl >/dev/null || { echo "run-golden.sh: openssl is needed" >&2; exit 77; }

instance_start
work="$OSL_DIR/work"
mkdir -p "$work"
SO=87654321

pc() {
	"$pkcsconf" --module "$OSL_LIB" "$@"
}

normalise() {
	sed -e "s|$OSL_DIR|@DIR@|g" \
		-e "s|$top_builddir|@BUILD@|g" \
		-e 's|/[^ )]*/openslot/libopenslot\.so|@MODULE@|g' \
		-e 's/^\(\tSerial Number:\).*/\1 @SERIAL@/' \
		-e 's/^\(\tTime:\).*/\1 @TIME@/' \
		-e 's/^\(\tLibrary Version:\).*/\1 @VERSION@/' \
		-e 's/^\(\t\(Hardware\|Firmware\) Version:\).*/\1 @VERSION@/' \
		-e 's/\("serial_number": \)"[^"]*"/\1"@SERIAL@"/' \
		-e 's/\("time": \)"[^"]*"/\1"@TIME@"/' \
		-e 's/\("library_version": \)"[^"]*"/\1"@VERSION@"/' \
		-e 's/\("\(hardware\|firmware\)_version": \)"[^"]*"/\1"@VERSION@"/' \
		-e 's/\([^0-9a-f]\)[0-9a-f]\{16\}\([^0-9a-f]\|$\)/\1@RANDOM-ID@\2/g'
}

# golden NAME: compares $work/NAME (normalised here) with golden/NAME.
golden() {
	normalise <"$work/$1" >"$work/$1.norm"
	if [ "$update" = 1 ]; then
		cp "$work/$1.norm" "$golden/$1"
	elif [ ! -f "$golden/$1" ]; then
		echo "FAIL: no golden/$1 (run with UPDATE_GOLDEN=1)"
		failures=$((failures + 1))
	elif ! diff -u "$golden/$1" "$work/$1.norm"; then
		echo "FAIL: golden/$1 differs"
		failures=$((failures + 1))
	fi
}

# json NAME ARGS...: pkcsconf's JSON output, validated, compared with golden/NAME.
json() {
	name=$1
	shift
	pc "$@" >"$work/$name" || fail "pkcsconf $*: exit status $?"
	"$python" -m json.tool "$work/$name" >/dev/null || fail "pkcsconf $*: not valid JSON"
	golden "$name"
}

# text NAME ARGS...: pkcsconf's text output compared with golden/NAME.
text() {
	name=$1
	shift
	pc "$@" >"$work/$name" || fail "pkcsconf $*: exit status $?"
	golden "$name"
}

# step FILE ARGS...: runs pkcsconf (stdin passed on) and appends the
# command, its output and its exit status to the transcript FILE.
step() {
	file="$work/$1"
	shift
	status=0
	pc "$@" >"$work/out" 2>"$work/err" || status=$?
	{
		echo "\$ pkcsconf${*:+ $*}"
		cat "$work/out"
		sed 's/^/stderr: /' "$work/err"
		echo "[exit $status]"
	} >>"$file"
	return 0
}

# input LINE...: the lines a following step reads as its stdin from $work/in.
input() {
	printf '%s\n' "$@" >"$work/in"
}

# expect STATUS: the exit status of the last step.
expect() {
	[ "$status" -eq "$1" ] || fail "$(tail -n 8 "$file"): exit status $status, expected $1"
}

. "$here/steps.sh"

displays
tokens
pins
kdf
keys
exports
deletes
mechanisms
usage
permission
not_running

[ "$failures" -eq 0 ] || fail "$failures golden files differ"
echo "pkcsconf: ok"
