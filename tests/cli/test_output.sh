#!/bin/sh
# -o FILE: a regular file is replaced atomically, a device or a FIFO is
# written to and stays what it is, a symbolic link stays a link and the file
# it names gets the bytes, - is standard output.
set -eu
T=${TRUSTLINE:?}
. "$(dirname "$0")/common.sh"
export TRUSTLINE_DATA_DIR="$PWD/dd"
expect 0 $T cluster init --name lab --domain lab.example --nodes cucm-pub
expect 0 $T cert export CallManager -o want.pem

# a character device, made here as /dev/null is made
if [ "$(id -u)" -eq 0 ]; then
	mknod null c 1 3
	expect 0 $T cert export CallManager -o null
	[ -c null ] || fail "cert export -o replaced a character device"
	expect 0 $T cert csr CallManager -o null
	[ -c null ] || fail "cert csr -o replaced a character device"
	[ "$(stat -c %t:%T null)" = 1:3 ] || fail "the device changed"
else
	echo "skipped the character device: mknod needs root"
fi

# a FIFO: the reader gets the bytes, the FIFO stays
mkfifo pipe
cat pipe > from-pipe.pem &
reader=$!
expect 0 $T cert export CallManager -o pipe
wait $reader
[ -p pipe ] || fail "the FIFO was replaced"
cmp from-pipe.pem want.pem || fail "the FIFO's reader got other bytes"

# a symbolic link: followed, the link stays
printf 'old\n' > target.pem
ln -s target.pem link.pem
expect 0 $T cert export CallManager -o link.pem
[ -L link.pem ] || fail "the link was replaced by a file"
cmp target.pem want.pem || fail "the link's target did not get the certificate"
ln -s nowhere/x.pem dangling.pem
expect 2 $T cert export CallManager -o dangling.pem
grep -q "symbolic link" err.txt || fail "dangling link: $(cat err.txt)"
[ -L dangling.pem ] || fail "the dangling link was replaced"

# a directory is refused, a regular file replaced, - is standard output
mkdir adir
expect 2 $T cert export CallManager -o adir
[ -d adir ] || fail "the directory"
printf 'old\n' > plain.pem
expect 0 $T cert export CallManager -o plain.pem
cmp plain.pem want.pem || fail "regular file"
expect 0 $T cert export CallManager -o -
cmp out.txt want.pem || fail "standard output"
ls | grep -q '\.tmp\.' && fail "a temporary file was left: $(ls)"
# a subcommand's --help: its synopsis and paragraph, not the whole group's
for c in "cert list" "cert trust add" "device capf" "sgn sign" "tvs query" "device lsc revoke"; do
	expect 0 $T $c --help
	head -1 out.txt | grep -q "^usage: trustline $c" || fail "$c --help: $(head -3 out.txt)"
	grep -q "describes every" out.txt || fail "$c --help: no pointer to the group"
done
expect 0 $T cert list --help
! grep -q "trustline cert generate" out.txt || fail "cert list --help prints the group's usage"
expect 0 $T cert --help
grep -q "trustline cert generate" out.txt || fail "cert --help lost a subcommand"

# ---- every --json, on a cluster with tftpd, tvsd and capfd running ----
# Each prints one line that parses, its times ISO 8601 UTC or null
# (json_ok); the exit status is the command's verdict and not checked here.
B=${BUILD_DIR:?}
PS=$B/bin/phone-sim
D=dd/tftpboot
pids=""
trap 'for p in $pids; do kill $p 2>/dev/null || true; done' EXIT
expect 0 $T device add SEP001122334455 --model CP-8865
expect 0 $T device add SEP00AA00000001 --model CP-8865 --profile authenticated
expect 0 $T device capf SEP00AA00000001 --operation install --auth-mode null --key ec:256
expect 0 $T cert export CAPF -o capf.pem
servers capfd
issuer=$(openssl x509 -in dd/certs/CallManager/cucm-pub.pem -noout -issuer -nameopt esc_2253,utf8,sep_comma_plus,sname | sed 's/^issuer=//')
serial=$(openssl x509 -in dd/certs/CallManager/cucm-pub.pem -noout -serial | sed 's/^serial=//')
expect 0 $T ctl build ctl.tlv --signer dd/certs/CallManager/cucm-pub.pem --signer-key dd/certs/CallManager/cucm-pub.key \
	--sast dd/certs/ITLRecovery/cucm-pub.pem --ccm-tftp dd/certs/CallManager/cucm-pub.pem
n=0
check_json() {	# check_json COMMAND...: one JSON line on standard output
	set +e; "$@" > j.json 2> err.txt; set -e
	[ -s j.json ] || fail "$*: nothing on standard output: $(head -c 600 err.txt)"
	json_ok j.json
	[ "$(wc -l < j.json)" -eq 1 ] || fail "$*: not one line: $(head -c 300 j.json)"
	n=$((n + 1))
	cp j.json "json-$n.json"	# for a look after a failure
}
run_json() {	# run_json "SUBCOMMAND ARGS": trustline's
	# shellcheck disable=SC2086
	check_json $T $1
}
for cmd in "itl show --json" "itl show $D/ITLFile.tlv --json" "itl verify $D/ITLFile.tlv --json" \
	"ctl show ctl.tlv --json" "ctl verify ctl.tlv --json" \
	"sgn show $VECTORS/SEP001122334455.cnf.xml.sgn --json" \
	"sgn verify $VECTORS/SEP001122334455.cnf.xml.sgn --trust $VECTORS/itl-sha1.tlv --json" \
	"enc show $VECTORS/SEP001122334455.cnf.xml.sgn --json" "cert list --json" \
	"cert list --usage trust --json" "cert audit --json" "cert show CallManager --json" \
	"cert show capf.pem --json" "cert revocation show --json" "cert revocation check --json" \
	"cert check --json" "cert check capf.pem --json" "cert monitor --json" \
	"cert monitor --notify-days 4000 --json" "cert csr list --json" \
	"cert csr show CallManager --json" "device list --json" "device show SEP001122334455 --json" \
	"device capf-status --json" "device capf-status SEP00AA00000001 --json" \
	"device trust-state --json" "admin list --json" \
	"tvs verify dd/certs/CallManager/cucm-pub.pem --server 127.0.0.1:$TVS --tvs-cert dd/certs/TVS/cucm-pub.pem --json" \
	"capf enroll --server 127.0.0.1:$CAPF --capf-cert capf.pem --device SEP00AA00000001 --out lsc.pem --json" \
	"capf enroll --server 127.0.0.1:$CAPF --capf-cert capf.pem --device SEP00AA00000001 --json" \
	"device capf-status SEP00AA00000001 --json" "plan cert generate TVS --json" \
	"plan security-mode mixed --json"; do
	run_json "$cmd"
done
expect 0 $T cluster security-mode mixed
run_json "plan ctl update --json"
for sn in "$serial" 01; do	# the issuer has spaces
	check_json $T tvs query --issuer "$issuer" --serial "$sn" --server 127.0.0.1:"$TVS" \
		--itl $D/ITLFile.tlv --json
done
expect 0 $T device capf-status SEP00AA00000001 --json
[ "$(json out.txt 'd["lsc_status"]')" = 3 ] && json out.txt 'd["lsc_not_after"]' | grep -q T ||
	fail "capf-status after the install: $(cat out.txt)"
expect 0 $T device trust-state --json
json_ok out.txt
for ps in "boot --state phone --mac 001122334455 --tftp 127.0.0.1:$TFTP --tvs 127.0.0.1:$TVS --json" \
	"boot --state phone --mac 001122334455 --tftp 127.0.0.1:$TFTP --tvs 127.0.0.1:$TVS --json" \
	"show --state phone --json" "connect --state phone --role TVS 127.0.0.1:$TVS --json" \
	"fleet --count 3 --concurrency 3 --mac-base 00AA00000000 --tftp 127.0.0.1:$TFTP --memory --json" \
	"fleet --count 3 --concurrency 3 --mac-base 00AA00000000 --tftp 127.0.0.1:$TFTP --memory --report -"; do
	# shellcheck disable=SC2086
	check_json "$PS" $ps
done
expect 0 $T device trust-state SEP001122334455 --json
json_ok out.txt
[ "$(json out.txt 'd[0]["name"], d[0]["itl"]["since"] is not None')" = "('SEP001122334455', True)" ] ||
	fail "trust-state after a boot: $(cat out.txt)"
n=$((n + 2))
echo "--json: $n commands, each one line of JSON, times ISO 8601 UTC"
json_ok_ts=$($T sgn show $VECTORS/SEP001122334455.cnf.xml.sgn --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["timestamp"])')
[ -n "$json_ok_ts" ] && [ "$json_ok_ts" != None ] || fail "sgn show --json: no timestamp"
echo "output: ok"
