#!/bin/sh
# The documentation is self-contained: no file refers to notes that are not
# in the repository, and every relative markdown link in docs/ and README.md
# points at a file that exists and, with #anchor, at a heading it has.
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
fail() { echo "FAIL: $*"; exit 1; }

# 1. No reference to documents outside the repository.
bad=$(cd "$ROOT" && grep -rn -E 'PROTOCOLS\.md|PHONE-TRUST\.md|CERTIFICATES\.md|ARCHITECTURE\.md|\.\./shared|shared/docs|cisco-docs' \
	--include='*.md' --include='*.c' --include='*.h' --include='*.sh' \
	--include='*.py' --include='*.hex' --include=Makefile . \
	| grep -v '^\./tests/cli/test_docs\.sh:' || true)
[ -z "$bad" ] || fail "references to documents not in the repository:
$bad"

# GitHub-style anchors of a markdown file's headings, one a line.
anchors() {
	grep -E '^#+ ' "$1" | sed -e 's/^#* *//' | tr 'A-Z' 'a-z' |
		sed -e 's/[^a-z0-9 _-]//g' -e 's/ /-/g'
}

# 2. Relative links and their anchors.
n=0
for md in "$ROOT/README.md" "$ROOT"/docs/*.md; do
	dir=$(dirname "$md")
	links=$(grep -o -E '\]\([^)]+\)' "$md" | sed -e 's/^](//' -e 's/)$//' || true)
	for l in $links; do
		case $l in http://*|https://*|mailto:*) continue ;; esac
		file=${l%%#*}
		anchor=
		case $l in *'#'*) anchor=${l#*#} ;; esac
		if [ -z "$file" ]; then target=$md; else target=$dir/$file; fi
		[ -e "$target" ] || fail "$md: link $l: no file $target"
		if [ -n "$anchor" ]; then
			anchors "$target" | grep -qx -- "$anchor" ||
				fail "$md: link $l: no section #$anchor in $target"
		fi
		n=$((n + 1))
	done
done
echo "checked $n links"
echo "all passed"
