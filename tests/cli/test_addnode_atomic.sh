#!/bin/sh
# cluster add-node is all or nothing for the data directory's files:
# strace makes one of its renames or writes fail, and the failed add-node
# must leave every certificate, trust store, list and trustline.conf as it
# was (the audit log keeps what was made). A mixed-mode cluster, so the
# CTL is rebuilt too; the generation moves once per add-node.
set -eu
T=${TRUSTLINE:?}
. "$(dirname "$0")/common.sh"
export TRUSTLINE_DATA_DIR="$PWD/dd"
snapshot() { (cd dd && find . -type f ! -name 'trustline.db*' | sort | xargs sha256sum); }
gen() { cat dd/generation; }

expect 0 $T cluster init --name lab --domain lab.example --nodes pub --mixed-mode --data-dir ./dd
g0=$(gen)
expect 0 $T cluster add-node sub1
[ "$(gen)" = "$((g0 + 1))" ] || fail "add-node moved the generation from $g0 to $(gen), not by one"
snapshot > before.sum

if ! strace -f -o /dev/null true 2>/dev/null; then
	echo "figure: skipped the fault points: strace cannot trace processes here"
	exit 0
fi
traced() { ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" strace "$@"; }
cp -a dd probe.dd
TRUSTLINE_DATA_DIR="$PWD/probe.dd" traced -f -c -o counts.txt -e trace=rename,write \
	$T cluster add-node sub2 > /dev/null 2>&1 || fail "undisturbed add-node"
rm -rf probe.dd
points=0
for call in rename write; do
	n=$(awk -v c="$call" '$NF == c { print $4 }' counts.txt)
	[ -n "$n" ] || n=0
	step=$(( (n + 4) / 5 )); [ "$step" -ge 1 ] || step=1
	i=1
	while [ "$i" -le "$n" ]; do
		set +e
		traced -f -o /dev/null -e inject=$call:error=EIO:when=$i \
			$T cluster add-node sub2 > /dev/null 2> fault.txt
		rc=$?
		set -e
		if [ "$rc" -ne 0 ]; then
			snapshot > now.sum
			cmp -s before.sum now.sum || { diff before.sum now.sum; cat fault.txt
				fail "$call #$i: a failed add-node changed the files"; }
		else
			# the fault fell on a write whose failure does not matter
			# (a report line): the node is there, whole
			expect 0 $T itl verify dd/tftpboot/ITLFile.tlv
			grep -q sub2 dd/trustline.conf || fail "$call #$i: succeeded without the node"
			rm -rf dd; expect 0 $T cluster init --name lab --domain lab.example \
				--nodes pub --mixed-mode --data-dir ./dd
			expect 0 $T cluster add-node sub1
			snapshot > before.sum
		fi
		points=$((points + 1))
		[ "$i" -lt "$n" ] && [ $((i + step)) -gt "$n" ] && i=$n || i=$((i + step))
	done
done
[ "$points" -ge 8 ] || fail "only $points fault points"
echo "figure: $points fault points (rename, write): each failed add-node left the files as they were"
