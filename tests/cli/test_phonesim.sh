#!/bin/sh
# phone-sim end to end: the real tftpd, tvsd and capfd on loopback ports,
# the cluster changed only with trustline, and simulated phones booting
# against it; one block per row of PHONE-TRUST.md's scenario table that
# these servers can play, each asserting the outcome and its reason.
set -eu
T=${TRUSTLINE:?}
B=${BUILD_DIR:?}
PS=$B/bin/phone-sim
. "$(dirname "$0")/common.sh"
export TRUSTLINE_DATA_DIR="$PWD/dd"
pids=""
trap 'for p in $pids; do kill $p 2>/dev/null || true; done' EXIT

# boot CODE STATE MAC [options]: boot a phone, output in out.txt (decision
# lines) and err.txt (the refusal)
boot() {
	code=$1; st=$2; mac=$3; shift 3
	expect "$code" "$PS" boot --state "$st" --mac "$mac" --model CP-8865 \
		--tftp 127.0.0.1:"$TFTP" --tvs 127.0.0.1:"$TVS" --capf 127.0.0.1:"$CAPF" "$@"
}
has() {	# has PATTERN: a decision line matches
	grep -q -- "$1" out.txt || { cat out.txt err.txt; fail "no line matching: $1"; }
}
# reload [tvs]: wait until tftpd (and tvsd) serve what the data directory
# now says; both poll its generation
count() { grep -c "$1" "$2" || true; }
reload() {
	n=$(count event=render tftpd.log) t=$(count event=reload tvsd.log)
	for _ in $(seq 60); do
		if [ "$(count event=render tftpd.log)" -gt "$n" ] &&
		   { [ $# = 0 ] || [ "$(count event=reload tvsd.log)" -gt "$t" ]; }; then
			return 0
		fi
		sleep 0.1
	done
	cat tftpd.log tvsd.log; fail "the servers did not reload"
}

$T cluster init --name lab --domain lab.example --nodes cucm-pub --data-dir ./dd > /dev/null
MFG=dd/certs/lab-manufacturing-CA
A=001122334455 E=0011223344EE W=0011223344FF M=0011223344CC TM=0011223344AA RM=0011223344BB
expect 0 "$PS" mic --state phone-e --mac $E --mfg-ca $MFG
has "MIC .*CN=CP-8865-SEP$E"
openssl x509 -in phone-e/mic.pem -noout -subject | grep -q "CN *= *CP-8865-SEP$E" || fail "MIC subject"
[ "$(stat -c %a phone-e/mic.key)" = 600 ] || fail "MIC key mode"
expect 2 "$PS" mic --state phone-e --mac $E --mfg-ca $MFG
expect 0 $T device add SEP$A --model CP-8865
expect 0 $T device add SEP$E --model CP-8865 --profile encrypted --mic phone-e/mic.pem
for d in $W $TM $RM; do expect 0 $T device add SEP$d --model CP-8865; done
sed -i "s/^per_ip_rate = .*/per_ip_rate = 1000/" dd/trustline.conf
cp dd/trustline.conf servers.conf
printf '\n[tftp]\nuser = %s\n[tvs]\nuser = %s\n[capf]\nuser = %s\n' \
	"$(id -un)" "$(id -un)" "$(id -un)" >> servers.conf
"$B/bin/tftpd" -c servers.conf --listen 127.0.0.1 --port 0 --http-port 0 --foreground \
	2> tftpd.log &
pids="$pids $!"; TFTP=$(started tftpd.log $!)
"$B/bin/tvsd" -c servers.conf --listen 127.0.0.1 --port 0 --foreground 2> tvsd.log &
TVSPID=$!; pids="$pids $!"; TVS=$(started tvsd.log $!)
"$B/bin/capfd" -c servers.conf --listen 127.0.0.1 --port 0 --foreground 2> capfd.log &
pids="$pids $!"; CAPF=$(started capfd.log $!)

# ---- first boot, no trust installed: ITL on first use, signed config ----
boot 0 phone-a $A -v
has "^CTL   CTLFile.tlv  not on the server: no CTL.*ACCEPTED"
has "^ITL   ITLFile.tlv  signer .*CN=cucm-pub.*nothing installed: trust on first use -> ACCEPTED"
has "^CONF  SEP$A.cnf.xml.sgn  signer .*CN=cucm-pub.* = CCM+TFTP record #[0-9]* of the ITL -> ACCEPTED"
[ -f phone-a/ITLFile.tlv ] && [ -f phone-a/config.xml ] || fail "state not kept"
grep -q "<address>cucm-pub.lab.example</address>" phone-a/config.xml || fail "config.xml"
has "^PEER  127.0.0.1:$CAPF .*CN=CAPF-cucm-pub.* as CAPF = CAPF record #[0-9]* of the ITL -> ACCEPTED"
grep -q "nothing pending" err.txt || fail "CAPF with nothing pending: $(cat err.txt)"
expect 0 "$PS" show --state phone-a --json
json out.txt 'd["itl"] is not None and d["config"]["tvs_servers"] == 1' | grep -qx True ||
	fail "show --json"
# the same again: nothing to do
boot 0 phone-a $A --json
json out.txt '[s["line"] for s in d["steps"] if s["step"] == "ITL"][0]' |
	grep -q "identical to the installed ITL" || fail "second boot: $(cat out.txt)"
json out.txt 'd["result"]' | grep -qx trusted || fail "json result"
echo "first boot: ok"

# ---- CallManager (TFTP) certificate regenerated, TVS unchanged ----
expect 0 $T cert generate CallManager --node cucm-pub
reload tvs
boot 0 phone-a $A
has "^ITL   ITLFile.tlv  signer .* not in installed ITL -> TVS 127.0.0.1:$TVS -> VALID roles=.*CCM+TFTP.* -> ACCEPTED"
has "^CONF  SEP$A.cnf.xml.sgn  .* of the ITL -> ACCEPTED"
expect 0 "$PS" show --state phone-a
grep -q "^TVS cache [0-9a-f]\{64\} expires in" out.txt || fail "TVS answer not cached"
echo "TFTP regenerated, TVS up: ok"

# ---- ITL re-signed with the ITLRecovery key: no TVS needed ----
expect 0 $T itl reset --recovery
reload tvs
boot 0 phone-a $A
has "^ITL   ITLFile.tlv  signer .*ITLRECOVERY.* = SAST record #[0-9]* of the installed ITL -> ACCEPTED"
echo "itl reset --recovery: ok"

# ---- CallManager and TVS regenerated together on a single-node cluster ----
expect 0 $T cert generate CallManager --node cucm-pub --force
expect 0 $T cert generate TVS --node cucm-pub --force
reload tvs
boot 1 phone-a $A
has "^ITL   ITLFile.tlv  signer .* not in installed ITL -> TVS unreachable .*: not trusted -> REJECTED"
has "^CONF  SEP$A.cnf.xml.sgn  .* not in CTL/ITL -> TVS unreachable .* -> REJECTED"
grep -q "refused: ITL" err.txt || fail "the reason"
boot 1 phone-a $A	# stuck: the same again
has "ITL .*-> REJECTED"
expect 0 "$PS" erase-trust --state phone-a
[ ! -f phone-a/ITLFile.tlv ] || fail "erase-trust kept the ITL"
[ -f phone-a/config.xml ] || fail "erase-trust removed the configuration"
boot 0 phone-a $A
has "trust on first use -> ACCEPTED"
echo "TFTP and TVS regenerated together: stuck until erase-trust: ok"

# ---- tampered configuration: one byte flipped in a real signed file ----
# tftpd serves a device's generated file over any static one, so the device
# is removed and a copy of its last signed file, one byte flipped, is left
# in tftpboot/ as a static file: what the phone gets is tftpd's, unchanged.
boot 0 phone-t $TM
boot 0 phone-r $RM
"$B/tools/tftpget" 127.0.0.1 "$TFTP" SEP$TM.cnf.xml.sgn good.sgn > /dev/null
cp good.sgn dd/tftpboot/SEP$TM.cnf.xml.sgn
printf 'X' | dd of=dd/tftpboot/SEP$TM.cnf.xml.sgn bs=1 seek=$(( $(stat -c %s good.sgn) - 20 )) \
	conv=notrunc 2>/dev/null
expect 0 $T device remove SEP$TM
reload
# a config signed by a certificate the phone's ITL does not hold and TVS
# does not know (a static file again, for a removed device)
openssl req -x509 -newkey rsa:2048 -nodes -keyout rogue.key -out rogue.pem \
	-subj "/O=lab/CN=rogue-tftp" -days 30 2>/dev/null
printf '<device><fullConfig>true</fullConfig></device>\n' > rogue.xml
expect 0 $T sgn sign rogue.xml --signer rogue.pem --signer-key rogue.key \
	--filename SEP$RM.cnf.xml.sgn -o dd/tftpboot/SEP$RM.cnf.xml.sgn
expect 0 $T device remove SEP$RM
reload
boot 1 phone-t $TM
has "^CONF  SEP$TM.cnf.xml.sgn  .*is in the ITL but the signature is wrong (tampered?).*-> REJECTED"
grep -q "<device>" phone-t/config.xml || fail "the last configuration was not kept"
boot 1 phone-r $RM
has "^CONF  SEP$RM.cnf.xml.sgn  signer .*CN=rogue-tftp.* not in CTL/ITL -> TVS 127.0.0.1:$TVS -> unknown -> REJECTED"
echo "tampered and unknown signer: ok"

# ---- encrypted configuration: the right phone and another one ----
boot 0 phone-e $E
has "^CONF  SEP$E.cnf.xml.sgn .*-> ACCEPTED"
has "^CONF  SEP$E.cnf.xml.enc.sgn .* of the ITL -> ACCEPTED"
has "^ENC   SEP$E.cnf.xml.enc.sgn  certHash [0-9a-f]* = MD5 of the MIC .*decrypted with the MIC key"
grep -q "<deviceSecurityMode>3</deviceSecurityMode>" phone-e/config.xml || fail "decrypted config"
expect 0 "$PS" mic --state phone-x --mac $E --mfg-ca $MFG	# another phone claiming E's name
boot 1 phone-x $E
has "^ENC   SEP$E.cnf.xml.enc.sgn  certHash [0-9a-f]* is not the MD5 of this phone's MIC .*encrypted for another phone -> REJECTED"
echo "encrypted configuration: ok"

# ---- CAPF: install by authentication string, then the LSC decrypts ----
expect 0 $T device capf SEP$E --operation install --auth-mode string --auth-string 123456
reload
boot 0 phone-e $E --auth-string 123456
has "^PEER  127.0.0.1:$CAPF .* as CAPF = CAPF record"
has "^CAPF  127.0.0.1:$CAPF  install: LSC .*CN=SEP$E.* stored -> ACCEPTED"
[ "$(stat -c %a phone-e/lsc.key)" = 600 ] || fail "LSC key mode"
$T cert export CAPF > capf.pem
openssl verify -partial_chain -CAfile capf.pem phone-e/lsc.pem > /dev/null || fail "LSC chain"
$T device capf-status SEP$E --json > st.json
json st.json 'd["status"]' | grep -qx 3 || fail "capf-status after install: $(cat st.json)"
reload
boot 0 phone-e $E
lsc_md5=$(openssl x509 -in phone-e/lsc.pem -outform DER | openssl md5 | awk '{print $2}')
has "^ENC   SEP$E.cnf.xml.enc.sgn  certHash $lsc_md5 = MD5 of the LSC .*decrypted with the LSC key"
echo "CAPF by string, LSC used for the encrypted configuration: ok"

# ---- CAPF: null string, MIC, LSC ----
expect 0 $T device capf SEP$A --operation install --auth-mode null
reload
boot 0 phone-a $A
has "^CAPF  .*install: LSC .*CN=SEP$A.* -> ACCEPTED"
expect 0 "$PS" mic --state phone-m --mac $M --mfg-ca $MFG
expect 0 $T device add SEP$M --model CP-8865 --mic phone-m/mic.pem
expect 0 $T device capf SEP$M --operation install --auth-mode mic
reload
boot 0 phone-m $M
has "^CAPF  .*install: LSC .*CN=SEP$M.* -> ACCEPTED"
old=$(openssl x509 -in phone-e/lsc.pem -noout -serial)
expect 0 $T device capf SEP$E --operation install --auth-mode lsc
reload
boot 0 phone-e $E
has "^CAPF  .*install: LSC .*CN=SEP$E.* -> ACCEPTED"
[ "$(openssl x509 -in phone-e/lsc.pem -noout -serial)" != "$old" ] || fail "LSC not replaced"
echo "CAPF by null string, MIC, LSC: ok"

# ---- CAPF: wrong authentication string ----
expect 0 $T device capf SEP$W --operation install --auth-mode string --auth-string 111111
reload
boot 1 phone-w $W --auth-string 222222
has "^CAPF  127.0.0.1:$CAPF  the server ended the session: reason 7"
[ ! -f phone-w/lsc.pem ] || fail "an LSC after a wrong string"
$T device capf-status SEP$W --json > st.json
json st.json 'd["status"] != 3 and d["status"] != 0' | grep -qx True ||
	fail "status not recorded: $(cat st.json)"
echo "CAPF wrong string: ok"

# ---- TLS peers after boot: TVS and CAPF by the ITL; an expired one; a stranger ----
expect 0 "$PS" connect --state phone-a --role TVS 127.0.0.1:$TVS
has "as TVS = TVS record #[0-9]* of the ITL -> ACCEPTED"
cat > ca.cnf <<'CNF'
[ca]
default_ca = lab
[lab]
database = index.txt
new_certs_dir = .
serial = serial.txt
default_md = sha256
policy = any
copy_extensions = none
[any]
commonName = supplied
CNF
: > index.txt; echo 01 > serial.txt
openssl req -new -newkey rsa:2048 -nodes -keyout old.key -out old.csr -subj "/CN=old-ccm" 2>/dev/null
openssl ca -batch -config ca.cnf -selfsign -keyfile old.key -in old.csr -out old.pem \
	-startdate 20200101000000Z -enddate 20210101000000Z > /dev/null 2>&1 || fail "openssl ca"
peer() {	# peer CERT KEY: openssl s_server on a free port, PORT set
	PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	openssl s_server -accept 127.0.0.1:$PORT -cert "$1" -key "$2" -quiet > /dev/null 2>&1 &
	SPID=$!; pids="$pids $SPID"
	python3 -c 'import socket, sys, time
for _ in range(50):
    try:
        socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1).close(); break
    except OSError:
        time.sleep(0.1)' $PORT
}
peer old.pem old.key
expect 1 "$PS" connect --state phone-a --role CCM 127.0.0.1:$PORT
has "^PEER  127.0.0.1:$PORT  CN=old-ccm .* as CCM: certificate expired -> REJECTED"
kill $SPID
peer rogue.pem rogue.key
expect 1 "$PS" connect --state phone-a --role CAPF --tvs 127.0.0.1:$TVS 127.0.0.1:$PORT
has "CN=rogue-tftp .* as CAPF not in CTL/ITL -> TVS 127.0.0.1:$TVS -> INVALID -> REJECTED"
# and a boot whose CAPF server is that stranger: the phone does not talk to it
expect 0 $T device capf SEP$A --operation install --auth-mode null
reload
boot 1 phone-a $A --capf 127.0.0.1:$PORT
has "^PEER  127.0.0.1:$PORT .*CN=rogue-tftp.* -> REJECTED"
kill $SPID
echo "TLS peers: ok"
echo "all passed"
