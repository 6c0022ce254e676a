# The web page in a real browser (browser.py): screenshots in $WEB_OUT
# (default ./screenshots).
set -eu
. "$(dirname "$0")/common.sh"
OUT=${WEB_OUT:-$PWD/screenshots}
web_start
# a CA and an intermediate that expires in 5 days, as one PEM bundle
openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 3650 \
	-subj "/O=Lab/CN=Lab Root CA" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -keyout int.key -out int.csr \
	-subj "/O=Lab/CN=Lab Intermediate" 2>/dev/null
printf 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n' > ext.cnf
openssl x509 -req -in int.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 5 \
	-extfile ext.cnf -out int.crt 2>/dev/null
cat ca.crt int.crt > chain.pem
# the monitor runs between the upload and the alarms page: browser.py
# waits for the alarm, so run it in the background until it raised one
( for _ in $(seq 600); do
	$TRUSTLINE cert monitor --data-dir dd > /dev/null 2>&1 || true
	$TRUSTLINE cert list --store CallManager-trust --data-dir dd 2>/dev/null |
		grep -q "Lab Intermediate" && { $TRUSTLINE cert monitor --data-dir dd \
		> /dev/null 2>&1 || true; break; }
	sleep 0.2
done ) &
MON=$!
/usr/bin/python3 "$(dirname "$0")/browser.py" "$URL" alice "$PASSWORD" "$PWD/chain.pem" \
	"$OUT" || fail "the browser test failed (screenshots in $OUT)"
kill $MON 2>/dev/null || true
ls "$OUT"/web-*.png > /dev/null || fail "no screenshots"
echo "figure: screenshots in $OUT"
