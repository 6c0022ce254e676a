# The pages' answers beside the command line's: downloads equal `cert
# export`, the ITL's JSON equals `itl show --json`, a CSR made on the page
# is the pending one, a bad upload gets the command's error and changes
# nothing, and a trust delete with dependents asks first.
set -eu
. "$(dirname "$0")/common.sh"
web_start
C -o /dev/null -d user=alice -d "password=$PASSWORD" "$URL/login"
CSRF=$(C "$URL/api/" | python3 -c 'import json,sys; print(json.load(sys.stdin)["csrf"])')

# downloads: the same bytes as trustline cert export
C -o web.pem "$URL/certificate/download?id=tomcat/cucm1&format=pem"
C -o web.der -D head.txt "$URL/certificate/download?id=tomcat/cucm1&format=der"
$TRUSTLINE cert export tomcat/cucm1 --data-dir dd > cli.pem
$TRUSTLINE cert export tomcat/cucm1 --der --data-dir dd > cli.der
cmp web.pem cli.pem || fail "the PEM download differs from cert export"
cmp web.der cli.der || fail "the DER download differs from cert export"
grep -qi 'Content-Disposition: attachment; filename="tomcat-cucm1.der"' head.txt ||
	fail "no file name for the download"
# fingerprints: what openssl computes
C "$URL/api/certificate?id=tomcat/cucm1" > cert.json
want=$(openssl x509 -in cli.pem -noout -fingerprint -sha256 | sed 's/.*=//' | tr A-F a-f)
[ "$(json cert.json 'd["sha256"]')" = "$want" ] || fail "SHA-256 fingerprint differs"

# the ITL viewer's JSON is `trustline itl show --json`
C "$URL/api/trustlist?kind=itl" > web-itl.json
$TRUSTLINE itl show --json --data-dir dd > cli-itl.json
python3 -c 'import json,sys; a,b=(json.load(open(f)) for f in sys.argv[1:]); assert a==b' \
	web-itl.json cli-itl.json || fail "the ITL page's JSON differs from itl show --json"

# the plan on the regenerate page is `trustline plan cert generate`'s, and
# planning changes nothing
$TRUSTLINE device add SEP0011AA000001 --model CP-8865 --data-dir dd > /dev/null
C "$URL/api/certificate?id=CallManager/cucm1" > cm-before.json
C "$URL/api/certificate/regenerate?id=CallManager/cucm1" > web-plan.json
$TRUSTLINE plan cert generate CallManager --node cucm1 --json --data-dir dd > cli-plan.json || true
python3 -c 'import json,sys; a,b=(json.load(open(f)) for f in sys.argv[1:]); assert a==b and a["phones"]==1, (a,b)' \
	web-plan.json cli-plan.json || fail "the page's plan differs from trustline plan: $(cat web-plan.json)"
C "$URL/api/certificate?id=CallManager/cucm1" > cm-after.json
[ "$(json cm-before.json 'd["sha256"]')" = "$(json cm-after.json 'd["sha256"]')" ] ||
	fail "planning changed the certificate"

# a CSR on the page: the pending one, with the key the data directory keeps
C -o csr.json -d purpose=tomcat -d node=cucm1 -d "csrf=$CSRF" "$URL/api/certificate/csr"
[ "$(json csr.json 'd["ok"]')" = True ] || fail "CSR: $(cat csr.json)"
C -o web.csr "$URL/certificate/csr?purpose=tomcat&node=cucm1"
openssl req -in web.csr -noout -verify 2>&1 | grep -q 'verify OK' || fail "the CSR does not verify"
cmp web.csr dd/csr/tomcat/cucm1.csr || fail "the download is not the pending CSR"

# a bad upload: the command line's error, and nothing written
echo "not a certificate" > bad.pem
set +e; $TRUSTLINE cert trust add CallManager-trust bad.pem --data-dir dd 2> cli-err.txt; set -e
before=$(ls dd/trust/CallManager-trust | wc -l)
code=$(C -o up.json -w '%{http_code}' -F purpose=CallManager-trust -F "csrf=$CSRF" \
	-F file=@bad.pem "$URL/api/certificate/upload")
[ "$code" = 422 ] || fail "a bad upload answered $code"
msg=$(json up.json 'd["reason"]')
[ -n "$msg" ] || fail "a bad upload has no error"
sed 's/^trustline: //' cli-err.txt | sed 's/bad.pem/the uploaded file/' > cli-msg.txt
[ "$msg" = "$(cat cli-msg.txt)" ] || fail "upload error \"$msg\" is not the command's \"$(cat cli-msg.txt)\""
[ "$(ls dd/trust/CallManager-trust | wc -l)" = "$before" ] || fail "a bad upload wrote a file"

# a CA with an intermediate under it: deleting the CA names the intermediate
# and asks; the second POST with force deletes it
openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 3650 \
	-subj "/O=Lab/CN=Web Root CA" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -keyout int.key -out int.csr \
	-subj "/O=Lab/CN=Web Intermediate" 2>/dev/null
printf 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n' > ext.cnf
openssl x509 -req -in int.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 365 \
	-extfile ext.cnf -out int.crt 2>/dev/null
cat ca.crt int.crt > chain.pem
C -o up.json -F purpose=CallManager-trust -F "csrf=$CSRF" -F file=@chain.pem \
	"$URL/api/certificate/upload"
[ "$(json up.json 'd["ok"]')" = True ] || fail "chain upload: $(cat up.json)"
name=$(C "$URL/api/certificates?group=CallManager-trust" |
	python3 -c 'import json,sys; print([c["name"] for c in json.load(sys.stdin) if "Web Root" in c["subject"]][0])')
code=$(C -o del.html -w '%{http_code}' --data-urlencode "id=CallManager-trust/$name" \
	-d "csrf=$CSRF" "$URL/trust/delete")
grep -q 'id="dependents"' del.html || fail "no dependent-chain warning ($code)"
grep -q 'Web Intermediate' del.html || fail "the warning does not name the intermediate"
[ -f "dd/trust/CallManager-trust/$name.pem" ] || fail "the warning deleted the CA"
C -o del.json --data-urlencode "id=CallManager-trust/$name" -d force=yes -d "csrf=$CSRF" \
	"$URL/api/trust/delete"
[ "$(json del.json 'd["ok"]')" = True ] || fail "forced delete: $(cat del.json)"
[ ! -f "dd/trust/CallManager-trust/$name.pem" ] || fail "the CA is still there"
C "$URL/api/audit" > audit.json
[ "$(json audit.json '[r["user"] for r in d if r["action"].startswith("trust") ][0]')" = alice ] ||
	fail "the audit log does not name alice for the trust change"
# a node added by the command line shows on the pages at the next request
$TRUSTLINE cluster add-node cucm2 --data-dir dd > /dev/null 2>&1 || fail "add-node"
C "$URL/certificate/csr" | grep -q '<option>cucm2</option>' ||
	fail "the new node is not on the CSR page"
echo "web pages: ok"
