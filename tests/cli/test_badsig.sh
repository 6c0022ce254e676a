#!/bin/sh
# Broken signatures: bit-flipped copies of a self-signed certificate that
# openssl (verify -check_ss_sig) rejects, and that are still self-issued,
# are rejected by `cert check` and
# refused by `cert trust add`, and so is a chain whose root's own signature
# is broken.
set -eu
T=${TRUSTLINE:?}
. "$(dirname "$0")/common.sh"
export TRUSTLINE_DATA_DIR="$PWD/dd"
expect 0 $T cluster init --name lab --domain lab.example --nodes cucm-pub
mk root
openssl x509 -in root.crt -outform DER -out root.der
expect 0 $T cert check root.der
python3 - <<'PY'
d = open("root.der", "rb").read()
# every 7th byte from the start of the TBS to the end, one bit each
for n, i in enumerate(range(8, len(d), 7)):
    b = bytearray(d)
    b[i] ^= 1 << (n % 8)
    open("flip%04d.der" % n, "wb").write(bytes(b))
PY
tried=0 caught=0 missed=""
for f in flip*.der; do
	# only what openssl reads as a certificate and rejects
	openssl x509 -inform DER -in "$f" -noout 2>/dev/null || continue
	openssl x509 -inform DER -in "$f" -out "$f.pem" 2>/dev/null
	if openssl verify -check_ss_sig -CAfile "$f.pem" "$f.pem" > /dev/null 2>&1; then
		continue
	fi
	# a flip in a name makes a certificate issued by an unknown CA, which
	# trust stores take as they take any (nothing to verify it with)
	[ "$(openssl x509 -in "$f.pem" -noout -subject | sed 's/^subject=//')" = \
	  "$(openssl x509 -in "$f.pem" -noout -issuer | sed 's/^issuer=//')" ] || continue
	tried=$((tried + 1))
	set +e
	$T cert check "$f" > out.txt 2>&1; c=$?
	$T cert trust add phone-trust "$f" > add.txt 2>&1; a=$?
	set -e
	if [ $c -ne 0 ] && [ $a -ne 0 ]; then
		caught=$((caught + 1))
	else
		missed="$missed $f(check=$c,add=$a)"
	fi
done
echo "badsig: $caught of $tried broken copies rejected by cert check and trust add"
[ "$tried" -gt 20 ] || fail "too few broken copies tried: $tried"
[ -z "$missed" ] || fail "accepted:$missed"
expect 0 $T cert list --store phone-trust --json
! grep -q '"root"\|CN=root' out.txt || fail "a broken copy is in phone-trust"

# sgn verify --trust LIST: the list's own signature first, as a phone does
ITL=dd/tftpboot/ITLFile.tlv
head -c 3000 /dev/urandom > blob.bin
expect 0 $T sgn sign blob.bin --signer dd/certs/CallManager/cucm-pub.pem \
	--signer-key dd/certs/CallManager/cucm-pub.key -o blob.sgn
expect 0 $T sgn verify blob.sgn --trust $ITL
expect 0 $T itl show $ITL --json
cp out.txt itl.json
off=$(json itl.json 'd["signature_offset"]')
cp $ITL broken.tlv
python3 -c 'import sys; p=sys.argv[1]; o=int(sys.argv[2]); b=bytearray(open(p,"rb").read()); b[o+3+20]^=0x40; open(p,"wb").write(b)' \
	broken.tlv "$off"
expect 1 $T sgn verify blob.sgn --trust broken.tlv
grep -q "not validly signed" out.txt || fail "broken list: $(cat out.txt)"
expect 0 $T sgn verify blob.sgn --trust broken.tlv --trust-unsigned
echo "badsig: ok"
