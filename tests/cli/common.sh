# Shared by the command-line tests (sourced; run-tests.sh runs only
# test_*.sh). Each test runs in a fresh temporary directory.
# the daemons' default administrator's file is this machine's
# /etc/trustline/trustline.conf: the tests read only the files they write
export TRUSTLINE_SYSCONFDIR="${TRUSTLINE_SYSCONFDIR:-/nonexistent/trustline}"
unset TRUSTLINE_CONFIG
# conf_set FILE SECTION KEY=VALUE...: see scripts/conf-set.sh
conf_set() { sh "$(dirname "$0")/../../scripts/conf-set.sh" "$@"; }
fail() { echo "FAIL: $*"; exit 1; }
expect() {	# expect CODE CMD...: run CMD, check its exit status
	want=$1; shift
	set +e; "$@" > out.txt 2> err.txt; got=$?; set -e
	[ "$got" -eq "$want" ] || { cat out.txt err.txt; fail "$* exited $got, expected $want"; }
}
started() {	# started LOG PID: wait for the start line, print the port
	for _ in $(seq 100); do
		grep -q "event=start" "$1" 2>/dev/null && break
		kill -0 "$2" 2>/dev/null || { cat "$1"; fail "$1: the server did not start"; }
		sleep 0.05
	done
	sed -n 's/.*event=start.* port=\([0-9]*\).*/\1/p' "$1" | head -1
}
enrolling() {	# enrolling DEVICE...: each added, an LSC install pending (null string, EC 256)
	for d in "$@"; do
		expect 0 $T device add "$d" --model CP-8865
		expect 0 $T device capf "$d" --operation install --auth-mode null --key ec:256
	done
}
servers() {	# servers [capfd]: tftpd, tvsd (and capfd) of dd on loopback ports, as
	# this user, from an administrator's file of their own sections; sets
	# TFTP, TVS (and CAPF) and adds the daemons to pids. Every phone here is
	# 127.0.0.1: no per-address rate limit.
	sed -i "s/^per_ip_rate = .*/per_ip_rate = 0/" dd/trustline.conf
	: > servers.conf
	conf_set servers.conf tftp user="$(id -un)" per_client_rate=0
	conf_set servers.conf tvs user="$(id -un)"
	[ "${1:-}" != capfd ] || conf_set servers.conf capf user="$(id -un)"
	"$BUILD_DIR/bin/tftpd" -c servers.conf --listen 127.0.0.1 --port 0 --http-port -1 \
		--foreground 2> tftpd.log &
	pids="${pids:-} $!"; TFTP=$(started tftpd.log $!)
	"$BUILD_DIR/bin/tvsd" -c servers.conf --listen 127.0.0.1 --port 0 --foreground \
		2> tvsd.log &
	pids="$pids $!"; TVS=$(started tvsd.log $!)
	if [ "${1:-}" = capfd ]; then
		"$BUILD_DIR/bin/capfd" -c servers.conf --listen 127.0.0.1 --port 0 --foreground \
			2> capfd.log &
		pids="$pids $!"; CAPF=$(started capfd.log $!)
	fi
}
# served_within SECONDS NAME: NAME comes over TFTP from the tftpd on
# 127.0.0.1 port $P (logging to tftpd.log) within that time, into got
served_within() {
	for _ in $(seq $(($1 * 4))); do
		rm -f got
		tftp 127.0.0.1 "$P" -c get "$2" got > /dev/null 2>&1 || true
		[ -s got ] && return 0
		sleep 0.25
	done
	cat tftpd.log
	fail "$2 not served within $1 s of the change"
}
wait_for() {	# wait_for FILE PATTERN: bounded poll for a log line
	for _ in $(seq 100); do
		grep -q "$2" "$1" 2>/dev/null && return 0
		sleep 0.05
	done
	cat "$1"; fail "$1: no \"$2\""
}
mk() {	# mk NAME [openssl -newkey spec]: self-signed NAME.crt, NAME.key, both in NAME.pem
	openssl req -x509 -newkey "${2:-rsa:2048}" -nodes -keyout "$1.key" -out "$1.crt" \
		-subj "/C=US/O=Lab/OU=VoIP/CN=$1" -days 365 2>/dev/null
	cat "$1.crt" "$1.key" > "$1.pem"
}
# json_ok FILE: FILE is one JSON value whose times (time, timestamp,
# not_before, not_after, expires, checked, raised, created, updated, since,
# deadline and keys ending in one of those or in _at, _until) are ISO 8601
# UTC or null: the --json convention
json_ok() {
	python3 - "$1" <<'PY' || fail "$1 breaks the JSON convention: $(head -c 600 "$1")"
import json, re, sys
iso = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
times = ("time", "timestamp", "not_before", "not_after", "expires", "checked", "raised",
         "created", "updated", "since", "deadline")
def walk(v, path):
    if isinstance(v, dict):
        for k, x in v.items():
            if k in times or k.endswith(tuple("_" + t for t in times + ("at", "until"))):
                if not (x is None or (isinstance(x, str) and iso.match(x))):
                    sys.exit("%s.%s = %r is not an ISO 8601 UTC time" % (path, k, x))
            walk(x, path + "." + k)
    elif isinstance(v, list):
        for i, x in enumerate(v):
            walk(x, "%s[%d]" % (path, i))
walk(json.load(open(sys.argv[1])), "")
PY
}
json() {	# json FILE EXPR: a value from trustline's --json output
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}
# check_sig FILE DIGEST JSON PUBKEY: openssl verifies FILE's signature over
# the file with the signature TLV (3 + N bytes at signature_offset) cut out.
check_sig() {
	off=$(json "$3" 'd["signature_offset"]')
	len=$(json "$3" 'd["signature_length"]')
	head -c "$off" "$1" > region.bin
	tail -c +$((off + 3 + len + 1)) "$1" >> region.bin
	dd if="$1" of=sig.bin bs=1 skip=$((off + 3)) count="$len" 2>/dev/null
	openssl dgst "-$2" -verify "$4" -signature sig.bin region.bin > /dev/null ||
		fail "openssl does not verify $1 ($2)"
	[ $(( $(stat -c %s region.bin) + 3 + len )) -eq "$(stat -c %s "$1")" ] || fail "region size"
}
