#!/bin/sh
# Certificates that wolfSSL reads leniently or not at all, as real CAs and
# old tools write them: validity times without seconds and an RSA-8192 key.
# `cert check` names each problem, `cert trust add` refuses it and changes
# nothing. openssl is the oracle that the vectors are what they claim.
set -eu
T=${TRUSTLINE:?}
V=${VECTORS:?}
. "$(dirname "$0")/common.sh"
export TRUSTLINE_DATA_DIR="$PWD/dd"
snapshot() { find dd -type f ! -name 'trustline.db*' | sort | xargs sha256sum; }

# the oracle: signatures good, times in a form openssl refuses
for f in utctime-noseconds gentime-noseconds; do
	openssl verify -no_check_time -CAfile "$V/$f.pem" "$V/$f.pem" > /dev/null ||
		fail "$f: openssl does not verify its signature"
	if openssl verify -CAfile "$V/$f.pem" "$V/$f.pem" > ossl.txt 2>&1 ||
	   ! grep -q "format error in certificate's not" ossl.txt; then
		fail "$f: openssl finds no time format error: $(cat ossl.txt)"
	fi
done

mk good
expect 0 $T cert check good.crt
grep -q "no problem" out.txt || fail "good.crt: $(cat out.txt)"

# checked: each named, with the field and the value as written
expect 1 $T cert check "$V/gentime-noseconds.pem"
grep -q 'time-format: its notAfter is a GeneralizedTime written without seconds ("205001010000Z")' out.txt ||
	fail "gentime: $(cat out.txt err.txt)"
grep -q expired out.txt && fail "gentime: a time without seconds misread as expired: $(cat out.txt)"
expect 2 $T cert check "$V/utctime-noseconds.pem"
grep -q 'its notBefore is a UTCTime written without seconds ("2501010000Z")' err.txt ||
	fail "utctime: $(cat out.txt err.txt)"
expect 2 $T cert check "$V/rsa8192.pem"
grep -q 'RSA-8192 key' err.txt || fail "rsa8192: $(cat err.txt)"

# refused by trust add, nothing changed
expect 0 $T cluster init --name lab --domain lab.example --nodes cucm-pub --data-dir ./dd
# refused when checked (1) or already when read (2, wolfSSL cannot read it)
for fc in gentime-noseconds:1 utctime-noseconds:2; do
	f=${fc%:*}
	before=$(snapshot)
	expect "${fc#*:}" $T cert trust add CallManager-trust "$V/$f.pem"
	grep -q "written without seconds" err.txt || fail "trust add $f: $(cat err.txt)"
	[ "$before" = "$(snapshot)" ] || fail "trust add $f: the data directory changed"
done
echo "lint: 2 time encodings and 1 key size named; trust add refused both times"
