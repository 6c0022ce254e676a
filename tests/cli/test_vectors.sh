#!/bin/sh
# Golden vectors (tests/vectors/): trustline must write the committed files
# byte for byte; their headers must be what DERIVATION.md derives by hand
# from docs/protocols.md; openssl must verify their signatures; and trustline
# must accept them.
set -eu
T=${TRUSTLINE:?}
V=${VECTORS:?}
fail() { echo "FAIL: $*"; exit 1; }

# Offsets from DERIVATION.md: the SIGNATURE TLV (3 + 256 bytes) and the
# header length, in the .sgn files and in the trust lists.
SGN_SIG=154 SGN_HEADER=452
TLV_SIG=159 TLV_HEADER=440
SIG_LEN=256

# 1. The same commands with the same SOURCE_DATE_EPOCH write the same bytes.
TRUSTLINE=$T sh "$V/golden.sh" . 2>/dev/null
n=0
for f in *.tlv *.sgn; do
	cmp "$f" "$V/$f" || fail "$f: rebuilt file differs from the golden one"
	n=$((n + 1))
done
[ "$n" -eq 6 ] || fail "golden.sh wrote $n files, expected 6"

# 2. Headers and the first record against the hand-written .hex files.
unhex() { grep -v '^#' "$1" | xxd -r -p; }
slice() {	# slice FILE FROM TO: bytes [FROM, TO) of FILE
	tail -c +$(($2 + 1)) "$1" | head -c $(($3 - $2))
}
header_without_sig() {	# FILE SIG_OFF HEADER_LEN: the header less the signature value
	slice "$1" 0 $(($2 + 3))
	slice "$1" $(($2 + 3 + SIG_LEN)) "$3"
}
header_without_sig "$V/SEP001122334455.cnf.xml.sgn" $SGN_SIG $SGN_HEADER > got.bin
unhex "$V/sgn-sha1.header.hex" > want.bin
cmp got.bin want.bin || fail ".sgn header differs from sgn-sha1.header.hex"
header_without_sig "$V/itl-sha1.tlv" $TLV_SIG $TLV_HEADER > got.bin
unhex "$V/itl-sha1.header.hex" > want.bin
cmp got.bin want.bin || fail "ITL header differs from itl-sha1.header.hex"
unhex "$V/itl-sha1.record1.hex" > want.bin
slice "$V/itl-sha1.tlv" $TLV_HEADER $((TLV_HEADER + $(stat -c %s want.bin))) > got.bin
cmp got.bin want.bin || fail "ITL record #1 differs from itl-sha1.record1.hex"

# 3. openssl verifies every signature over the file less its signature TLV,
# and, PKCS#1 v1.5 being deterministic, makes the very same signature: with
# the hand-written header above, every byte is then accounted for without
# trustline.
openssl x509 -in "$V/signer.pem" -noout -pubkey > pub.pem
osslverify() {	# FILE SIG_OFF DIGEST
	size=$(stat -c %s "$1")
	{ slice "$1" 0 "$2"; slice "$1" $(($2 + 3 + SIG_LEN)) "$size"; } > region.bin
	slice "$1" $(($2 + 3)) $(($2 + 3 + SIG_LEN)) > sig.bin
	openssl dgst "-$3" -verify pub.pem -signature sig.bin region.bin > /dev/null ||
		fail "openssl does not verify $1 with $3"
	openssl dgst "-$3" -sign "$V/signer.pem" -out osig.bin region.bin
	cmp -s osig.bin sig.bin || fail "$1: openssl signs the region differently"
}
osslverify "$V/SEP001122334455.cnf.xml.sgn" $SGN_SIG sha1
osslverify "$V/SEP001122334455-sha512.cnf.xml.sgn" $SGN_SIG sha512
osslverify "$V/itl-sha1.tlv" $TLV_SIG sha1
osslverify "$V/itl-sha512.tlv" $TLV_SIG sha512
osslverify "$V/itl-ec.tlv" $TLV_SIG sha1
osslverify "$V/ctl-sha1.tlv" $TLV_SIG sha1

# 4. trustline accepts them, a .sgn as a phone does: through the ITL's
# CCM+TFTP record.
for f in itl-sha1 itl-sha512 itl-ec; do
	$T itl verify "$V/$f.tlv" > /dev/null || fail "itl verify $f.tlv"
	$T itl verify "$V/$f.tlv" --trust "$V/itl-sha1.tlv" > /dev/null ||
		fail "itl verify $f.tlv --trust itl-sha1.tlv"
done
$T ctl verify "$V/ctl-sha1.tlv" > /dev/null || fail "ctl verify ctl-sha1.tlv"
for f in SEP001122334455.cnf.xml.sgn SEP001122334455-sha512.cnf.xml.sgn; do
	$T sgn verify "$V/$f" --trust "$V/itl-sha1.tlv" > out.txt ||
		fail "sgn verify $f --trust itl-sha1.tlv: $(cat out.txt)"
	grep -q "CCM+TFTP record #2 of" out.txt || fail "$f: $(cat out.txt)"
	$T sgn strip "$V/$f" -o stripped.xml
	cmp stripped.xml "$V/SEP001122334455.cnf.xml" || fail "$f: signed content"
done

# 5. What an administrator reads.
$T itl show "$V/itl-sha1.tlv" --brief > brief.txt
diff -u "$V/itl-sha1.brief.txt" brief.txt || fail "itl show --brief output changed"
echo "all passed"
