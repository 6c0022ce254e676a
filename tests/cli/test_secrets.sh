#!/bin/sh
# trustline.db at rest: CAPF authentication strings kept as salted PBKDF2
# hashes (an older database's clear strings hashed when first opened), the
# database made 0640 (an older 0644 one narrowed), and a user who may not
# read or write it told whose it is and what to do.
set -eu
. "$(dirname "$0")/common.sh"
T=${TRUSTLINE:?}
export TRUSTLINE_DATA_DIR="$PWD/dd"
db() { python3 -c 'import sqlite3,sys; r=sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone(); print(r[0] if r else "")' dd/trustline.db "$1"; }
D=SEP001122330001

expect 0 $T cluster init --name lab --domain lab.example --nodes pub
[ "$(stat -c %a dd/trustline.db)" = 640 ] || fail "new trustline.db mode $(stat -c %a dd/trustline.db)"
expect 0 $T device add $D --model CP-8865

# ---- a string given: stored as its hash, never in clear ----
expect 0 $T device capf $D --operation install --auth-string 4711
stored=$(db "SELECT capf_auth_string FROM device WHERE name = '$D'")
case $stored in
pbkdf2-sha256\$20000\$????????????????????????????????\$????????????????????????????????????????????????????????????????) ;;
*) fail "stored string: $stored" ;;
esac
! grep -aq 4711 dd/trustline.db* || fail "4711 in clear in the database files"

# ---- generate: printed once; a later change keeps the hash ----
expect 0 $T device capf $D --operation install --auth-string generate
secret=$(sed -n 's/^authentication string: \([0-9]*\)$/\1/p' out.txt)
[ ${#secret} = 10 ] || fail "generated string: $(cat out.txt)"
h1=$(db "SELECT capf_auth_string FROM device WHERE name = '$D'")
[ "$h1" != "$stored" ] || fail "generate kept the old hash"
expect 0 $T device capf $D --operation install --key ec:256
! grep -q "authentication string" out.txt || fail "the string shown again"
[ "$(db "SELECT capf_auth_string FROM device WHERE name = '$D'")" = "$h1" ] ||
	fail "a later change rewrote the hash"
expect 0 $T device show $D
! grep -q "$secret\|pbkdf2" out.txt || fail "device show prints the string: $(cat out.txt)"

# ---- an older database: clear strings hashed on first open, 0644 narrowed ----
python3 - dd/trustline.db $D <<'X'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("UPDATE device SET capf_auth_string = '13579' WHERE name = ?", (sys.argv[2],))
# as a version-4 database was: without the tables of later migrations
for t in ("trust_addr", "trust_device", "trust_tvs", "account"):
    db.execute("DROP TABLE " + t)
db.execute("PRAGMA user_version = 4")
db.commit()
X
chmod 644 dd/trustline.db dd/trustline.db-wal dd/trustline.db-shm 2>/dev/null || chmod 644 dd/trustline.db
expect 0 $T device list
[ "$(db "PRAGMA user_version")" = 7 ] || fail "not migrated"
case $(db "SELECT capf_auth_string FROM device WHERE name = '$D'") in
pbkdf2-sha256\$*) ;;
*) fail "the clear string was not hashed" ;;
esac
for f in dd/trustline.db*; do
	[ "$(stat -c %a "$f")" = 640 ] || fail "$f mode $(stat -c %a "$f") after open"
done

# ---- another user: a member of the group reads, others are told what to do ----
if [ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1; then
	chmod 755 dd
	chmod o+x "$PWD" 2>/dev/null || true
	as_nobody() { su -s /bin/sh nobody -c "$*" > out.txt 2> err.txt; }
	chgrp "$(id -gn nobody)" dd/trustline.db*
	as_nobody "$T device list --data-dir $PWD/dd" || fail "a member of the group may not read: $(cat err.txt)"
	grep -q "^$D" out.txt || fail "group read: $(cat out.txt)"
	! as_nobody "$T device add SEP001122330002 --model CP-8865 --data-dir $PWD/dd" ||
		fail "a member of the group wrote"
	grep -q "only root may change it: run this as root" err.txt || fail "write refusal: $(cat err.txt)"
	chgrp root dd/trustline.db*
	! as_nobody "$T device list --data-dir $PWD/dd" || fail "a non-member read"
	grep -q "belongs to user root, group root (mode 0640), and only root may read it" err.txt ||
		fail "read refusal: $(cat err.txt)"
	! grep -qi "readonly database\|unable to open" err.txt || fail "SQLite's words: $(cat err.txt)"
else
	echo "skipped: another user's view (needs root and the user nobody)"
fi
echo "all passed"
