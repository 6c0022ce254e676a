#!/bin/sh
# cluster add-node is all or nothing for the data directory's files:
# strace makes one of its renames or writes fail, and the failed add-node
# must leave every certificate, trust store, list, trustline.conf and row
# of the database as it was: no audit row for a change that was undone, nor
# a generation it did not make. A mixed-mode cluster, so the
# CTL is rebuilt too; the generation moves once per add-node.
set -eu
T=${TRUSTLINE:?}
. "$(dirname "$0")/common.sh"
. "$(dirname "$0")/faults.sh"
export TRUSTLINE_DATA_DIR="$PWD/dd"
# the files, and every row of the database (the audit log, the state with
# the generation, ...)
snapshot() {
	(cd dd && find . -type f ! -name 'trustline.db*' | sort | xargs sha256sum)
	python3 - dd/trustline.db <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
for (t,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"):
    for row in sorted(db.execute('SELECT * FROM "%s"' % t).fetchall(), key=repr):
        print(t, row)
PY
}
gen() { cat dd/generation; }

expect 0 $T cluster init --name lab --domain lab.example --nodes pub --mixed-mode --data-dir ./dd
g0=$(gen)
expect 0 $T cluster add-node sub1
[ "$(gen)" = "$((g0 + 1))" ] || fail "add-node moved the generation from $g0 to $(gen), not by one"
snapshot > before.sum

faults_available || exit 0
cp -a dd probe.dd
fault_count rename,write env TRUSTLINE_DATA_DIR="$PWD/probe.dd" $T cluster add-node sub2
rm -rf probe.dd
point() {	# point CALL I: add-node with the I-th CALL failing
	faulted "$1:error=EIO:when=$2" $T cluster add-node sub2
	if [ "$fault_rc" -ne 0 ]; then
		snapshot > now.sum
		cmp -s before.sum now.sum || { diff before.sum now.sum || :; cat fault.txt
			fail "$1 #$2: a failed add-node changed the files or the database"; }
	else
		# the fault fell on a write whose failure does not matter
		# (a report line): the node is there, whole
		expect 0 $T itl verify dd/tftpboot/ITLFile.tlv
		grep -q sub2 dd/trustline.conf || fail "$1 #$2: succeeded without the node"
		rm -rf dd; expect 0 $T cluster init --name lab --domain lab.example \
			--nodes pub --mixed-mode --data-dir ./dd
		expect 0 $T cluster add-node sub1
		snapshot > before.sum
	fi
}
fault_loop 5 point rename write
[ "$fault_points" -ge 8 ] || fail "only $fault_points fault points"
echo "figure: $fault_points fault points (rename, write): each failed add-node left the files and the database as they were"
