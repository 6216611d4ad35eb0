#!/bin/sh
# Runs os-bench against openslot, SoftHSMv2 and openCryptoki on this machine
# and prints one side-by-side Markdown report with ratios.
#
# usage: top_builddir=BUILD compare.sh [--reinit-opencryptoki] [os-bench options]
#        compare.sh --report DIR   (the report again from the JSON kept by
#                                   OSB_SAVE_DIR=DIR, measuring nothing)
#
# openslot runs as a private instance (testcases/interop/instance.sh) and
# SoftHSMv2 with a private SOFTHSM2_CONF; both keep their tokens in a
# temporary directory removed at the end.  openCryptoki 3.x has fixed system
# paths: its pkcsslotd is started if it is not running (and stopped again),
# and its soft token (slot 3) is initialised with the label "os-bench".  A
# soft token already initialised under another label holds someone's keys:
# it is left alone, and openCryptoki skipped, unless --reinit-opencryptoki
# is given.  A peer that cannot run here is reported as such, never guessed.
#
# OSB_SAVE_DIR=DIR keeps each run's JSON and log there.
# Needs jq; the peers come from the Debian packages softhsm2 and opencryptoki.
# The raw OpenSSL column is measured inside the openslot run.  Progress and
# each run's log go to stderr and to the work directory.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
: "${top_builddir:=.}"
top_builddir=$(cd "$top_builddir" && pwd)
bench="$top_builddir/testcases/perf/os-bench"
softhsm_lib=/usr/lib/softhsm/libsofthsm2.so
ock_lib=$(ls /usr/lib/*/pkcs11/libopencryptoki.so /usr/lib/opencryptoki/libopencryptoki.so \
	2>/dev/null | head -n 1 || true)
ock_slot=3
so_pin=87654321
pin=123456

reinit_ock=no
report_only=
case "${1:-}" in
--reinit-opencryptoki)
	reinit_ock=yes
	shift
	;;
--report)
	report_only=$(cd "$2" && pwd)
	shift 2
	;;
esac

command -v jq >/dev/null || { echo "compare.sh: needs jq (apt-get install jq)" >&2; exit 2; }
[ -n "$report_only" ] || [ -x "$bench" ] || { echo "compare.sh: $bench is not built" >&2; exit 2; }

. "$here/../interop/instance.sh"
work=$(mktemp -d /tmp/osb-compare-XXXXXX)
ock_started=

compare_cleanup() {
	if [ -n "${OSB_SAVE_DIR:-}" ]; then
		mkdir -p "$OSB_SAVE_DIR"
		cp "$work"/*.json "$work"/*.log "$OSB_SAVE_DIR"/ 2>/dev/null || true
	fi
	if [ -n "$ock_started" ]; then
		kill "$ock_started" 2>/dev/null || true
	fi
	instance_stop
	rm -rf "$work"
}
trap compare_cleanup EXIT

say() { echo "compare.sh: $*" >&2; }

# run NAME os-bench-arguments...: NAME.json, or NAME.skip with the reason.
run() {
	name=$1
	shift
	rc=0
	say "measuring $name (log: $work/$name.log)"
	"$bench" --json "$@" >"$work/$name.json" 2>"$work/$name.log" || rc=$?
	if [ "$rc" = 0 ] || { [ "$rc" = 3 ] && [ -s "$work/$name.json" ]; }; then
		return 0 # with 3 some figures failed: the report says which
	fi
	rm -f "$work/$name.json"
	echo "os-bench exited $rc: $(tail -n 1 "$work/$name.log")" >"$work/$name.skip"
}

run_openslot() {
	instance_start >/dev/null
	trap compare_cleanup EXIT # instance_start sets its own
	# the private store is removed at the end: no need to empty it first
	run openslot --module "$OSL_LIB" --slot 0 --init --so-pin "$so_pin" --pin "$pin" \
		--keep-objects "$@"
}

run_softhsm() {
	if [ ! -f "$softhsm_lib" ] || ! command -v softhsm2-util >/dev/null; then
		echo "SoftHSMv2 is not installed (Debian package softhsm2)" >"$work/softhsm.skip"
		return 0
	fi
	mkdir -p "$work/softhsm/tokens"
	printf 'directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n' \
		"$work/softhsm/tokens" >"$work/softhsm/softhsm2.conf"
	export SOFTHSM2_CONF="$work/softhsm/softhsm2.conf"
	if ! softhsm2-util --init-token --free --label os-bench --so-pin "$so_pin" \
		--pin "$pin" >"$work/softhsm.init" 2>&1; then
		echo "softhsm2-util --init-token failed: $(tail -n 1 "$work/softhsm.init")" \
			>"$work/softhsm.skip"
		return 0
	fi
	run softhsm --module "$softhsm_lib" --token os-bench --pin "$pin" --keep-objects "$@"
}

# pkcsslotd running, the directories of the Debian package, group pkcs11.
ock_daemon() {
	getent group pkcs11 >/dev/null || groupadd -r pkcs11 || return 1
	if [ -f /usr/lib/tmpfiles.d/opencryptoki.conf ] && command -v systemd-tmpfiles >/dev/null; then
		systemd-tmpfiles --create /usr/lib/tmpfiles.d/opencryptoki.conf 2>/dev/null || true
	fi
	for d in /var/lock/opencryptoki/swtok /var/lib/opencryptoki/swtok/TOK_OBJ; do
		mkdir -p "$d"
		chgrp pkcs11 "$d" "$(dirname "$d")"
		chmod 0770 "$d" "$(dirname "$d")"
	done
	if pid=$(cat /var/run/pkcsslotd.pid 2>/dev/null) && kill -0 "$pid" 2>/dev/null; then
		return 0
	fi
	/usr/sbin/pkcsslotd || return 1
	ock_started=$(cat /var/run/pkcsslotd.pid 2>/dev/null || true)
	[ -n "$ock_started" ]
}

# The soft token initialised as "os-bench" with the user PIN set.
ock_token() {
	info=$(pkcsconf -t -c "$ock_slot" 2>&1) || { echo "pkcsconf -t: $info"; return 1; }
	title=$(printf '%s\n' "$info" | sed -n 's/^[[:space:]]*Label: *//p' | sed 's/ *$//')
	if printf '%s\n' "$info" | grep -q 'TOKEN_INITIALIZED' && [ "$title" != os-bench ] &&
		[ "$reinit_ock" != yes ]; then
		echo "its soft token is in use (label '$title'); --reinit-opencryptoki erases it"
		return 1
	fi
	echo os-bench | pkcsconf -I -c "$ock_slot" -S "$so_pin" >"$work/ock.init" 2>&1 ||
		{ echo "pkcsconf -I: $(tail -n 1 "$work/ock.init")"; return 1; }
	pkcsconf -u -c "$ock_slot" -S "$so_pin" -n "$pin" >>"$work/ock.init" 2>&1 ||
		{ echo "pkcsconf -u: $(tail -n 1 "$work/ock.init")"; return 1; }
}

run_opencryptoki() {
	if [ -z "$ock_lib" ] || [ ! -x /usr/sbin/pkcsslotd ]; then
		echo "openCryptoki is not installed (Debian package opencryptoki)" >"$work/ock.skip"
		return 0
	fi
	if ! ock_daemon >"$work/ock.daemon" 2>&1; then
		echo "pkcsslotd does not start here: $(tail -n 1 "$work/ock.daemon")" >"$work/ock.skip"
		return 0
	fi
	if ! why=$(ock_token); then
		echo "$why" >"$work/ock.skip"
		return 0
	fi
	run ock --module "$ock_lib" --token os-bench --pin "$pin" "$@"
}

# The machine the figures belong to.
machine() {
	model=$(lscpu | sed -n 's/^Model name: *//p' | head -n 1)
	echo "- CPU: $model, $(nproc) online CPUs ($(lscpu | sed -n 's/^Hypervisor vendor: *//p') guest)"
	echo "- memory: $(free -h | awk '/^Mem:/ {print $2}'); kernel $(uname -r)"
	if [ -n "$report_only" ]; then
		echo "- figures measured earlier, read from $report_only"
		return 0
	fi
	echo "- finished: $(date -u '+%Y-%m-%d %H:%M UTC'); load average before: $load_before, after: $(load)"
}

load() { cut -d ' ' -f 1-3 /proc/loadavg; }
load_before=$(load)

# The report, from the three JSON documents of os-bench ($o, $s, $c; null
# for a module that did not run) and the reasons a module did not run.
merge='
def commas: tostring as $t | ($t | length) as $n
  | [range(0; $n) | $t[.:.+1] + (if . < $n - 1 and (($n - . - 1) % 3) == 0 then "," else "" end)]
  | join("");
def num: if . >= 100 then (round | commas)
  elif . >= 10 then ((. * 10 | round) / 10 | tostring)
  else ((. * 100 | round) / 100 | tostring) end;
def cell: if . == null then "not run" elif .status == "ok" then (.median | num)
  elif .status == "skipped" then "" else .status end;
def ok: . != null and .status == "ok" and .median > 0;
# how many times better openslot ($a) is than $b: rates divide, times invert
def better($a; $b; $lower):
  if ($a | ok) and ($b | ok) then
    (if $lower then $b.median / $a.median else $a.median / $b.median end)
    | (. * 100 | round) as $r
    | "\($r / 100 | floor).\($r % 100 | tostring | if length == 1 then "0" + . else . end)x"
  else "" end;
def op($d; $id): if $d == null then null else (first($d.operations[] | select(.id == $id)) | .module) // null end;
def par($d; $id): if $d == null then null else (first($d.concurrent[] | select(.id == $id)) | .module) // null end;
def obj($d; $n): if $d == null then null else first($d.objects[] | select(.count == $n)) // null end;
def rss: if . == null then null elif .rss_kib > 0 then {status: "ok", median: (.rss_kib / 1024)} else .start_ms end;
# "what: why" for every figure of document $d that failed
def failures($d; $name):
  if $d == null then empty else
    ($d.operations[] | select(.module.status == "failed") | "- \($name), \(.name): \(.module.why)"),
    ($d.concurrent[] | select(.module.status == "failed") | "- \($name), ECDSA \(.workers) \(if .processes then "processes" else "threads" end): \(.module.why)"),
    ($d.objects[] | .count as $n | ["create", "create_par", "find", "destroy", "start_ms"][] as $k
      | select(.[$k] != null and .[$k].status == "failed") | "- \($name), \($n) objects, \($k): \(.[$k].why)")
  end;
def workers: "\(.workers) \(if .processes then "process" else "thread" end)\(if .workers > 1 then (if .processes then "es" else "s" end) else "" end)";
def who($d; $skip; $name):
  if $d == null then "- \($name): not run: \($skip | rtrimstr("\n"))"
  else "- \($name): \($d.library); token \($d.token)" end;

$o[0] as $O | $s[0] as $S | $c[0] as $C | ($O // $S // $C) as $B |
who($O; $oskip; "openslot"), who($S; $sskip; "SoftHSMv2"), who($C; $cskip; "openCryptoki"),
if $B == null then "", "No module could be measured." else
"- raw OpenSSL: \($B.openssl), measured in the same process as \(if $O then "openslot" else "the first peer" end)",
"- each figure: the median of \($B.runs) runs of \($B.seconds) s; ratios > 1 mean openslot is better",
"",
"## Single operations (ops/s)",
"",
"| operation | openslot | SoftHSMv2 | openCryptoki | raw OpenSSL | openslot / OpenSSL | vs SoftHSMv2 | vs openCryptoki |",
"|---|--:|--:|--:|--:|--:|--:|--:|",
($B.operations[] | .id as $id
  | op($O; $id) as $a | op($S; $id) as $b | op($C; $id) as $k | .openssl as $l
  | "| \(.name) | \($a | cell) | \($b | cell) | \($k | cell) | \($l | cell) | \(better($a; $l; false)) | \(better($a; $b; false)) | \(better($a; $k; false)) |"),
"",
"## Concurrent ECDSA P-256 signing, CKM_ECDSA (ops/s; x: against one thread of the same module)",
"",
"| workers | openslot | x | SoftHSMv2 | x | openCryptoki | x | raw OpenSSL | x |",
"|---|--:|--:|--:|--:|--:|--:|--:|--:|",
# (a run without concurrent figures must not make the rest of the report vanish)
(([$B.concurrent[] | select(.id == "ecdsa-threads-1")][0] // {}) | .openssl) as $l1 |
($B.concurrent[] | .id as $id | .openssl as $l
  | "| \(workers) | \(par($O; $id) | cell) | \(better(par($O; $id); par($O; "ecdsa-threads-1"); false)) | \(par($S; $id) | cell) | \(better(par($S; $id); par($S; "ecdsa-threads-1"); false)) | \(par($C; $id) | cell) | \(better(par($C; $id); par($C; "ecdsa-threads-1"); false)) | \($l | cell) | \(better($l; $l1; false)) |"),
"",
"## Token objects",
"",
"| objects present | figure | openslot | SoftHSMv2 | openCryptoki | vs SoftHSMv2 | vs openCryptoki |",
"|--:|---|--:|--:|--:|--:|--:|",
($B.objects[] | .count as $n | (.count | commas) as $cn
  | (["create", "create/s", false], ["create_par", "create/s, 8 processes at once", false],
     ["find", "find by label/s", false],
     ["destroy", "destroy/s", false], ["start_ms", "C_Initialize+C_Login ms", true],
     ["login_ms", "of which C_Login ms", true],
     ["beyond_kdf", "C_Login minus the Argon2id reference (openslot only)", true],
     ["rss", "peak RSS of that process, MiB", true])
  | . as [$key, $title, $lower]
  # beyond_kdf: openslot derives with Argon2id; the peers do not, so they get no figure
  | def pick($d): obj($d; $n) | if . == null then null elif $key == "rss" then rss
      elif $key == "beyond_kdf" then
        (if $d != $O or (.login_ms | ok | not) or ($d.kdf_ref_ms | ok | not) then {status: "skipped"}
         else {status: "ok", median: (.login_ms.median - $d.kdf_ref_ms.median)} end)
      else (.[$key] // {status: "skipped"}) end;
    pick($O) as $a | pick($S) as $b | pick($C) as $k
  | "| \($cn) | \($title) | \($a | cell) | \($b | cell) | \($k | cell) | \(better($a; $b; $lower)) | \(better($a; $k; $lower)) |"),
([failures($O; "openslot"), failures($S; "SoftHSMv2"), failures($C; "openCryptoki")] as $f
  | if ($f | length) > 0 then "", "## Failed figures", "", $f[] else empty end)
end
'

if [ -n "$report_only" ]; then
	for n in openslot softhsm ock; do
		if [ -f "$report_only/$n.json" ]; then
			cp "$report_only/$n.json" "$work/"
		else
			echo "no $n.json in $report_only" >"$work/$n.skip"
		fi
	done
else
	run_openslot "$@"
	run_softhsm "$@"
	run_opencryptoki "$@"
fi

for n in openslot softhsm ock; do
	[ -f "$work/$n.json" ] || echo null >"$work/$n.json"
	[ -f "$work/$n.skip" ] || : >"$work/$n.skip"
done

echo "# openslot against its peers"
echo
machine
[ -n "$report_only" ] || echo "- command: compare.sh $*"
echo
jq -n -r "$merge" \
	--slurpfile o "$work/openslot.json" --slurpfile s "$work/softhsm.json" \
	--slurpfile c "$work/ock.json" \
	--rawfile oskip "$work/openslot.skip" --rawfile sskip "$work/softhsm.skip" \
	--rawfile cskip "$work/ock.skip"
