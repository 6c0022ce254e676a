#!/bin/sh
# End to end, an EC LSC and an encrypted profile, which cannot go together
# (the configuration's AES key is wrapped with the phone's RSA key): `device
# capf --key ec:...` on an encrypted-profile phone, and `device set
# --profile encrypted` on a phone with an EC LSC (or one pending), are
# refused with the reason. A device whose files cannot be made anyway (a
# database written before the rule, an encrypted phone with no key) is
# logged by tftpd with the cause, every render, and its phone is told the
# cause (in TFTP's error message, in HTTP's 404 text) and reports it, not
# "not on the server".
set -eu
. "$(dirname "$0")/lib/cluster.sh"
export TRUSTLINE_DATA_DIR="$PWD/dd"

init dd lab cucm-pub
MFG=dd/certs/lab-manufacturing-CA
E=0011223344EE N=0011223344AB K=0011223344CD
expect 0 "$PS" mic --state phone-e --mac $E --mfg-ca $MFG
expect 0 $T device add SEP$E --model CP-8865 --profile encrypted --mic phone-e/mic.pem
expect 0 $T device add SEP$N --model CP-8865

# ---- refused when scheduled ----
expect 1 $T device capf SEP$E --operation install --auth-mode null --key ec:256
grep -q "SEP$E has an encrypted profile, and an EC LSC (ec:256) cannot decrypt" err.txt ||
	fail "device capf --key ec:256 on an encrypted phone: $(cat out.txt err.txt)"
$T device show SEP$E --json > dev.json
json dev.json 'd[0]["capf_operation"] if isinstance(d, list) else d["capf_operation"]' |
	grep -qx none || fail "scheduled anyway: $(cat dev.json)"
expect 0 $T device capf SEP$E --operation install --auth-mode null --key rsa:2048
expect 0 $T device capf SEP$E --operation none
echo "EC LSC refused at device capf on an encrypted phone: ok"

# ---- a phone with an EC LSC (and one with an EC LSC pending) ----
serve dd tftpd tvsd capfd
expect 0 $T device capf SEP$N --operation install --auth-mode null --key ec:256
settled dd
boot 0 phone-n $N
has "^CAPF  .*install: LSC .*CN=SEP$N.* key EC 256 bits, stored -> ACCEPTED"
settled dd
expect 1 $T device set SEP$N --profile encrypted
grep -q "SEP$N has an EC LSC, which cannot decrypt an encrypted configuration" err.txt ||
	fail "device set --profile encrypted with an EC LSC: $(cat out.txt err.txt)"
$T device show SEP$N > show.txt
grep -q "non-secure" show.txt || fail "the profile changed anyway: $(cat show.txt)"
expect 0 $T device add SEP$K --model CP-8865
expect 0 $T device capf SEP$K --operation install --auth-mode null --key ec:384
expect 1 $T device set SEP$K --profile encrypted
grep -q "an EC LSC (ec:384) cannot decrypt" err.txt || fail "pending EC install: $(cat err.txt)"
echo "device set --profile encrypted refused with an EC LSC, installed or pending: ok"

# ---- a database from before the rule: tftpd and the phone name the cause ----
sqlite3 dd/trustline.db "UPDATE device SET profile = 'encrypted' WHERE name = 'SEP$N'"
expect 0 $T device add SEP0011223344F0 --model CP-8865	# bumps the generation
settled dd
grep -q "event=render device=SEP$N result=failed error=.*has an EC key" dd.tftpd.log ||
	fail "tftpd does not log the cause: $(cat dd.tftpd.log)"
! grep -q "reused=-" dd.tftpd.log || fail "a negative count: $(grep reused=- dd.tftpd.log)"
grep "event=render devices=" dd.tftpd.log | tail -1 | grep -q " failed=1 " ||
	fail "the failed device is not counted: $(grep 'event=render devices=' dd.tftpd.log | tail -1)"
boot 1 phone-n $N
has "^CONF  SEP$N.cnf.xml.sgn  not on the server, which says: the configuration cannot be made: .*EC key.* -> REJECTED"
refused "not on the server, which says: .*EC key"
grep -q "file=SEP$N.cnf.xml.sgn .*result=not-found code=1 message=\"the configuration cannot be made: " \
	dd.tftpd.log || fail "the transfer line does not give the cause"
echo "EC LSC on an encrypted profile: tftpd logs it, the phone reports it: ok"

# ---- the same for an encrypted phone with neither LSC nor MIC ----
expect 0 $T device add SEP0011223344F1 --model CP-8865 --profile encrypted
settled dd
boot 1 phone-f1 0011223344F1
has "^CONF  SEP0011223344F1.cnf.xml.sgn  not on the server, which says: .*encrypted profile but no LSC or MIC"
# over HTTP the same cause, from the 404's text
expect 1 "$PS" boot --state phone-f2 --mac 0011223344F1 --tftp 127.0.0.1 --http=$HTTP -v
has "^CONF  SEP0011223344F1.cnf.xml.sgn  not on the server, which says: .*encrypted profile but no LSC or MIC.*: the phone stays unconfigured -> REJECTED"
grep -q "HTTP SEP0011223344F1.cnf.xml.sgn: not found (http://127.0.0.1:$HTTP/SEP0011223344F1.cnf.xml.sgn: 404 Not Found: the configuration cannot be made: .*): the file is not on the server" err.txt ||
	fail "HTTP: the 404 does not give the URL, status and cause: $(cat err.txt)"
# a device that is not there at all is still only "not on the server"
boot 1 phone-x 0011223344F9
has "^CONF  SEP0011223344F9.cnf.xml.sgn  not on the server (is the device added?)"
echo "all passed"
