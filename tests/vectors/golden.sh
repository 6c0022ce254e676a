#!/bin/sh
# Writes every golden file of this directory into OUTDIR with trustline:
# the one list of commands both for making the committed files and for the
# test that rebuilds them (tests/cli/test_vectors.sh), so the two cannot
# drift apart. Usage: TRUSTLINE=path/to/trustline golden.sh OUTDIR
set -eu
T=${TRUSTLINE:?}
V=$(cd "$(dirname "$0")" && pwd)
OUT=${1:?usage: golden.sh OUTDIR}
# RSA PKCS#1 v1.5 signatures are deterministic: with a fixed timestamp every
# byte of the output is fixed.
SOURCE_DATE_EPOCH=1700000000
export SOURCE_DATE_EPOCH

# The signer is the TFTP node's certificate: a SAST record (added by build)
# and, as on a CUCM cluster, a CCM+TFTP record too, so it may sign configs.
itl() {	# itl OUT DIGEST: the ITL of a two-node cluster
	"$T" itl build "$OUT/$1" --signer "$V/signer.pem" --digest "$2" \
		--ccm-tftp "$V/signer.pem" --ccm-tftp "$V/ccm-tftp.pem" \
		--tvs "$V/tvs.pem" --capf "$V/capf.pem" --hash-only tvs
}
itl itl-sha1.tlv sha1
itl itl-sha512.tlv sha512
# No --version: an EC record must make build write SIGNER_VERSION 1.1 itself.
"$T" itl build "$OUT/itl-ec.tlv" --signer "$V/signer.pem" \
	--ccm-tftp "$V/signer.pem" --ccm "$V/ec-ccm.pem" --tvs "$V/tvs.pem" \
	--hash-only tvs
"$T" ctl build "$OUT/ctl-sha1.tlv" --signer "$V/signer.pem" \
	--ccm-tftp "$V/signer.pem" --ccm-tftp "$V/ccm-tftp.pem" --capf "$V/capf.pem"
"$T" sgn sign "$V/SEP001122334455.cnf.xml" --signer "$V/signer.pem" \
	--filename SEP001122334455.cnf.xml.sgn -o "$OUT/SEP001122334455.cnf.xml.sgn"
"$T" sgn sign "$V/SEP001122334455.cnf.xml" --signer "$V/signer.pem" \
	--digest sha512 --filename SEP001122334455.cnf.xml.sgn \
	-o "$OUT/SEP001122334455-sha512.cnf.xml.sgn"
