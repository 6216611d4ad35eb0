#!/bin/sh
# Golden-file tests of openslot.conf parsing, through the daemon's check
# mode `slotd -n -v -c FILE`.
#
#   good/NAME.conf  must be accepted (exit 0, nothing on stderr); the dump
#                   on stdout must equal good/NAME.out.
#   bad/NAME.conf   must be refused (exit 1, nothing on stdout); the one
#                   line on stderr must equal bad/NAME.err.
#
# Each file is checked as x.conf in a fresh directory of its own, mode
# 0644; the directory's name is written @DIR@ in the expected files.  A
# case named world-writable* is made world-writable first.  The sample
# etc/openslot.conf must be accepted too.
#
# The built-in directories follow configure's runstatedir and
# localstatedir; the expected files show them as a system install has them
# (/run and /var).
#
# Environment: top_builddir (where slotd is built), top_srcdir,
# openslot_runstatedir and openslot_localstatedir, all set by `make
# check`; UPDATE_GOLDEN=1 rewrites the expected files from what slotd
# prints instead of comparing.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=${top_srcdir:-$(cd "$here/../.." && pwd)}
top_builddir=${top_builddir:-.}
slotd="$top_builddir/slotd"
cases="$top_srcdir/testcases/config"
update=${UPDATE_GOLDEN:-0}
rundir=${openslot_runstatedir:-/run}
statedir=${openslot_localstatedir:-/var}
pass=0
fail=0

if [ ! -x "$slotd" ]; then
	echo "run-golden.sh: $slotd is not built" >&2
	exit 99
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
trap 'exit 1' HUP INT TERM

# Prints the heading $3 and the diff between expected file $1 and actual
# file $2.
report_mismatch() {
	echo "FAIL: $3"
	diff -u "$1" "$2" || true
}

# check_case KIND CONF: runs slotd on a copy of CONF and compares.
check_case() {
	kind=$1
	conf=$2
	name=${conf##*/}
	name=${name%.conf}
	tmp=$(mktemp -d "$work/case.XXXXXX")
	real=$(cd "$tmp" && pwd -P)
	cp "$conf" "$tmp/x.conf"
	chmod 0644 "$tmp/x.conf"
	case $name in
	world-writable*) chmod o+w "$tmp/x.conf" ;;
	esac

	status=0
	"$slotd" -n -v -c "$tmp/x.conf" >"$tmp/stdout" 2>"$tmp/stderr" || status=$?
	for f in stdout stderr; do
		sed -e "s|$real|@DIR@|g" -e "s|$tmp|@DIR@|g" \
			-e "s|^run-dir = $rundir/openslot\$|run-dir = /run/openslot|" \
			-e "s#^\(lock\|data\|log\)-dir = $statedir/\(lock\|lib\|log\)/openslot\$#\1-dir = /var/\2/openslot#" \
			"$tmp/$f" >"$tmp/$f.got"
	done

	if [ "$kind" = good ]; then
		want_status=0 expected="${conf%.conf}.out" got=stdout other=stderr
	else
		want_status=1 expected="${conf%.conf}.err" got=stderr other=stdout
	fi
	if [ "$update" = 1 ]; then
		cp "$tmp/$got.got" "$expected"
	fi

	ok=1
	if [ "$status" -ne "$want_status" ]; then
		echo "FAIL: $kind/$name: exit status $status, expected $want_status"
		ok=0
	fi
	if [ -s "$tmp/$other.got" ]; then
		: >"$tmp/empty"
		report_mismatch "$tmp/empty" "$tmp/$other.got" "$kind/$name: unexpected $other"
		ok=0
	fi
	if [ ! -f "$expected" ]; then
		echo "FAIL: $kind/$name: no expected file ${expected##*/} (run with UPDATE_GOLDEN=1)"
		ok=0
	elif ! cmp -s "$expected" "$tmp/$got.got"; then
		report_mismatch "$expected" "$tmp/$got.got" "$kind/$name: $got differs"
		ok=0
	fi
	if [ "$ok" = 1 ]; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
	fi
}

# The installed sample: accepted, silently without -v.
check_sample() {
	tmp=$(mktemp -d "$work/sample.XXXXXX")
	cp "$top_srcdir/etc/openslot.conf" "$tmp/openslot.conf"
	chmod 0644 "$tmp/openslot.conf"
	if "$slotd" -n -c "$tmp/openslot.conf" >"$tmp/out" 2>&1 && [ ! -s "$tmp/out" ]; then
		pass=$((pass + 1))
	else
		echo "FAIL: etc/openslot.conf is not accepted:"
		cat "$tmp/out"
		fail=$((fail + 1))
	fi
}

for kind in good bad; do
	for conf in "$cases/$kind"/*.conf; do
		[ -f "$conf" ] || continue
		check_case "$kind" "$conf"
	done
done
check_sample

echo "run-golden.sh: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
