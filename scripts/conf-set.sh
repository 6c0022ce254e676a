#!/bin/sh
# conf-set.sh FILE SECTION KEY=VALUE...: sets each KEY of [SECTION] in the
# trustline.conf FILE in place: its line is replaced if the section has
# one, else the key is added at the end of the section (the section at the
# end of the file if there is none). trustline.conf refuses a key written
# twice, so appending a second [SECTION] KEY is no way to change it.
set -eu
[ $# -ge 3 ] || { echo "usage: conf-set.sh FILE SECTION KEY=VALUE..." >&2; exit 2; }
file=$1 section=$2; shift 2
for kv in "$@"; do
	awk -v sec="$section" -v key="${kv%%=*}" -v val="${kv#*=}" '
	function put() { if (!done) print key " = " val; done = 1 }
	/^[ \t]*\[/ {
		if (in_sec) put()
		s = $0; sub(/^[ \t]*\[/, "", s); sub(/\].*/, "", s)
		in_sec = (s == sec)
	}
	in_sec && !done && $0 ~ "^[ \t]*" key "[ \t]*[=:]" { put(); next }
	{ print }
	END { if (!done) { if (!in_sec) printf "\n[%s]\n", sec; put() } }
	' "$file" > "$file.new"
	cat "$file.new" > "$file"	# keeps FILE's mode and owner
	rm "$file.new"
done
