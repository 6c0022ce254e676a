#!/bin/sh
# Trust lists as other implementations lay them out (tests/vectors/foreign.py:
# the usecallmanager certutils `tlvfile` layout, records without DNS_NAME,
# tags in another order with unknown tags, hash-only records, a per-phone
# ITLSEP file, ITL 1.0 and 1.1), signed by openssl: the generator rebuilds
# them byte for byte, and trustline reads, shows and verifies every one,
# strict on the signature.
set -eu
T=${TRUSTLINE:?}
V=${VECTORS:?}
. "$(dirname "$0")/common.sh"

SOURCE_DATE_EPOCH=1700000000 python3 "$V/foreign.py" "$V" . > list.txt
[ "$(wc -l < list.txt)" -eq 6 ] || fail "foreign.py wrote $(wc -l < list.txt) files, expected 6"
while read -r f; do
	cmp "$f" "$V/$f" || fail "$f: regenerated file differs from the committed one"
	case $f in *ctl*) kind=ctl ;; *) kind=itl ;; esac
	expect 0 $T $kind verify "$V/$f"
	grep -q "^VALID: .* signed by SAST record #1 of the file: C=PL;ST=Malopolska;L=Krakow;O=Lab;OU=TAC;CN=cucm-pub " out.txt ||
		fail "$f: $(cat out.txt)"
	expect 0 $T $kind show "$V/$f"
	grep -q "was verified successfully (signed by record #1)" out.txt || fail "$f: show"
	expect 0 $T $kind show --brief "$V/$f"
	expect 0 $T $kind show --json "$V/$f"
	cp out.txt "$f.json"
	[ "$(json "$f.json" 'd["verified"]')" = True ] || fail "$f: --json not verified"
	# strict on signatures: one bit of the signature changed
	cp "$V/$f" bad.tlv
	off=$(json "$f.json" 'd["signature_offset"]')
	python3 -c 'import sys; b=bytearray(open("bad.tlv","rb").read()); b[int(sys.argv[1])+20]^=1; open("bad.tlv","wb").write(b)' "$off"
	expect 1 $T $kind verify bad.tlv
	grep -q "^INVALID: " out.txt || fail "$f: a changed signature: $(cat out.txt)"
done < list.txt

# No DNS_NAME anywhere: show prints none, --json gives null
grep -q DNSNAME "$V/foreign-tlvfile-itl.tlv" && fail "the tlvfile layout has no DNSNAME"
expect 0 $T itl show "$V/foreign-tlvfile-itl.tlv"
grep -q "DNSNAME" out.txt && fail "show invents a DNSNAME"
[ "$(json foreign-tlvfile-itl.tlv.json 'd["records"][0]["dns_name"]')" = None ] ||
	fail "dns_name not null"
# the 1.1 list carries its EC record
grep -q '"signer_version":"1.1"' foreign-tlvfile-itl-1.1.tlv.json || fail "1.1"
[ "$(json foreign-tlvfile-itl-1.1.tlv.json 'd["records"][2]["key_type"]')" = EC ] || fail "EC record"
# hash-only: the bare record has no name, serial or key, and is shown so
expect 0 $T itl show --brief "$V/foreign-hashonly-itl.tlv"
grep -q "^#3	TVS       	(no subject)	serial -	no key hash-only" out.txt || fail "bare hash-only: $(cat out.txt)"
grep -q "^#4	CAPF .*CN=cucm-pub-capf	serial 6d:ee:.*RSA hash-only" out.txt || fail "named hash-only"
# tags in another order, unknown tags: shown as UNKNOWN, read past
expect 0 $T itl show "$V/foreign-reordered-itl.tlv"
[ "$(grep -c "UNKNOWN" out.txt)" -eq 6 ] || fail "unknown tags: $(grep -c UNKNOWN out.txt)"
grep -q "IPADDRESS     	4	10.0.0.1" out.txt || fail "IP address"
# a configuration signed by the list's CCM+TFTP certificate verifies by it
for f in foreign-tlvfile-itl.tlv foreign-reordered-itl.tlv foreign-hashonly-itl.tlv ITLSEP001122334455.tlv; do
	expect 0 $T sgn verify "$V/SEP001122334455.cnf.xml.sgn" --trust "$V/$f"
	grep -q "^VALID: .* CCM+TFTP record #2 of " out.txt || fail "sgn by $f: $(cat out.txt)"
done
# and against an installed list, the one signed by the same SAST verifies
expect 0 $T itl verify "$V/foreign-tlvfile-itl.tlv" --trust "$V/itl-sha1.tlv"
echo "foreign trust lists: ok"
