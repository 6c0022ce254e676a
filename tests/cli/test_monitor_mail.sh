#!/bin/sh
# The certificate monitor reaches people: each expiry alarm raised or
# cleared is sent once by e-mail through a real SMTP server (Debian's
# aiosmtpd on loopback, STARTTLS and AUTH required) and to notify_command
# as JSON; a raise that could not be delivered is sent at the next check;
# a command that hangs is stopped at notify_timeout.
set -eu
T=${TRUSTLINE:?}
. "$(dirname "$0")/common.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
export TRUSTLINE_DATA_DIR="$PWD/dd"
/usr/bin/python3 -c 'import aiosmtpd' 2> /dev/null ||
	fail "python3-aiosmtpd is not installed (scripts/deps.sh check)"

openssl req -x509 -newkey rsa:2048 -nodes -keyout smtp.key -out smtp.crt -days 30 \
	-subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1" 2> /dev/null
mkdir mail
smtpd() {
	rm -f mail/port
	/usr/bin/python3 "$ROOT/tests/tools/smtpd.py" mail smtp.crt smtp.key alarms 's3cret pass' \
		2> smtpd.log &
	SMTPD=$!
	for _ in $(seq 100); do [ -f mail/port ] && break; sleep 0.1; done
	[ -f mail/port ] || { cat smtpd.log; fail "the SMTP server did not start"; }
}
smtpd
trap 'kill $SMTPD 2> /dev/null || :' EXIT
mails() { ls mail/*.eml 2> /dev/null | wc -l; }

expect 0 $T cluster init --name lab --domain lab.example --nodes cucm-pub
printf 's3cret pass\n' > smtp.pass
chmod 600 smtp.pass
conf_set dd/trustline.conf monitor mail_to="pki@lab.example, oncall@lab.example" \
	smtp_url="smtp://127.0.0.1:$(cat mail/port)" smtp_user=alarms \
	smtp_password_file="$PWD/smtp.pass" smtp_ca_file="$PWD/smtp.crt" \
	notify_command="cat >> '$PWD/hook.log'; echo \" \$TRUSTLINE_ALARM_STATE\" >> '$PWD/hook.log'"
expect 0 $T cert monitor
[ "$(mails)" = 0 ] || fail "mail sent with no alarm"

# a trusted certificate with 5 days left: CertValidfor7days, once
openssl req -x509 -newkey rsa:2048 -nodes -keyout /dev/null -out soon.pem -days 5 \
	-subj "/O=Lab/CN=soon-ca" 2> /dev/null
expect 0 $T cert trust add CallManager-trust soon.pem
expect 4 $T cert monitor
[ "$(mails)" = 1 ] || fail "$(mails) messages after the first alarm: $(cat err.txt)"
grep -qx "pki@lab.example" mail/1.rcpt && grep -qx "oncall@lab.example" mail/1.rcpt ||
	fail "recipients: $(cat mail/1.rcpt)"
grep -q "^Subject: \[trustline lab\] CertValidfor7days raised: trust/CallManager-trust/" mail/1.eml ||
	fail "subject: $(grep Subject mail/1.eml)"
grep -q "^From: trustline@lab.example" mail/1.eml || fail "sender: $(grep ^From mail/1.eml)"
grep -q "CN=soon-ca expires .*: [45] days left" mail/1.eml || fail "body: $(cat mail/1.eml)"
head -1 hook.log | python3 -c 'import json, sys
d = json.loads(sys.stdin.readline())
assert (d["alarm"], d["state"], d["severity"], d["cluster"]) == \
	("CertValidfor7days", "raised", "critical", "lab"), d
assert d["object"].startswith("trust/CallManager-trust/"), d' || fail "hook: $(cat hook.log)"
grep -qx " raised" hook.log || fail "hook environment: $(cat hook.log)"
expect 4 $T cert monitor
[ "$(mails)" = 1 ] || fail "a second check sent again: $(mails) messages"

# gone from the store: cleared, once
expect 0 $T cert trust delete CallManager-trust soon-ca --force
expect 0 $T cert monitor
[ "$(mails)" = 2 ] || fail "$(mails) messages after the clear"
grep -q "^Subject: \[trustline lab\] CertValidfor7days cleared: trust/CallManager-trust/" mail/2.eml ||
	fail "clear subject: $(grep Subject mail/2.eml)"
grep -qx " cleared" hook.log || fail "hook: no clear: $(cat hook.log)"
expect 0 $T cert monitor
[ "$(mails)" = 2 ] || fail "the clear was sent again"

# the relay down: a warning, the check's own result, and the raise sent
# once the relay is back
kill $SMTPD; wait $SMTPD 2> /dev/null || :
expect 0 $T cert trust add CallManager-trust soon.pem
expect 4 $T cert monitor
grep -q "warning: alarm CertValidfor7days raised for trust/CallManager-trust/.* not delivered: e-mail to" err.txt ||
	fail "no delivery warning: $(cat err.txt)"
port=$(cat mail/port)
smtpd
[ "$(cat mail/port)" = "$port" ] || conf_set dd/trustline.conf monitor smtp_url="smtp://127.0.0.1:$(cat mail/port)"
expect 4 $T cert monitor
[ "$(mails)" = 3 ] || fail "the raise was not sent when the relay came back: $(cat err.txt)"

# a wrong password and a relay without a certificate we trust: refused
printf 'wrong\n' > smtp.pass
expect 0 $T cert trust delete CallManager-trust soon-ca --force
expect 0 $T cert monitor
grep -q "not delivered: e-mail to .*" err.txt || fail "wrong password: $(cat err.txt)"
[ "$(mails)" = 3 ] || fail "sent with a wrong password"

# a command that hangs is stopped at notify_timeout
conf_set dd/trustline.conf monitor mail_to= notify_command="sleep 59.7" notify_timeout=1
expect 0 $T cert trust add CallManager-trust soon.pem
start=$(date +%s)
expect 4 $T cert monitor
[ $(( $(date +%s) - start )) -lt 10 ] || fail "the hanging command was not stopped"
grep -q "notify_command did not finish within 1 s" err.txt || fail "timeout: $(cat err.txt)"
# what it started goes with it (SIGKILL to its process group, which takes
# a moment to be gone from the process table)
for _ in $(seq 20); do pgrep -f "sleep 59.7" > /dev/null || break; sleep 0.1; done
pgrep -f "sleep 59.7" > /dev/null && fail "the hung command is still running"
echo "monitor: 3 messages for 3 changes over STARTTLS+AUTH, 1 retried after an outage, hook stopped after 1 s"
