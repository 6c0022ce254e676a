# The web page's security checks with curl: no page without a session, the
# cookie's flags, CSRF, the login lockout, bounded requests, and the audit
# log naming the web user.
set -eu
. "$(dirname "$0")/common.sh"
web_start

# no session: the pages redirect to the login page, the API says 401
for p in /certificates /devices /alarms /audit /trustlist /certificate?id=tomcat/cucm1; do
	code=$(C -o /dev/null -w '%{http_code} %{redirect_url}' "$URL$p")
	[ "$code" = "303 $URL/login" ] || fail "$p without a session: $code"
done
[ "$(C -o /dev/null -w '%{http_code}' "$URL/api/certificates")" = 401 ] ||
	fail "/api/ without a session is not 401"
# a made-up session id is no session
[ "$(curl -sk -o /dev/null -w '%{http_code}' -H "Cookie: tlweb=$(printf '%064d' 0)" \
	"$URL/api/devices")" = 401 ] || fail "a forged session id was accepted"

# log in: the cookie is HttpOnly, Secure, SameSite=Strict
C -D head.txt -o /dev/null -d user=alice -d "password=$PASSWORD" "$URL/login"
grep -qi '^Set-Cookie: tlweb=[0-9a-f]\{64\}; Path=/; HttpOnly; Secure; SameSite=Strict' \
	head.txt || { cat head.txt; fail "the session cookie lacks its flags"; }
grep -q '^HTTP/1.1 303' head.txt || fail "login did not redirect"
C "$URL/api/" > me.json
[ "$(json me.json 'd["user"]')" = alice ] || fail "not logged in as alice"
CSRF=$(json me.json 'd["csrf"]')

# a change with a forged or missing CSRF token: 403, nothing changed
for tok in "csrf=$(printf '%064d' 1)" "x=1"; do
	code=$(C -o out.html -w '%{http_code}' -d name=SEP001122334455 -d model=CP-8865 \
		-d protocol=SIP -d profile=non-secure -d create=yes -d "$tok" "$URL/device")
	[ "$code" = 403 ] || fail "a change with $tok answered $code"
done
grep -q 'security token' out.html || fail "the 403 page does not say why"
[ "$($TRUSTLINE device list --json --data-dir dd)" = "[]" ] ||
	fail "a refused change added a device"
# changes are POSTs: the same change as a GET is not made
C -o /dev/null "$URL/device?name=SEP001122334455&model=CP-8865&create=yes&csrf=$CSRF"
[ "$($TRUSTLINE device list --json --data-dir dd)" = "[]" ] || fail "a GET changed a device"

# with the token it is made, and the audit log names the web user
code=$(C -o /dev/null -w '%{http_code}' -d name=SEP001122334455 -d model=CP-8865 \
	-d protocol=SIP -d profile=non-secure -d create=yes -d "csrf=$CSRF" "$URL/device")
[ "$code" = 303 ] || fail "adding a device answered $code"
C "$URL/api/audit" > audit.json
[ "$(json audit.json '[r["user"] for r in d if r["action"] == "device add"][0]')" = alice ] ||
	fail "the audit log does not name alice for the device"

# an account removed: its session ends at the next request
echo 'other-pass-1' | $TRUSTLINE admin add bob --data-dir dd > /dev/null
curl -sk -c bobjar -o /dev/null -d user=bob -d password=other-pass-1 "$URL/login"
[ "$(curl -sk -b bobjar -o /dev/null -w '%{http_code}' "$URL/api/")" = 200 ] || fail "bob"
$TRUSTLINE admin remove bob --data-dir dd > /dev/null
[ "$(curl -sk -b bobjar -o /dev/null -w '%{http_code}' "$URL/api/")" = 401 ] ||
	fail "a removed account's session went on"

# wrong password 10 times: locked, and then even the right one is refused
for i in 1 2 3 4 5 6 7 8 9; do
	code=$(curl -sk -o /dev/null -w '%{http_code}' -d user=alice -d password=wrong \
		"$URL/api/login")
	[ "$code" = 401 ] || fail "wrong password $i answered $code"
done
code=$(curl -sk -o lock.json -w '%{http_code}' -d user=alice -d password=wrong "$URL/api/login")
[ "$code" = 429 ] || fail "the 10th wrong password answered $code"
code=$(curl -sk -o lock.json -w '%{http_code}' -d user=alice -d "password=$PASSWORD" \
	"$URL/api/login")
[ "$code" = 429 ] || fail "a locked account logged in ($code)"
grep -q 'locked' lock.json || fail "the refusal does not say the account is locked"
$TRUSTLINE admin list --json --data-dir dd > list.json
[ "$(json list.json 'd[0]["locked_until"] is not None')" = True ] || fail "not locked in the list"
# passwd unlocks
echo "$PASSWORD" | $TRUSTLINE admin passwd alice --data-dir dd > /dev/null
[ "$(curl -sk -o /dev/null -w '%{http_code}' -d user=alice -d "password=$PASSWORD" \
	"$URL/api/login")" = 200 ] || fail "passwd did not unlock alice"

# bounded requests: a body over 1 MiB and a head over 8 KiB are refused
code=$(head -c 1100000 /dev/zero | tr '\0' a | curl -sk -o /dev/null -w '%{http_code}' \
	--data-binary @- "$URL/login")
[ "$code" = 413 ] || fail "a 1.1 MB body answered $code"
code=$(curl -sk -o /dev/null -w '%{http_code}' -H "X-Long: $(head -c 9000 /dev/zero | tr '\0' a)" \
	"$URL/login")
[ "$code" = 431 ] || fail "a 9 KB header answered $code"
kill -0 $WEB_PID || fail "trustline-web died"
echo "web security: ok"
