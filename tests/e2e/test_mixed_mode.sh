#!/bin/sh
# End to end, docs/phone-trust.md's mixed-mode scenario: with a CTL the phone
# checks the TFTP signer and call control against the CTL first, and
# refuses a CTL update signed by a key that is not a SAST record of its
# installed CTL (here the CallManager certificate regenerated, then
# `trustline ctl rebuild`: the new CTL is signed by the new key).
set -eu
. "$(dirname "$0")/lib/cluster.sh"
export TRUSTLINE_DATA_DIR="$PWD/dd"

init dd lab cucm-pub --mixed-mode
A=001122334455
expect 0 $T device add SEP$A --model CP-8865
serve dd tftpd tvsd

# ---- first boot: CTL and ITL on first use, the configuration by the CTL ----
boot 0 phone-a $A
has "^CTL   CTLFile.tlv  signer .*CN=cucm-pub.*nothing installed: trust on first use -> ACCEPTED"
has "^ITL   ITLFile.tlv  .*trust on first use -> ACCEPTED"
has "^CONF  SEP$A.cnf.xml.sgn  signer .*CN=cucm-pub.* = CCM+TFTP record #[0-9]* of the CTL -> ACCEPTED"
cmp phone-a/CTLFile.tlv dd/tftpboot/CTLFile.tlv || fail "the installed CTL is not the cluster's"
# call control on the CallManager certificate: the CTL's record, not the ITL's
peer dd/certs/CallManager/cucm-pub.pem dd/certs/CallManager/cucm-pub.key
expect 0 "$PS" connect --state phone-a --role CCM 127.0.0.1:$PORT
has "^PEER  127.0.0.1:$PORT  .*CN=cucm-pub.* as CCM = CCM+TFTP record #[0-9]* of the CTL -> ACCEPTED"
kill $SPID
boot 0 phone-a $A	# nothing changed
has "^CTL   CTLFile.tlv  identical to the installed CTL -> ACCEPTED"
echo "mixed mode, CTL first: ok"

# ---- CallManager regenerated, then the CTL rebuilt by hand: the cascade
# had updated it (signed by ITLRecovery, tests/e2e/test_ctl_update.sh), but
# a rebuild is signed by the new key, which a phone that has not booted
# since does not hold ----
cp phone-a/CTLFile.tlv ctl-before.tlv
expect 0 $T cert generate CallManager --node cucm-pub
grep -q "ran \`trustline ctl update\`" out.txt || fail "no CTL update: $(cat out.txt)"
expect 0 $T ctl rebuild
expect 1 $T ctl verify dd/tftpboot/CTLFile.tlv --trust ctl-before.tlv
settled dd tvs
boot 1 phone-a $A
has "^CTL   CTLFile.tlv  signer .*CN=cucm-pub.* is not a SAST record of the installed CTL: keeping it .*-> REJECTED"
refused "CTL"
cmp phone-a/CTLFile.tlv ctl-before.tlv || fail "the installed CTL changed"
# the new ITL: its signer is in neither installed list; TVS vouches for it.
# The configuration: not in the (old) CTL, a record of the new ITL.
has "^ITL   ITLFile.tlv  signer .* not in installed ITL -> TVS 127.0.0.1:$TVS -> VALID roles=.*CCM+TFTP.* -> ACCEPTED"
has "^CONF  SEP$A.cnf.xml.sgn  .* = CCM+TFTP record #[0-9]* of the ITL -> ACCEPTED"
boot 1 phone-a $A	# and so at every boot
has "^CTL   .* is not a SAST record of the installed CTL.*-> REJECTED"
# erasing the phone's trust lists lets it take the new CTL
expect 0 "$PS" erase-trust --state phone-a
boot 0 phone-a $A
has "^CTL   CTLFile.tlv  .*trust on first use -> ACCEPTED"
cmp phone-a/CTLFile.tlv dd/tftpboot/CTLFile.tlv || fail "the new CTL is not installed"
echo "CTL update signed by a non-SAST key: ok"
echo "all passed"
