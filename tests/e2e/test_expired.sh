#!/bin/sh
# End to end, docs/phone-trust.md's last scenario: an expired certificate (TVS,
# CAPF, call control) is rejected, with the reason printed. The cluster's
# TVS and CAPF certificates are replaced, with trustline's own csr and
# import, by CA-signed ones that expire a few seconds later; the real tvsd
# and capfd go on presenting them. Also the TLS peers a phone judges after
# boot (phone-sim connect).
set -eu
. "$(dirname "$0")/lib/cluster.sh"
export TRUSTLINE_DATA_DIR="$PWD/dd"

init dd lab cucm-pub
A=001122334455 C=0011223344CC
for d in $A $C; do expect 0 $T device add SEP$d --model CP-8865; done
serve dd tftpd tvsd capfd
boot 0 phone-a $A
boot 0 phone-c $C
expect 0 "$PS" connect --state phone-a --role TVS 127.0.0.1:$TVS
has "as TVS = TVS record #[0-9]* of the ITL -> ACCEPTED"

# ---- TVS and CAPF certificates that expire in a few seconds ----
ca labca
expect 0 $T cert csr TVS --node cucm-pub -o tvs.csr
expect 0 $T cert csr CAPF --node cucm-pub -o capf.csr
end=$(( $(date +%s) + 12 ))
issue tvs.csr tvs.pem "$(utc -3600)" "$(date -u -d @$end +%Y%m%d%H%M%SZ)"
issue capf.csr capf.pem "$(utc -3600)" "$(date -u -d @$end +%Y%m%d%H%M%SZ)"
expect 0 $T cert import TVS tvs.pem --node cucm-pub --chain labca.pem
expect 0 $T cert import CAPF capf.pem --node cucm-pub --chain labca.pem
settled dd tvs
# capfd reads its identity again on SIGHUP (docs/capfd.md)
kill -HUP $CAPFD_PID
for _ in $(seq 100); do grep -q "event=reload" dd.capfd.log && break; sleep 0.1; done
grep -q "event=reload" dd.capfd.log || { cat dd.capfd.log; fail "capfd did not reload"; }
# the new ITL (new TVS and CAPF records, the same signer) is taken at once
boot 0 phone-a $A
has "^ITL   ITLFile.tlv  .* = SAST record #[0-9]* of the installed ITL -> ACCEPTED"
boot 0 phone-c $C
has "^ITL   ITLFile.tlv  .* = SAST record #[0-9]* of the installed ITL -> ACCEPTED"

# ---- TLS peers after boot: call control expired; a stranger ----
openssl req -new -newkey rsa:2048 -nodes -keyout old.key -out old.csr -subj "/CN=old-ccm" 2>/dev/null
issue old.csr old.pem 20200101000000Z 20210101000000Z
peer old.pem old.key
expect 1 "$PS" connect --state phone-a --role CCM 127.0.0.1:$PORT
has "^PEER  127.0.0.1:$PORT  CN=old-ccm .* as CCM: certificate expired -> REJECTED"
kill $SPID
openssl req -x509 -newkey rsa:2048 -nodes -keyout rogue.key -out rogue.pem \
	-subj "/O=lab/CN=rogue" -days 30 2>/dev/null
peer rogue.pem rogue.key
expect 1 "$PS" connect --state phone-a --role CCM --tvs 127.0.0.1:$TVS 127.0.0.1:$PORT
has "CN=rogue .* as CCM not in CTL/ITL -> TVS 127.0.0.1:$TVS -> INVALID -> REJECTED"
kill $SPID
echo "TLS peers: ok"

while [ "$(date +%s)" -le $((end + 1)) ]; do sleep 0.5; done

# ---- CAPF: the server's certificate expired ----
expect 0 $T device capf SEP$C --operation install --auth-mode null
settled dd
boot 1 phone-c $C
has "^PEER  127.0.0.1:$CAPF  .*CAPF.* as CAPF: certificate expired -> REJECTED"
refused "PEER .*certificate expired"
[ ! -f phone-c/lsc.pem ] || fail "an LSC from an expired CAPF"
echo "CAPF certificate expired: ok"

# ---- TVS: the server's certificate expired ----
expect 1 "$PS" connect --state phone-a --role TVS 127.0.0.1:$TVS
has "^PEER  127.0.0.1:$TVS  .*TVS.* as TVS: certificate expired -> REJECTED"
# the TFTP certificate regenerated: the new ITL needs TVS, whose
# certificate (still a TVS record of the installed ITL) has expired
expect 0 $T cert generate CallManager --node cucm-pub --force
settled dd tvs
boot 1 phone-a $A
has "^ITL   ITLFile.tlv  signer .* not in installed ITL -> TVS 127.0.0.1:$TVS refused: its certificate .*CN=[^ ]*TVS.* expired on [0-9T:-]*Z: not trusted -> REJECTED"
has "^CONF  SEP$A.cnf.xml.sgn  .* not in CTL/ITL -> TVS 127.0.0.1:$TVS refused: its certificate .* expired on .*: not trusted -> REJECTED"
refused "ITL .*expired on"
echo "TVS certificate expired: ok"

echo "all passed"
