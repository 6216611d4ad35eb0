#!/bin/sh
# Measures openslot's TPM token against tpm2-pkcs11 on one swtpm, and the
# same TPM commands issued by tpm2-tools, and prints a Markdown report.
#
# usage: top_builddir=BUILD tpm-compare.sh [os-bench options]
#        (default --seconds 2; TPM_COMPARE_ROUNDS=N rounds, default 5)
#
# Everything runs in a private work directory removed at the end: a swtpm
# (its state there, on a free port), a session D-Bus and tpm2-abrmd serving
# that swtpm, so that both modules reach the TPM through the same resource
# manager (TCTI "tabrmd:bus_type=session"); a tpm2-pkcs11 store with one
# token; a private openslot instance whose only slot is a TPM token on that
# TCTI.  Both modules are measured by os-bench with --token-keys (tpm2-pkcs11
# makes no session keys), in alternating rounds of one run each, so that a
# change of machine load between them affects both alike; a figure is the
# median of the rounds.  The tpm2-tools figures time one command per
# process on keys made persistent first, so they are the TPM's own time plus
# a process start and a connection.
#
# The packages it needs (tpm2-abrmd, libtss2-tcti-tabrmd0, dbus,
# libtpm2-pkcs11-1, libtpm2-pkcs11-tools, jq) are installed with apt-get when
# missing.  OSB_SAVE_DIR=DIR keeps the JSON and logs.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
: "${top_builddir:=.}"
top_builddir=$(cd "$top_builddir" && pwd)
bench="$top_builddir/testcases/perf/os-bench"
so_pin=87654321
pin=123456
rows=session,rsa-pkcs-sign,ecdsa-sign,rsa-keygen,ec-keygen
probes=9
rounds=${TPM_COMPARE_ROUNDS:-5}

say() { echo "tpm-compare.sh: $*" >&2; }

need_packages() {
	missing=
	command -v tpm2-abrmd >/dev/null || missing="$missing tpm2-abrmd"
	ls /usr/lib/*/libtss2-tcti-tabrmd.so.0 >/dev/null 2>&1 || missing="$missing libtss2-tcti-tabrmd0"
	command -v dbus-daemon >/dev/null || missing="$missing dbus"
	ls /usr/lib/*/pkcs11/libtpm2_pkcs11.so* >/dev/null 2>&1 || missing="$missing libtpm2-pkcs11-1"
	command -v tpm2_ptool >/dev/null || missing="$missing libtpm2-pkcs11-tools"
	command -v jq >/dev/null || missing="$missing jq"
	command -v tpm2_sign >/dev/null || missing="$missing tpm2-tools"
	[ -z "$missing" ] && return 0
	say "installing$missing"
	apt-get install -y --no-install-recommends $missing >/dev/null
}

need_packages
[ -x "$bench" ] || { say "$bench is not built"; exit 2; }
p11lib=$(ls /usr/lib/*/pkcs11/libtpm2_pkcs11.so* | head -n 1)

work=$(mktemp -d /tmp/osb-tpm-XXXXXX)
pids=
cleanup() {
	[ -z "${OSL_DIR:-}" ] || instance_stop
	for p in $pids; do kill "$p" 2>/dev/null || true; done
	if [ -n "${OSB_SAVE_DIR:-}" ]; then
		mkdir -p "$OSB_SAVE_DIR"
		cp "$work"/*.json "$work"/*.log "$work"/*.start "$work"/tools.txt "$OSB_SAVE_DIR"/ \
			2>/dev/null || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT

free_port() {
	python3 -c 'import socket
for p in range(20000, 60000, 2):
    try:
        a = socket.socket(); a.bind(("127.0.0.1", p)); b = socket.socket(); b.bind(("127.0.0.1", p + 1))
        a.close(); b.close(); print(p); break
    except OSError:
        pass'
}

# swtpm, a session bus and tpm2-abrmd on it.
start_tpm() {
	port=$(free_port)
	mkdir -p "$work/tpm"
	swtpm socket --tpm2 --tpmstate dir="$work/tpm" --flags not-need-init,startup-clear \
		--server type=tcp,bindaddr=127.0.0.1,port="$port" \
		--ctrl type=tcp,bindaddr=127.0.0.1,port=$((port + 1)) >"$work/swtpm.log" 2>&1 &
	pids="$pids $!"
	dbus-daemon --session --fork --print-address=1 --print-pid=1 >"$work/dbus.out"
	DBUS_SESSION_BUS_ADDRESS=$(sed -n 1p "$work/dbus.out")
	pids="$pids $(sed -n 2p "$work/dbus.out")"
	export DBUS_SESSION_BUS_ADDRESS
	sleep 0.3
	# tpm2-pkcs11 keeps every key it generated loaded: room for them (100 is
	# the most tpm2-abrmd allows)
	tpm2-abrmd --session --allow-root --tcti "swtpm:host=127.0.0.1,port=$port" \
		--max-transients=100 --max-connections=64 \
		>"$work/abrmd.log" 2>&1 &
	pids="$pids $!"
	export TPM2TOOLS_TCTI=tabrmd:bus_type=session
	for _ in $(seq 50); do
		tpm2_getcap properties-fixed >/dev/null 2>&1 && return 0
		sleep 0.2
	done
	say "tpm2-abrmd does not answer: $(tail -n 2 "$work/abrmd.log")"
	exit 1
}

setup_tpm2_pkcs11() {
	export TPM2_PKCS11_TCTI=tabrmd:bus_type=session
	export TPM2_PKCS11_STORE="$work/tpm2-pkcs11"
	mkdir -p "$TPM2_PKCS11_STORE"
	tpm2_ptool init --path "$TPM2_PKCS11_STORE" >"$work/ptool.log" 2>&1
	tpm2_ptool addtoken --pid=1 --sopin="$so_pin" --userpin="$pin" --label=os-bench \
		--path "$TPM2_PKCS11_STORE" >>"$work/ptool.log" 2>&1
}

# A private openslot instance whose slot 0 is the TPM token.
setup_openslot() {
	. "$here/../interop/instance.sh"
	OSL_DIR=$(mktemp -d /tmp/osl-tpm-XXXXXX)
	cat >"$OSL_DIR/openslot.conf" <<CONF
run-dir = "run"; lock-dir = "lock"; data-dir = "data"; log-dir = "log";
group = "$(id -gn)";
slots = (
  { id = 0; backend = "tpm"; token = "tpm"; options = { tcti = "tabrmd:bus_type=session"; }; }
);
CONF
	chmod 0644 "$OSL_DIR/openslot.conf"
	export OPENSLOT_CONF="$OSL_DIR/openslot.conf"
	export OPENSLOT_TOKEN_DIR="$top_builddir/.libs"
	"$OSL_SLOTD" -c "$OPENSLOT_CONF"
}

# run NAME ROUND os-bench-arguments...: NAME.ROUND.json and NAME.log.
run() {
	name=$1
	round=$2
	shift 2
	say "measuring $name, round $round (log: $work/$name.log)"
	"$bench" --json --no-openssl --token-keys --only "$rows" --objects none --seconds 2 \
		"$@" --runs 1 >"$work/$name.$round.json" 2>>"$work/$name.log" ||
		[ -s "$work/$name.$round.json" ] || echo null >"$work/$name.$round.json"
}

# NAME.json: the rows of the rounds, each figure the median of the rounds
# that measured it.
merge_rounds() {
	jq -s '[.[] | select(. != null)] as $r
	  | if ($r | length) == 0 then null else
	    $r[0] + {operations: [$r[0].operations[] | .id as $id
	      | ([$r[] | .operations[] | select(.id == $id) | .module | select(.status == "ok") | .median]
	         | sort) as $v
	      | . + {module: (if ($v | length) == 0 then .module
	          else {status: "ok", median: $v[(($v | length) - 1) / 2 | floor],
	                runs: ($v | length)} end)}]} end' "$work/$1".*.json >"$work/$1.json"
}

# probe NAME os-bench-arguments...: the median C_Initialize+C_Login of new
# processes in NAME.start, in ms ("failed" when a probe failed).
probe() {
	name=$1
	shift
	for _ in $(seq "$probes"); do
		"$bench" --probe-start "$@" 2>>"$work/$name.log" | sed -n 's/^start_ms=\([0-9.]*\).*/\1/p'
	done | sort -n | awk -v n="$probes" '{v[NR] = $1} END {if (NR < n) print "failed"; else print v[int((NR + 1) / 2)]}' \
		>"$work/$name.start"
}

# The median in ms of n runs of a command.
time_cmd() {
	n=$1
	shift
	for _ in $(seq "$n"); do
		t0=$(date +%s%N)
		"$@" >/dev/null 2>&1 || { echo "failed: $*" >&2; return 1; }
		echo $((($(date +%s%N) - t0) / 1000))
	done | sort -n | awk '{v[NR] = $1} END {printf "%.1f\n", v[int((NR + 1) / 2)] / 1000}'
}

# tpm2-tools: the same commands, one process each, on persistent keys.
measure_tools() {
	d="$work/tools"
	mkdir -p "$d"
	cd "$d"
	tpm2_createprimary -C o -G ecc256:aes128cfb -c primary.ctx >/dev/null
	tpm2_evictcontrol -C o -c primary.ctx 0x81000101 >/dev/null
	tpm2_create -C 0x81000101 -G rsa2048 -u rsa.pub -r rsa.priv >/dev/null
	tpm2_create -C 0x81000101 -G ecc256 -u ec.pub -r ec.priv >/dev/null
	tpm2_load -C 0x81000101 -u rsa.pub -r rsa.priv -c rsa.ctx >/dev/null
	tpm2_evictcontrol -C o -c rsa.ctx 0x81000102 >/dev/null
	tpm2_load -C 0x81000101 -u ec.pub -r ec.priv -c ec.ctx >/dev/null
	tpm2_evictcontrol -C o -c ec.ctx 0x81000103 >/dev/null
	head -c 32 /dev/zero >digest
	{
		echo "getrandom=$(time_cmd 20 tpm2_getrandom 16)"
		echo "rsa_sign=$(time_cmd 20 tpm2_sign -c 0x81000102 -g sha256 -s rsassa -d digest -o s)"
		echo "ec_sign=$(time_cmd 20 tpm2_sign -c 0x81000103 -g sha256 -s ecdsa -d digest -o s)"
		echo "rsa_create=$(time_cmd 5 tpm2_create -C 0x81000101 -G rsa2048 -u x.pub -r x.priv)"
		echo "ec_create=$(time_cmd 20 tpm2_create -C 0x81000101 -G ecc256 -u x.pub -r x.priv)"
		echo "load=$(time_cmd 20 tpm2_load -C 0x81000101 -u ec.pub -r ec.priv -c x.ctx)"
	} >"$work/tools.txt"
	for h in 0x81000103 0x81000102 0x81000101; do
		tpm2_evictcontrol -C o -c "$h" >/dev/null
	done
	cd "$work"
}

start_tpm
setup_tpm2_pkcs11
setup_openslot
for r in $(seq "$rounds"); do
	run openslot "$r" --module "$OSL_LIB" --slot 0 --init --so-pin "$so_pin" --pin "$pin" "$@"
	run tpm2-pkcs11 "$r" --module "$p11lib" --token os-bench --pin "$pin" "$@"
done
# tpm2-pkcs11 keeps each key pair it generates loaded until the process
# ends, and tpm2-abrmd allows 100 transient objects per connection: P-256
# generation is measured again in short runs that stay below that.
rows=ec-keygen
for r in $(seq "$rounds"); do
	run openslot-short "$r" --module "$OSL_LIB" --slot 0 --pin "$pin" "$@" --seconds 0.3
	run tpm2-pkcs11-short "$r" --module "$p11lib" --token os-bench --pin "$pin" "$@" --seconds 0.3
done
for n in openslot tpm2-pkcs11 openslot-short tpm2-pkcs11-short; do
	merge_rounds "$n"
done
probe openslot --module "$OSL_LIB" --slot 0 --pin "$pin"
probe tpm2-pkcs11 --module "$p11lib" --token os-bench --pin "$pin"
say "timing tpm2-tools"
measure_tools
. "$work/tools.txt"

echo "# openslot's TPM token against tpm2-pkcs11"
echo
echo "- TPM: swtpm $(swtpm --version 2>&1 | head -n 1 | sed 's/.*version //'), through tpm2-abrmd $(dpkg-query -W -f '${Version}' tpm2-abrmd 2>/dev/null)"
echo "- openslot: $(jq -r '.library // "not run"' "$work/openslot.json")"
echo "- tpm2-pkcs11: $(jq -r '.library // "not run"' "$work/tpm2-pkcs11.json")"
echo "- CPU: $(lscpu | sed -n 's/^Model name: *//p' | head -n 1), $(nproc) CPUs; load $(cut -d ' ' -f 1-3 /proc/loadavg)"
echo "- command: tpm-compare.sh $*; $rounds alternating rounds, each figure their median"
echo
echo "| operation | openslot | tpm2-pkcs11 | ratio | tpm2-tools, one process per command |"
echo "|---|--:|--:|--:|---|"
jq -n -r --slurpfile o "$work/openslot.json" --slurpfile t "$work/tpm2-pkcs11.json" \
	--slurpfile osh "$work/openslot-short.json" --slurpfile tsh "$work/tpm2-pkcs11-short.json" \
	--arg rsa "$rsa_sign" --arg ec "$ec_sign" --arg rsag "$rsa_create" --arg ecg "$ec_create" \
	--arg rnd "$getrandom" --arg load "$load" \
	--arg os "$(cat "$work/openslot.start")" --arg ts "$(cat "$work/tpm2-pkcs11.start")" '
def fmt: if . == null then "not run" elif .status == "ok" then
  (if .median >= 100 then (.median | round | tostring) else ((.median * 10 | round) / 10 | tostring) end)
  else .status end;
def ok: . != null and .status == "ok" and .median > 0;
def ratio($a; $b; $lower): if ($a | ok) and ($b | ok) then
  (if $lower then $b.median / $a.median else $a.median / $b.median end) * 100 | round / 100 | tostring + "x"
  else "" end;
def row($d; $id): if $d == null then null else (first($d.operations[] | select(.id == $id)) | .module) // null end;
def start($v): if ($v | test("^[0-9.]+$")) then {status: "ok", median: ($v | tonumber)} else {status: $v} end;
$o[0] as $O | $t[0] as $T |
((["session", "open+close session, ops/s", ""],
 ["rsa-pkcs-sign", "RSA-2048 sign (CKM_RSA_PKCS), ops/s", "tpm2_sign \($rsa) ms"],
 ["ecdsa-sign", "ECDSA P-256 sign (CKM_ECDSA), ops/s", "tpm2_sign \($ec) ms"],
 ["rsa-keygen", "RSA-2048 token key pair + destroy, ops/s", "tpm2_create \($rsag) ms"],
 ["ec-keygen", "P-256 token key pair + destroy, ops/s", "tpm2_create \($ecg) ms"],
 ["ec-keygen", "P-256 token key pair + destroy, runs of 0.3 s, ops/s", "tpm2_create \($ecg) ms", true])
| . as [$id, $name, $tools, $short]
| (if $short then row($osh[0]; $id) else row($O; $id) end) as $a
| (if $short then row($tsh[0]; $id) else row($T; $id) end) as $b
| "| \($name) | \($a | fmt) | \($b | fmt) | \(ratio($a; $b; false)) | \($tools) |"),
(start($os) as $a | start($ts) as $b
| "| C_Initialize+C_Login (new process), ms | \($a | fmt) | \($b | fmt) | \(ratio($a; $b; true)) | tpm2_getrandom \($rnd) ms, tpm2_load \($load) ms |")
'
echo
echo "Ratios above 1 mean openslot is faster."
