#!/bin/sh
# etc/trustline.conf (installed as /etc/trustline/trustline.conf) and
# trustline.conf(5) list every setting lib/conf.c reads; each default they
# show is the one cluster init writes; uncommented, the whole reference is
# a configuration trustline accepts.
set -eu
T=${TRUSTLINE:?}
. "$(dirname "$0")/common.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
REF=$ROOT/etc/trustline.conf
MAN=$ROOT/man/trustline.conf.5
export TRUSTLINE_DATA_DIR="$PWD/dd"
# section.key=value of every setting in an INI file; with "#", of the
# commented-out ones
settings() {
	awk -v c="${2:-}" '/^\[[a-z]+\]$/ { s = substr($0, 2, length($0) - 2); next }
		c == "" && /^[a-z]/ || c != "" && /^#[a-z]/ {
			l = c == "" ? $0 : substr($0, 2)
			i = index(l, "="); if (!i) next
			k = substr(l, 1, i - 1); v = substr(l, i + 1)
			gsub(/^ +| +$/, "", k); gsub(/^ +| +$/, "", v)
			print s "." k "=" v }' "$1"
}
settings "$REF" "#" > ref.txt
[ "$(wc -l < ref.txt)" -gt 60 ] || fail "reference: $(wc -l < ref.txt) settings"
# every key the parser compares with: strcmp(k, "KEY") in lib/conf.c
grep -o 'strcmp(k, "[a-z_]*")' "$ROOT/lib/conf.c" | sed 's/.*"\(.*\)".*/\1/' | sort -u > keys.txt
[ "$(wc -l < keys.txt)" -gt 50 ] || fail "lib/conf.c: $(wc -l < keys.txt) keys"
while read -r k; do
	grep -q "^[a-z]*\.$k=" ref.txt || fail "etc/trustline.conf lacks $k"
	sed 's/\\-/-/g' "$MAN" | grep -q "^\.BR* $k\b" || fail "trustline.conf.5 lacks $k"
done < keys.txt
grep -q '^tvs\.ttl_[a-z]*=' ref.txt || fail "etc/trustline.conf lacks ttl_ROLE"
# every documented section.key is one the parser knows
cut -d= -f1 ref.txt | while read -r sk; do
	k=${sk#*.}
	grep -qx "$k" keys.txt || [ "${k#ttl_}" != "$k" ] || fail "$sk is not a setting"
done
# the defaults: what cluster init writes ([cluster] holds its arguments)
expect 0 $T cluster init --name lab --domain lab.example --nodes pub,sub1
settings dd/trustline.conf | grep -v '^cluster\.' > init.txt
[ "$(wc -l < init.txt)" -gt 30 ] || fail "cluster init wrote $(wc -l < init.txt) settings"
while IFS= read -r line; do
	grep -qxF "$line" ref.txt || fail "cluster init writes $line; etc/trustline.conf says $(grep "^${line%%=*}=" ref.txt)"
done < init.txt
# uncommented (the settings with a value), the reference is accepted
sed 's/^#\([a-z][a-z_-]* = .*[^ ]\)$/\1/' "$REF" > dd/trustline.conf
grep -q '^nodes = pub,sub1$' dd/trustline.conf || fail "nodes not uncommented"
expect 0 $T cert list
echo "figure: $(wc -l < keys.txt) settings documented"
