# Sourced by the end-to-end tests (scripts/run-tests.sh runs
# tests/e2e/*.sh, each in a fresh temporary directory, not this one): a
# cluster made with `trustline cluster init`, the real tftpd, tvsd and
# capfd on loopback ports against it, changed only with trustline, and
# phone-sim booting against them. Every daemon started here is stopped on
# exit, however the test ends, and must then exit 0 (a clean shutdown on
# SIGTERM; under SANITIZE=1 also no leak or error report).
. "$(dirname "$0")/../cli/common.sh"
T=${TRUSTLINE:?}
B=${BUILD_DIR:?}
PS=$B/bin/phone-sim
pids=""		# everything started, killed on exit
daemons=""	# PID=LOG of tftpd, tvsd, capfd
stop_all() {
	_rc=$?
	for p in $pids; do kill "$p" 2>/dev/null || true; done
	for _d in $daemons; do
		_st=0
		wait "${_d%%=*}" || _st=$?
		[ $_st = 0 ] && continue
		sed 's/^/    /' "${_d#*=}" | tail -20
		echo "FAIL: ${_d#*=}: the daemon exited $_st on SIGTERM"
		_rc=1
	done
	for p in $pids; do wait "$p" 2>/dev/null || true; done
	pids="" daemons=""
	exit $_rc
}
trap stop_all EXIT
trap 'exit 1' HUP INT TERM

# init DD NAME NODE [cluster init options]: a cluster in ./DD whose
# servers do not rate-limit (every phone here is 127.0.0.1)
init() {
	_dd=$1 _name=$2 _node=$3; shift 3
	expect 0 $T cluster init --name "$_name" --domain "$_name.example" \
		--nodes "$_node" --data-dir "$PWD/$_dd" "$@"
	sed -i "s/^per_ip_rate = .*/per_ip_rate = 1000/" "$_dd/trustline.conf"
}

# serve DD DAEMON...: starts tftpd, tvsd and/or capfd for ./DD on
# 127.0.0.1, free ports, logs in DD.DAEMON.log; sets TFTP and HTTP, TVS,
# CAPF (ports) and TFTPD_PID, TVSD_PID, CAPFD_PID. They run as this user.
serve() {
	_dd=$1; shift
	: > "$_dd.servers.conf"	# the administrator's file, over the data directory's
	for _s in tftp tvs capf; do conf_set "$_dd.servers.conf" $_s user="$(id -un)"; done
	for _d in "$@"; do
		_log=$_dd.$_d.log
		case $_d in
		tftpd) "$B/bin/tftpd" -c "$_dd.servers.conf" --data-dir "$PWD/$_dd" \
			--listen 127.0.0.1 --port 0 --http-port 0 --foreground 2> "$_log" &
			TFTPD_PID=$! ;;
		tvsd) "$B/bin/tvsd" -c "$_dd.servers.conf" --data-dir "$PWD/$_dd" \
			--listen 127.0.0.1 --port 0 --foreground 2> "$_log" &
			TVSD_PID=$! ;;
		capfd) "$B/bin/capfd" -c "$_dd.servers.conf" --data-dir "$PWD/$_dd" \
			--listen 127.0.0.1 --port 0 --foreground 2> "$_log" &
			CAPFD_PID=$! ;;
		*) fail "serve: $_d" ;;
		esac
		pids="$pids $!" daemons="$daemons $!=$_log"
		_port=$(started "$_log" $!)
		[ -n "$_port" ] || { cat "$_log"; fail "$_d did not start"; }
		case $_d in
		tftpd) TFTP=$_port
			HTTP=$(sed -n 's/.*event=start.* http_port=\([0-9]*\).*/\1/p' "$_log" | head -1) ;;
		tvsd) TVS=$_port ;;
		capfd) CAPF=$_port ;;
		esac
	done
}

# settled DD [tvs]: waits until DD's tftpd (and tvsd) serve what DD now
# says. trustline bumps DD/generation with each change; both daemons watch
# it and log the generation they reload (tftpd: event=changed, then its
# reload, built on a thread, is swapped in: event=reload result=ok).
# Files put in tftpboot/ by hand: mark DD, kill -HUP tftpd, then hupped DD.
# A later generation will do: capfd moves it again when the change makes
# it publish a new LSC CRL, and a daemon may see both moves as one.
count() { grep -c "$1" "$2" 2>/dev/null || true; }
# since G FILE PATTERN: FILE from its first line PATTERN=N with N >= G on
since() { awk -v g="$1" -v p="$3=" 'f || (i = index($0, p)) && substr($0, i + length(p)) + 0 >= g { f = 1; print }' "$2" 2>/dev/null; }
settled() {
	_g=$(cat "$1/generation")
	for _ in $(seq 300); do
		if since "$_g" "$1.tftpd.log" "event=changed generation" |
		   grep -q "event=reload result=ok" &&
		   { [ $# = 1 ] || since "$_g" "$1.tvsd.log" "event=reload generation" | grep -q .; } &&
		   serves "$1" ITLFile.tlv && serves "$1" CTLFile.tlv; then
			return 0
		fi
		sleep 0.1
	done
	cat "$1".*.log; fail "the servers of $1 did not reload generation $_g"
}
# serves DD FILE: DD's tftpd serves tftpboot/FILE as it is now (or neither
# has it); a reload that began before the last change does not
serves() {
	[ -f "$1/tftpboot/$2" ] || return 0
	rm -f served.tmp
	"$B/tools/tftpget" 127.0.0.1 "$(sed -n 's/.*event=start.* port=\([0-9]*\).*/\1/p' \
		"$1.tftpd.log" | head -1)" "$2" served.tmp > /dev/null 2>&1 &&
		cmp -s served.tmp "$1/tftpboot/$2"
}
mark() { _mark=$(count "event=reload result=ok" "$1.tftpd.log"); }
hupped() {
	for _ in $(seq 300); do
		[ "$(count "event=reload result=ok" "$1.tftpd.log")" -gt "$_mark" ] && return 0
		sleep 0.1
	done
	cat "$1.tftpd.log"; fail "tftpd of $1 did not reload"
}

# boot CODE STATE MAC [options]: boots a phone (CP-8865) from ./dd's
# servers, --tvs and --capf pointing at them; decision lines in out.txt, the
# refusal in err.txt
boot() {
	_code=$1 _st=$2 _mac=$3; shift 3
	expect "$_code" "$PS" boot --state "$_st" --mac "$_mac" --model CP-8865 \
		--tftp 127.0.0.1:"$TFTP" ${TVS:+--tvs 127.0.0.1:$TVS} \
		${CAPF:+--capf 127.0.0.1:$CAPF} "$@"
}
has() {	# has PATTERN: a decision line matches
	grep -q -- "$1" out.txt || { cat out.txt err.txt; fail "no line matching: $1"; }
}
refused() {	# refused PATTERN: standard error gives the refusal's reason
	grep -q -- "refused: .*$1" err.txt || { cat out.txt err.txt; fail "no refusal: $1"; }
}

# peer CERT KEY: a TLS server (openssl s_server) presenting CERT on a free
# port; sets PORT and SPID
peer() {
	PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	openssl s_server -accept 127.0.0.1:$PORT -cert "$1" -key "$2" -quiet > /dev/null 2>&1 &
	SPID=$!; pids="$pids $SPID"
	python3 -c 'import socket, sys, time
for _ in range(100):
    try:
        socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1).close(); break
    except OSError:
        time.sleep(0.1)' $PORT
}

# ca NAME: a lab CA (NAME.pem, NAME.key) and ca.cnf for `openssl ca`;
# issue CSR OUT START END: OUT signed by it with these dates (openssl's
# YYYYMMDDHHMMSSZ) and the request's extensions (key usages) copied
ca() {
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.pem" \
		-subj "/O=Lab/CN=$1" -days 3650 2>/dev/null || fail "openssl req"
	cat > ca.cnf <<CNF
[ca]
default_ca = lab
[lab]
database = index.txt
new_certs_dir = .
serial = serial.txt
default_md = sha256
policy = any
unique_subject = no
copy_extensions = copy
[any]
commonName = supplied
organizationName = optional
organizationalUnitName = optional
CNF
	: > index.txt; echo 01 > serial.txt
	CA=$1
}
issue() {
	openssl ca -batch -config ca.cnf -cert "$CA.pem" -keyfile "$CA.key" -in "$1" \
		-out "$2" -startdate "$3" -enddate "$4" > ca.log 2>&1 ||
		{ cat ca.log; fail "openssl ca"; }
}
utc() {	# utc SECONDS: now + SECONDS as openssl ca wants it
	date -u -d "@$(( $(date +%s) + $1 ))" +%Y%m%d%H%M%SZ
}
