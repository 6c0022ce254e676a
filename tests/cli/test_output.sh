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

# --json: one value that parses, times in ISO 8601 UTC
D=dd/tftpboot
expect 0 $T device add SEP001122334455 --model CP-8865
for cmd in "itl show --json" "itl show $D/ITLFile.tlv --json" "itl verify $D/ITLFile.tlv --json" \
	"sgn show $VECTORS/SEP001122334455.cnf.xml.sgn --json" \
	"sgn verify $VECTORS/SEP001122334455.cnf.xml.sgn --trust $VECTORS/itl-sha1.tlv --json" \
	"enc show $VECTORS/SEP001122334455.cnf.xml.sgn --json" "cert list --json" "cert audit --json" \
	"cert show CallManager --json" "cert revocation show --json"; do
	set +e; $T $cmd > j.json 2> err.txt; set -e
	json_ok j.json
	[ "$(wc -l < j.json)" -eq 1 ] || fail "$cmd: not one line"
done
json_ok_ts=$($T sgn show $VECTORS/SEP001122334455.cnf.xml.sgn --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["timestamp"])')
[ -n "$json_ok_ts" ] && [ "$json_ok_ts" != None ] || fail "sgn show --json: no timestamp"
echo "output: ok"
