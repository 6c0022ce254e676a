#!/bin/sh
# The man pages (man/): each renders with no groff or man warning, and
# every option a daemon's --help lists is in its page.
set -eu
B=${BUILD_DIR:?}
. "$(dirname "$0")/common.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
if ! command -v man > /dev/null; then
	echo "figure: skipped: no man command (apt-get install man-db)"
	exit 0
fi
n=0
for f in "$ROOT"/man/*.[158]; do
	man --warnings -l -Tutf8 "$f" > page.txt 2> warn.txt ||
		{ cat warn.txt; fail "$f does not render"; }
	[ ! -s warn.txt ] || { cat warn.txt; fail "$f: warnings"; }
	[ -s page.txt ] || fail "$f: renders empty"
	n=$((n + 1))
done
[ "$n" -eq 7 ] || fail "$n man pages, expected 7"
# the page's source with \- as -, for grep
src() { sed 's/\\-/-/g' "$ROOT/man/$1"; }
for d in tftpd tvsd capfd web; do
	page=trustline-$d.8
	bin=$d
	[ "$d" = web ] && bin=trustline-web
	src "$page" > src.txt
	"$B/bin/$bin" --help > help.txt
	opts=$(grep -o -- '--[a-z][a-z-]*\|^ *-[a-z]\b' help.txt | tr -d ' ' | sort -u)
	[ -n "$opts" ] || fail "$d --help lists no option"
	for o in $opts --help --version; do
		grep -q -- "^\.[A-Z]*.*$o\b" src.txt || fail "$page lacks $o (in $d --help)"
	done
done
for p in trustline phone-sim; do
	"$B/bin/$p" --version > version.txt
	grep -q "^$p [0-9]" version.txt || fail "$p --version"
	grep -q "^wolfSSL [0-9]" version.txt || fail "$p --version names no wolfSSL"
	src "$p.1" | grep -q "^\.TH .* \"trustline $(sed -n "s/^$p //p" version.txt)\"" ||
		fail "$p.1: not the version the program prints"
done
# phone-sim(1) names every subcommand of phone-sim --help
"$B/bin/phone-sim" --help > help.txt
for c in $(sed -n 's/^ *\(usage:\)\{0,1\} *phone-sim \([a-z-]*\) .*/\2/p' help.txt | sort -u); do
	src phone-sim.1 | grep -q "^\.B phone-sim $c\b\|^\.B $c\$" || fail "phone-sim.1 lacks $c"
done
# trustline(1) names every command of trustline --help
"$B/bin/trustline" --help > help.txt
for c in $(sed -n '/^Commands:/,/^$/s/^  \([a-z]*\) .*/\1/p' help.txt); do
	src trustline.1 | grep -q "^\.B $c\$" || fail "trustline.1 lacks the command $c"
done
echo "figure: $n man pages render without warnings"
