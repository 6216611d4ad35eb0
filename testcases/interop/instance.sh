# Shell helpers for tests that drive openslot with real clients: a private
# slotd instance in a temporary directory.  Source it, then call
# instance_start; instance_stop runs on exit.
#
# Sets: OSL_DIR, OSL_LIB (the PKCS#11 library), OPENSLOT_CONF and
# OPENSLOT_TOKEN_DIR (exported), OSL_SLOTD.

: "${top_builddir:=.}"
top_builddir=$(cd "$top_builddir" && pwd)
OSL_SLOTD="$top_builddir/slotd"
OSL_LIB="$top_builddir/.libs/libopenslot.so"

# A client built without sanitizers can load a library built with them only
# when their runtimes are preloaded; $OSL_RUN prefixes client commands.
# Leaks of the clients themselves are not ours to report.
OSL_RUN=
osl_asan=$(ldd "$OSL_LIB" 2>/dev/null | awk '/libasan/ {print $3}')
osl_ubsan=$(ldd "$OSL_LIB" 2>/dev/null | awk '/libubsan/ {print $3}')
if [ -n "$osl_asan" ]; then
	OSL_RUN="env LD_PRELOAD=$osl_asan${osl_ubsan:+:$osl_ubsan} ASAN_OPTIONS=detect_leaks=0:halt_on_error=0"
fi

instance_stop() {
	if [ -n "${OSL_DIR:-}" ] && [ -f "$OSL_DIR/run/slotd.pid" ]; then
		pid=$(cat "$OSL_DIR/run/slotd.pid")
		kill "$pid" 2>/dev/null || true
		while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
	fi
	if [ -n "${OSL_DIR:-}" ]; then
		# per-token shared memory outlives the processes by design
		rm -f /dev/shm/"$(printf '%s' "$OSL_DIR" | sed 's|^/||; s|/|.|g')".*
		rm -rf "$OSL_DIR"
	fi
	return 0
}

instance_start() {
	OSL_DIR=$(mktemp -d /tmp/osl-interop-XXXXXX)
	trap instance_stop EXIT
	cat >"$OSL_DIR/openslot.conf" <<CONF
run-dir = "run"; lock-dir = "lock"; data-dir = "data"; log-dir = "log";
group = "$(id -gn)";
slots = (
  { id = 0; backend = "soft"; token = "softtok"; description = "openslot soft token"; },
  { id = 1; backend = "tpm"; token = "tpm"; options = { device = "/nonexistent"; }; },
  { id = 2; backend = "cca"; token = "ccatok"; },
  { id = 3; backend = "ep11"; token = "ep11tok"; }
);
CONF
	chmod 0644 "$OSL_DIR/openslot.conf"
	export OPENSLOT_CONF="$OSL_DIR/openslot.conf"
	export OPENSLOT_TOKEN_DIR="$top_builddir/.libs"
	"$OSL_SLOTD" -c "$OPENSLOT_CONF" # returns once it serves
}

# Fails the test with a message.
fail() {
	echo "FAIL: $*" >&2
	exit 1
}
