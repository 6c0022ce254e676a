#!/bin/sh
# cluster init is all or nothing. strace makes one of its writes, renames,
# fsyncs or mkdirs fail: the init must then fail and leave no directory
# behind (a new data directory) or the earlier cluster byte for byte (with
# --force). Killed at the same points instead, the next init (without
# --force: no cluster was made) succeeds and leaves no stage behind. Names
# that are not DNS names are refused before anything is made.
set -eu
T=${TRUSTLINE:?}
. "$(dirname "$0")/common.sh"
. "$(dirname "$0")/faults.sh"

# bad names are refused, and nothing is made
for d in "bad domain" "-lab.example" "lab..example" "lab.example." "lab_example"; do
	expect 2 $T cluster init --name lab --domain "$d" --nodes pub --data-dir bad
	grep -q "domain" err.txt || fail "--domain \"$d\": the error does not name --domain"
	[ ! -e bad ] || fail "--domain \"$d\" left a directory"
done
expect 2 $T cluster init --name lab --domain lab.example --nodes pub,pub --data-dir bad
grep -q "named twice" err.txt || fail "--nodes pub,pub"
expect 2 $T cluster init --name lab --domain lab.example --nodes "pub,sub_1" --data-dir bad
[ ! -e bad ] || fail "a refused --nodes left a directory"
printf '[cluster]\nname = lab\ndomain = bad domain\nnodes = pub\n' > bad.conf
mkdir confdir && cp bad.conf confdir/trustline.conf
expect 2 $T cert list --data-dir confdir
grep -q "domain" err.txt || fail "a bad domain in trustline.conf is not named"

faults_available || exit 0
# strace runs programs, not shell functions: INIT is the command
INIT="$T cluster init --name lab --domain lab.example --nodes pub --mixed-mode"

expect 0 $INIT --data-dir old
(cd old && find . -type f | sort | xargs sha256sum) > old.sum
fault_count rename,write,fsync,mkdir $INIT --data-dir probe
rm -rf probe

point() {	# point CALL I: init (new, --force, killed) with the I-th CALL failing
	faulted "$1:error=EIO:when=$2" $INIT --data-dir new
	if [ "$fault_rc" -eq 0 ]; then
		# the fault fell on a call whose failure init may ignore
		# (an fsync of a directory): then it must be whole
		expect 0 $T itl verify new/tftpboot/ITLFile.tlv
	else
		[ ! -e new ] || { ls -la new; fail "$1 #$2: a failed init left new/"; }
	fi
	rm -rf new

	faulted "$1:error=EIO:when=$2" $INIT --data-dir old --force
	if [ "$fault_rc" -ne 0 ]; then
		(cd old && find . -type f | sort | xargs sha256sum) > now.sum
		cmp -s old.sum now.sum || fail "$1 #$2: a failed init --force changed the cluster"
	else
		rm -rf old
		expect 0 $INIT --data-dir old
		(cd old && find . -type f | sort | xargs sha256sum) > old.sum
	fi

	faulted "$1:error=EIO:signal=SIGKILL:when=$2" $INIT --data-dir killed
	if [ ! -e killed/trustline.conf ]; then
		expect 0 $INIT --data-dir killed
	fi
	expect 0 $T itl verify killed/tftpboot/ITLFile.tlv
	left=$(find killed -maxdepth 1 -name '.init-*' -o -name '.old-*' | head -1)
	[ -z "$left" ] || fail "$1 #$2: $left left behind"
	rm -rf killed
}
# four points per call, spread over the whole init, the last one included
fault_loop 4 point rename write fsync mkdir
[ "$fault_points" -ge 16 ] || fail "only $fault_points fault points"
echo "figure: $fault_points fault points (rename, write, fsync, mkdir): each failed init left nothing or the earlier cluster unchanged, and each killed one was redone"
