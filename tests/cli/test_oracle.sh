#!/bin/sh
# The openssl command line as an independent oracle: what trustline writes
# into records (serial, public key, certificate hashes, names) and the
# signatures it makes must agree with openssl's reading of the same bytes.
set -eu
T=${TRUSTLINE:?}
. "$(dirname "$0")/common.sh"
openssl req -x509 -newkey rsa:2048 -nodes -keyout signer.key -out signer.crt \
	-subj "/C=PL/ST=Malopolska/L=Krakow/O=Lab, Inc./OU=TAC/CN=cucm-pub" -days 30 \
	-set_serial 0x00c0ffee0123456789 2>/dev/null
openssl ecparam -name prime256v1 -genkey -noout -out ec.key
openssl req -x509 -key ec.key -out ec.crt -subj "/CN=cucm-ec" -days 30 2>/dev/null
openssl req -x509 -newkey rsa:1024 -nodes -keyout tvs.key -out tvs.crt -subj "/CN=tvs" -days 30 2>/dev/null

$T itl build ITLFile.tlv --signer signer.crt --signer-key signer.key \
	--ccm ec.crt --tvs tvs.crt --hash-only tvs 2>/dev/null
$T itl show ITLFile.tlv --json > itl.json

# serial: minimal big-endian, as openssl prints it
want=$(openssl x509 -in signer.crt -noout -serial | cut -d= -f2 | tr 'A-F' 'a-f' | sed 's/^0*//')
got=$(json itl.json 'd["records"][0]["serial"]' | tr -d :)
[ "$got" = "$want" ] || fail "serial $got, openssl says $want"

# names: certificate order, RFC 4514 escaping of the comma in O
got=$(json itl.json 'd["records"][0]["subject"]')
[ "$got" = 'C=PL,ST=Malopolska,L=Krakow,O=Lab\, Inc.,OU=TAC,CN=cucm-pub' ] || fail "subject $got"

# RSA public key as PKCS#1 RSAPublicKey DER
want=$(openssl x509 -in signer.crt -noout -pubkey | openssl rsa -pubin -RSAPublicKey_out -outform DER 2>/dev/null | xxd -p | tr -d '\n')
got=$(json itl.json 'd["records"][0]["public_key"]')
[ "$got" = "$want" ] || fail "RSA public key differs from openssl's PKCS#1 form"

# EC public key as the X9.62 uncompressed point
want=$(openssl x509 -in ec.crt -noout -pubkey | openssl ec -pubin -outform DER 2>/dev/null | tail -c 65 | xxd -p | tr -d '\n')
got=$(json itl.json 'd["records"][1]["public_key"]')
[ "$got" = "$want" ] || fail "EC point differs"
[ "$(json itl.json 'd["signer_version"]')" = "1.1" ] || fail "EC list not 1.1"

# certificate fingerprints, and the hash-only record's hash
want=$(openssl x509 -in signer.crt -outform DER | openssl dgst -sha256 | awk '{print $2}')
[ "$(json itl.json 'd["records"][0]["certificate_sha256"]')" = "$want" ] || fail "sha256"
want=$(openssl x509 -in tvs.crt -outform DER | openssl dgst -sha1 | awk '{print $2}')
[ "$(json itl.json 'd["records"][2]["cert_hash"]')" = "$want" ] || fail "TVS cert hash"

# the file's checksums
[ "$(json itl.json 'd["md5"]')" = "$(openssl dgst -md5 ITLFile.tlv | awk '{print $2}')" ] || fail md5
[ "$(json itl.json 'd["sha1"]')" = "$(openssl dgst -sha1 ITLFile.tlv | awk '{print $2}')" ] || fail sha1

# signatures: cut the signature TLV out, verify the rest with openssl
openssl x509 -in signer.crt -noout -pubkey > signer.pub
check_sig ITLFile.tlv sha1 itl.json signer.pub
$T itl build ITL512.tlv --signer signer.crt --signer-key signer.key --digest sha512 2>/dev/null
$T itl show ITL512.tlv --json > itl512.json
check_sig ITL512.tlv sha512 itl512.json signer.pub
head -c 6000 /dev/urandom > blob.bin
$T sgn sign blob.bin --signer signer.crt --signer-key signer.key -o blob.sgn
$T sgn show blob.sgn --json > sgn.json
check_sig blob.sgn sha1 sgn.json signer.pub

# and the other way round: a signature made by openssl verifies in trustline
off=$(json sgn.json 'd["signature_offset"]')
len=$(json sgn.json 'd["signature_length"]')
head -c "$off" blob.sgn > region.bin
tail -c +$((off + 3 + len + 1)) blob.sgn >> region.bin
openssl dgst -sha1 -sign signer.key -out osig.bin region.bin
{ head -c $((off + 3)) blob.sgn; cat osig.bin; tail -c +$((off + 3 + len + 1)) blob.sgn; } > resigned.sgn
cmp -s resigned.sgn blob.sgn || fail "PKCS#1 v1.5 signatures are deterministic: openssl's should be identical"
$T sgn verify resigned.sgn --cert signer.crt > /dev/null || fail "trustline refuses openssl's signature"
echo "all passed"
