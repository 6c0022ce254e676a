#!/bin/sh
# End to end, mixed mode across a CallManager regeneration (docs/trustline.md,
# `ctl update`): the regeneration's cascade signs the new CTL with a key the
# phones' CTL already holds (ITLRecovery), so phones booted before accept the
# new CTL and, through it, the new ITL. With TVS and ITLRecovery regenerated
# too while the phones were off, nothing they hold vouches for anything: they
# are stuck until `ctl reset --recovery` and an erase of their trust lists.
# And `cluster security-mode non-secure` stops serving the CTL.
set -eu
. "$(dirname "$0")/lib/cluster.sh"
export TRUSTLINE_DATA_DIR="$PWD/dd"

init dd lab cucm-pub --mixed-mode
A=001122334455 M=0011223344BB
expect 0 $T device add SEP$A --model CP-8865
expect 0 $T device add SEP$M --model CP-8865
serve dd tftpd tvsd
boot 0 phone-a $A
boot 0 phone-b $M
has "^CTL   CTLFile.tlv  .*trust on first use -> ACCEPTED"
cp dd/tftpboot/CTLFile.tlv ctl-0.tlv

# ---- CallManager regenerated: the cascade runs `ctl update` itself ----
expect 0 $T cert generate CallManager --node cucm-pub
grep -q "^CTL updated: tftpboot/CTLFile.tlv, 4 records, signed by ITLRecovery .*a SAST record of the CTL phones hold" out.txt ||
	fail "no CTL update: $(cat out.txt)"
grep -q "ran \`trustline ctl update\`" out.txt || fail "$(cat out.txt)"
expect 0 $T ctl verify dd/tftpboot/CTLFile.tlv --trust ctl-0.tlv
# and by hand it does the same, idempotently
expect 0 $T ctl update
grep -q "signed by ITLRecovery" out.txt || fail "$(cat out.txt)"
settled dd tvs
boot 0 phone-a $A
has "^CTL   CTLFile.tlv  signer .*CN=ITLRECOVERY_cucm-pub.* = SAST record #[0-9]* of the installed CTL -> ACCEPTED"
has "^ITL   ITLFile.tlv  signer .*CN=cucm-pub.* = CCM+TFTP record #[0-9]* of the installed CTL -> ACCEPTED"
has "^CONF  SEP$A.cnf.xml.sgn  signer .*CN=cucm-pub.* = CCM+TFTP record #[0-9]* of the CTL -> ACCEPTED"
cmp phone-a/CTLFile.tlv dd/tftpboot/CTLFile.tlv || fail "the new CTL is not installed"
echo "CallManager regenerated, ctl update, phones accept: ok"

# ---- a rebuild after that is signed by the new CallManager key, a SAST
# record of the CTL phone-a now holds: accepted ----
expect 0 $T ctl rebuild
settled dd tvs
boot 0 phone-a $A
has "^CTL   CTLFile.tlv  signer .*CN=cucm-pub.* = SAST record #[0-9]* of the installed CTL -> ACCEPTED"

# ---- CallManager and TVS regenerated together, phones up: still fine,
# the CTL vouches for the new ITL where TVS no longer can ----
expect 0 $T cert generate CallManager --node cucm-pub
expect 0 $T cert generate TVS --node cucm-pub --force
settled dd tvs
boot 0 phone-a $A
has "^CTL   CTLFile.tlv  .* = SAST record #[0-9]* of the installed CTL -> ACCEPTED"
has "^ITL   ITLFile.tlv  .* = CCM+TFTP record #[0-9]* of the installed CTL -> ACCEPTED"
has "^CONF  SEP$A.cnf.xml.sgn  .*-> ACCEPTED"
echo "CallManager and TVS regenerated together, phones up: ok"

# ---- phone-b was off through all of that, and ITLRecovery is regenerated
# too: neither the CTL nor the ITL it holds names a key still in use, and
# its TVS certificate is gone: stuck ----
expect 0 $T cert generate ITLRecovery
grep -q "^CTL updated: .*signed by CallManager " out.txt || fail "$(cat out.txt)"
settled dd tvs
boot 1 phone-b $M
has "^CTL   CTLFile.tlv  signer .* is not a SAST record of the installed CTL: keeping it .*-> REJECTED"
has "^ITL   ITLFile.tlv  .*-> REJECTED"
has "^CONF  SEP$M.cnf.xml.sgn  .*-> REJECTED"
# against the CTL phone-b holds, no update can be made
cp dd/tftpboot/CTLFile.tlv ctl-served.tlv
cp ctl-0.tlv dd/tftpboot/CTLFile.tlv
expect 1 $T ctl update
grep -q "no key trustline holds is a valid SAST record of the served CTL.*ctl reset --recovery.*erase" err.txt ||
	fail "$(cat err.txt)"
cmp ctl-0.tlv dd/tftpboot/CTLFile.tlv || fail "a refused update changed the served CTL"
# the way out: a CTL signed by ITLRecovery, and the phone's trust erased
expect 0 $T ctl reset --recovery
grep -q "^CTL rebuilt: .*signed by ITLRecovery" out.txt || fail "$(cat out.txt)"
settled dd tvs
boot 1 phone-b $M
has "^CTL   CTLFile.tlv  .* is not a SAST record of the installed CTL.*-> REJECTED"
expect 0 "$PS" erase-trust --state phone-b
boot 0 phone-b $M
has "^CTL   CTLFile.tlv  signer .*CN=ITLRECOVERY_cucm-pub.*trust on first use -> ACCEPTED"
has "^ITL   ITLFile.tlv  .*trust on first use -> ACCEPTED"
has "^CONF  SEP$M.cnf.xml.sgn  .* of the CTL -> ACCEPTED"
# and the next CallManager regeneration reaches it by ctl update again
# (--force: TVS was regenerated minutes ago)
expect 0 $T cert generate CallManager --node cucm-pub --force
grep -q "ran \`trustline ctl update\`" out.txt || fail "$(cat out.txt)"
settled dd tvs
boot 0 phone-b $M
has "^CTL   CTLFile.tlv  .* = SAST record #[0-9]* of the installed CTL -> ACCEPTED"
echo "TVS and ITLRecovery regenerated too, phone off: stuck until ctl reset --recovery + erase: ok"

# ---- back to non-secure: CTLFile.tlv is no longer served ----
expect 0 $T cluster security-mode non-secure
grep -q "CTLFile.tlv is no longer served. A phone that holds a CTL keeps it" out.txt || fail "$(cat out.txt)"
[ ! -e dd/tftpboot/CTLFile.tlv ] || fail "CTLFile.tlv still there"
grep -q "^mixed_mode = false" dd/trustline.conf || fail "mixed_mode"
expect 0 $T cluster security-mode
grep -q "^security mode: non-secure" out.txt && grep -q "^CTLFile.tlv: not served" out.txt || fail "$(cat out.txt)"
settled dd tvs
rm -f got.tlv
if "$B/tools/tftpget" 127.0.0.1 "$TFTP" CTLFile.tlv got.tlv > /dev/null 2>&1; then
	fail "tftpd still serves CTLFile.tlv"
fi
boot 0 phone-b $M
has "^CTL   CTLFile.tlv  not on the server: keeping the installed CTL -> ACCEPTED"
expect 1 $T ctl update
grep -q "not in mixed mode" err.txt || fail "$(cat err.txt)"
echo "security-mode non-secure: ok"
