#!/bin/sh
# The data directory's trust lists from the command line: `itl show` and
# `ctl show` without a file show what the data directory serves (Cisco's
# `show itl` / `show ctl`); each group's help lists its own `reset`;
# `ctl update` and `ctl reset --recovery` refuse what they cannot do, saying
# why; `cluster security-mode` shows and sets the mode.
set -eu
T=${TRUSTLINE:?}
. "$(dirname "$0")/common.sh"
export TRUSTLINE_DATA_DIR="$PWD/dd"

expect 0 $T cluster init --name lab --domain lab.example --nodes pub --key rsa:1024
# help: each group names its own reset, and ctl its update
expect 0 $T itl --help
grep -q "^       trustline itl reset --recovery" out.txt || fail "itl help: $(cat out.txt)"
grep -q "ctl reset" out.txt && fail "itl help names ctl reset"
expect 0 $T ctl --help
grep -q "^       trustline ctl reset --recovery" out.txt || fail "ctl help: $(cat out.txt)"
grep -q "^       trustline ctl update" out.txt || fail "ctl help: update"
grep -q "itl reset" out.txt && fail "ctl help names itl reset"
expect 0 $T ctl reset --help
expect 0 $T ctl update --help
expect 0 $T cluster security-mode --help
expect 0 $T cluster --help
grep -q "security-mode" out.txt || fail "cluster help"

# itl show without a file: the served ITL, as with the file named
expect 0 $T itl show
cp out.txt show-default.txt
expect 0 $T itl show dd/tftpboot/ITLFile.tlv
cmp out.txt show-default.txt || fail "itl show and itl show FILE differ"
grep -q "The ITL file was verified successfully" out.txt || fail "itl show"
expect 0 $T itl show --brief --data-dir dd
grep -q "^#1	SAST" out.txt || fail "itl show --brief: $(cat out.txt)"
expect 0 $T itl show --json
[ "$(json out.txt 'd["verified"]')" = True ] || fail "itl show --json"
expect 2 $T itl show dd/tftpboot/ITLFile.tlv --data-dir dd
expect 2 $T itl verify
expect 2 $T itl verify --data-dir dd dd/tftpboot/ITLFile.tlv
# ctl show without a file: none in a non-secure cluster, said so
expect 2 $T ctl show
grep -q "no CTL is served: the cluster is not in mixed mode" err.txt || fail "$(cat err.txt)"
expect 1 $T ctl update
grep -q "not in mixed mode.*security-mode mixed" err.txt || fail "$(cat err.txt)"
expect 1 $T ctl reset --recovery
expect 2 $T ctl reset
grep -q "give --recovery" err.txt || fail "$(cat err.txt)"
expect 2 $T ctl update --recovery

# security-mode: show, set, refuse
expect 0 $T cluster security-mode
grep -q "^security mode: non-secure" out.txt || fail "$(cat out.txt)"
expect 2 $T cluster security-mode secure
grep -q "mixed or non-secure" err.txt || fail "$(cat err.txt)"
expect 0 $T cluster security-mode mixed
grep -q "^CTL rebuilt: tftpboot/CTLFile.tlv, 4 records, signed by CallManager" out.txt || fail "$(cat out.txt)"
grep -q "^mixed_mode = true" dd/trustline.conf || fail "mixed_mode"
expect 0 $T cluster security-mode mixed
grep -q "already mixed" out.txt || fail "$(cat out.txt)"
expect 0 $T ctl show --brief
[ "$(grep -c "	SAST" out.txt)" -eq 2 ] || fail "ctl show: $(cat out.txt)"
expect 0 $T cluster security-mode
grep -q "^CTLFile.tlv: served, 4 records, signed by .*CN=pub.lab.example" out.txt || fail "$(cat out.txt)"

# ctl update: signed by ITLRecovery, a SAST record of the served CTL; a CTL
# served that lists none of the keys held is refused, the served file kept
cp dd/tftpboot/CTLFile.tlv served.tlv
expect 0 $T ctl update
grep -q "signed by ITLRecovery .*a SAST record of the CTL phones hold" out.txt || fail "$(cat out.txt)"
expect 0 $T ctl verify dd/tftpboot/CTLFile.tlv --trust served.tlv
mk other rsa:1024
expect 0 $T ctl build dd/tftpboot/CTLFile.tlv --signer other.pem --ccm-tftp other.crt
cp dd/tftpboot/CTLFile.tlv foreign.tlv
expect 1 $T ctl update
grep -q "no key trustline holds is a valid SAST record of the served CTL" err.txt || fail "$(cat err.txt)"
cmp foreign.tlv dd/tftpboot/CTLFile.tlv || fail "a refused update changed the served CTL"
expect 0 $T ctl reset --recovery
expect 0 $T ctl verify dd/tftpboot/CTLFile.tlv --trust served.tlv
grep -q "ITLRECOVERY" out.txt || fail "reset not signed by ITLRecovery: $(cat out.txt)"
# the previous CallManager key, while valid, when ITLRecovery is not in the
# CTL phones hold: ITLRecovery regenerated, the original CTL served again
expect 0 $T cert generate ITLRecovery
expect 0 $T cert generate CallManager
[ -f dd/certs/CallManager-previous/pub.key ] || fail "previous CallManager key not kept"
[ "$(stat -c %a dd/certs/CallManager-previous/pub.key)" = 600 ] || fail "previous key mode"
cp served.tlv dd/tftpboot/CTLFile.tlv
expect 0 $T ctl update
grep -q "signed by CallManager-previous" out.txt || fail "$(cat out.txt)"
expect 0 $T ctl verify dd/tftpboot/CTLFile.tlv --trust served.tlv

# back to non-secure: the CTL is no longer served
expect 0 $T cluster security-mode non-secure
[ ! -e dd/tftpboot/CTLFile.tlv ] || fail "CTLFile.tlv still served"
grep -q "^mixed_mode = false" dd/trustline.conf || fail "mixed_mode"
expect 0 $T cluster security-mode non-secure
grep -q "already non-secure" out.txt || fail "$(cat out.txt)"
echo "data directory lists, ctl update, security-mode: ok"
