#!/bin/sh
# Bash completion (completion/trustline, installed for trustline and
# phone-sim): commands, subcommands and options, read from --help.
set -eu
. "$(dirname "$0")/common.sh"
B=${BUILD_DIR:?}
C="$(cd "$(dirname "$0")/../.." && pwd)/completion/trustline"
command -v bash > /dev/null || { echo "skipped: no bash"; exit 0; }
PATH="$B/bin:$PATH" bash -c '
. "$1"
t() {	# t WANT WORD...: completing the last WORD offers WANT (among others)
	want=$1; shift
	COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); COMPREPLY=()
	case $1 in trustline) _trustline ;; *) _phone_sim ;; esac
	for w in "${COMPREPLY[@]}"; do [ "$w" = "$want" ] && return 0; done
	echo "FAIL: completing \"$*\" offers ${COMPREPLY[*]}, not $want"; exit 1
}
t cluster trustline ""
t cert trustline ce
t join trustline cluster j
t status trustline cluster ""
t --services trustline cluster join --serv
t --json trustline cluster status --j
t revocation trustline cert ""
t delete trustline cert trust ""
t revoke trustline device lsc ""
t --auth-string trustline device capf SEP001122334455 --auth-s
t --json trustline tvs query --j
t fleet phone-sim f
t --pin-itl phone-sim boot --pin
' sh "$C"
echo "all passed"
