# Shared by the web page's tests (sourced): a cluster in ./dd with the
# account alice, and trustline-web serving it on a loopback port ($PORT).
. "$(dirname "$0")/../cli/common.sh"
: "${TRUSTLINE:?set TRUSTLINE to the trustline binary}" "${BUILD_DIR:?set BUILD_DIR}"
WEB=$BUILD_DIR/bin/trustline-web
PASSWORD=correct-horse-1
web_start() {
	$TRUSTLINE cluster init --name lab --domain lab.example --nodes cucm1 \
		--data-dir dd > init.txt 2>&1 || { cat init.txt; fail "cluster init"; }
	echo "$PASSWORD" | $TRUSTLINE admin add alice --data-dir dd > /dev/null ||
		fail "admin add"
	# as root it drops to the user that owns the data directory
	"$WEB" --data-dir dd --listen 127.0.0.1 --port 0 --user "$(id -un)" \
		--foreground > web.log 2>&1 &
	WEB_PID=$!
	trap 'kill $WEB_PID 2>/dev/null || true' EXIT
	PORT=$(started web.log $WEB_PID)
	URL=https://127.0.0.1:$PORT
}
# curl against it, with the cookie jar jar; -k: the tomcat certificate is
# the cluster's own, self-signed
C() { curl -sk --max-time 20 -b jar -c jar "$@"; }
