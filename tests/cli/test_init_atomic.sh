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

if ! strace -f -o /dev/null true 2>/dev/null; then
	echo "figure: skipped the fault points: strace cannot trace processes here"
	exit 0
fi
traced() { ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" strace "$@"; }
# strace runs programs, not shell functions: INIT is the command
INIT="$T cluster init --name lab --domain lab.example --nodes pub --mixed-mode"

expect 0 $INIT --data-dir old
(cd old && find . -type f | sort | xargs sha256sum) > old.sum
traced -f -c -o counts.txt -e trace=rename,write,fsync,mkdir $INIT --data-dir probe \
	> /dev/null 2>&1 || fail "undisturbed run"
rm -rf probe

points=0
for call in rename write fsync mkdir; do
	n=$(awk -v c="$call" '$NF == c { print $4 }' counts.txt)
	[ -n "$n" ] || n=0
	# four points per call, spread over the whole init, the last one included
	step=$(( (n + 3) / 4 )); [ "$step" -ge 1 ] || step=1
	i=1
	while [ "$i" -le "$n" ]; do
		set +e
		traced -f -o /dev/null -e inject=$call:error=EIO:when=$i $INIT --data-dir new \
			> /dev/null 2> fault.txt
		rc=$?
		set -e
		if [ "$rc" -eq 0 ]; then
			# the fault fell on a call whose failure init may ignore
			# (an fsync of a directory): then it must be whole
			expect 0 $T itl verify new/tftpboot/ITLFile.tlv
		else
			[ ! -e new ] || { ls -la new; fail "$call #$i: a failed init left new/"; }
		fi
		rm -rf new

		set +e
		traced -f -o /dev/null -e inject=$call:error=EIO:when=$i $INIT --data-dir old --force \
			> /dev/null 2>&1
		rc=$?
		set -e
		if [ "$rc" -ne 0 ]; then
			(cd old && find . -type f | sort | xargs sha256sum) > now.sum
			cmp -s old.sum now.sum || fail "$call #$i: a failed init --force changed the cluster"
		else
			rm -rf old
			expect 0 $INIT --data-dir old
			(cd old && find . -type f | sort | xargs sha256sum) > old.sum
		fi

		set +e
		traced -f -o /dev/null -e inject=$call:error=EIO:signal=SIGKILL:when=$i \
			$INIT --data-dir killed > /dev/null 2>&1
		set -e
		if [ ! -e killed/trustline.conf ]; then
			expect 0 $INIT --data-dir killed
		fi
		expect 0 $T itl verify killed/tftpboot/ITLFile.tlv
		left=$(find killed -maxdepth 1 -name '.init-*' -o -name '.old-*' | head -1)
		[ -z "$left" ] || fail "$call #$i: $left left behind"
		rm -rf killed
		points=$((points + 1))
		[ "$i" -lt "$n" ] && [ $((i + step)) -gt "$n" ] && i=$n || i=$((i + step))
	done
done
[ "$points" -ge 16 ] || fail "only $points fault points"
echo "figure: $points fault points (rename, write, fsync, mkdir): each failed init left nothing or the earlier cluster unchanged, and each killed one was redone"
