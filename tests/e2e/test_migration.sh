#!/bin/sh
# End to end, docs/phone-trust.md's migration scenarios: a phone of cluster A
# moves to cluster B. It still holds A's ITL, so B's ITL is taken only when
# A's TVS vouches for B's TFTP certificate: refused without
# `trustline cert import-bulk`, accepted once B's export-bulk is imported
# on A. Two data directories, each with its own tftpd; A's tvsd.
set -eu
. "$(dirname "$0")/lib/cluster.sh"

init dd-a lab cucm-pub
init dd-b lab2 cucm-b
P=001122334455 Q=0011223344EE
a() { env TRUSTLINE_DATA_DIR="$PWD/dd-a" "$T" "$@"; }	# trustline on A
b() { env TRUSTLINE_DATA_DIR="$PWD/dd-b" "$T" "$@"; }	# and on B
for d in $P $Q; do
	expect 0 a device add SEP$d --model CP-8865
	expect 0 b device add SEP$d --model CP-8865
done
serve dd-b tftpd
TFTP_B=$TFTP
serve dd-a tftpd tvsd
TFTP_A=$TFTP TVS_A=$TVS
# on_b CODE STATE MAC: the phone boots from cluster B; the TVS it asks is
# the one of its last configuration, cluster A's (here on a loopback port)
on_b() {
	expect "$1" "$PS" boot --state "$2" --mac "$3" --tftp 127.0.0.1:$TFTP_B \
		--tvs 127.0.0.1:$TVS_A
}

boot 0 phone-p $P
boot 0 phone-q $Q
cmp phone-p/ITLFile.tlv dd-a/tftpboot/ITLFile.tlv || fail "P does not hold A's ITL"

# ---- moved without the import: B's ITL refused ----
cp phone-p/config.xml kept.xml
on_b 1 phone-p $P
has "^ITL   ITLFile.tlv  signer .*CN=cucm-b.lab2.example.* not in installed ITL -> TVS 127.0.0.1:$TVS_A -> INVALID -> REJECTED"
has "^CONF  SEP$P.cnf.xml.sgn  signer .*CN=cucm-b.* not in CTL/ITL -> TVS 127.0.0.1:$TVS_A -> unknown -> REJECTED"
refused "ITL"
cmp phone-p/ITLFile.tlv dd-a/tftpboot/ITLFile.tlv || fail "P no longer holds A's ITL"
cmp phone-p/config.xml kept.xml || fail "P took B's configuration"
echo "migration without import-bulk: ok"

# ---- B's TFTP certificates exported, imported on A: A's TVS vouches ----
expect 0 b cert export-bulk bulk
expect 0 a cert import-bulk bulk
settled dd-a tvs
on_b 0 phone-p $P	# the phone refused before, now it moves
has "^ITL   ITLFile.tlv  signer .*CN=cucm-b.lab2.example.* not in installed ITL -> TVS 127.0.0.1:$TVS_A -> VALID roles=.*CCM+TFTP.* -> ACCEPTED"
has "^CONF  SEP$P.cnf.xml.sgn  signer .*CN=cucm-b.* = CCM+TFTP record #[0-9]* of the ITL -> ACCEPTED"
cmp phone-p/ITLFile.tlv dd-b/tftpboot/ITLFile.tlv || fail "P does not hold B's ITL"
grep -q "<address>cucm-b.lab2.example</address>" phone-p/config.xml || fail "B's configuration"
on_b 0 phone-q $Q	# one that never tried before
has "^ITL   .* -> TVS 127.0.0.1:$TVS_A -> VALID .* -> ACCEPTED"
echo "migration with import-bulk: ok"
echo "all passed"
