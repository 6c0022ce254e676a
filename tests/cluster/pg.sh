# Sourced by the cluster tests: a throwaway PostgreSQL server of its own,
# started as an unprivileged user in a temporary directory on a loopback
# port, and stopped (its directory removed) when the test exits.
#   pg_start          starts it; exports PGURL (postgresql://...) and PGDIR
#   pg_stop / pg_up   stop it and start it again (the fault tests)
#   pg_sql SQL        runs SQL through psql against PGURL
# It never skips: without initdb the test fails and says what to install.
PGBIN=${PGBIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}

pg_fail() { echo "FAIL: $*"; exit 1; }

# The user the server runs as: PostgreSQL refuses to run as root.
pg_user() {
	if [ "$(id -u)" -ne 0 ]; then id -un
	elif id postgres >/dev/null 2>&1; then echo postgres
	else echo nobody
	fi
}

pg_as() {	# pg_as CMD...: run as the server's user
	if [ "$(id -u)" -ne 0 ]; then "$@"
	else (cd / && runuser -u "$PGUSER_OS" -- "$@")
	fi
}

pg_free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

pg_up() {
	pg_as "$PGBIN/pg_ctl" -D "$PGDIR/data" -l "$PGDIR/log" -w -t 30 \
		-o "-k $PGDIR -p $PGPORT -c listen_addresses=127.0.0.1" start >/dev/null ||
		{ cat "$PGDIR/log"; pg_fail "PostgreSQL did not start"; }
	for _ in $(seq 100); do
		"$PGBIN/pg_isready" -q -h 127.0.0.1 -p "$PGPORT" && return 0
		sleep 0.1
	done
	cat "$PGDIR/log"
	pg_fail "PostgreSQL does not answer on 127.0.0.1:$PGPORT"
}

pg_stop() {
	pg_as "$PGBIN/pg_ctl" -D "$PGDIR/data" -m fast -w stop >/dev/null 2>&1 || true
}

pg_sql() {
	"$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -At "$PGURL" -c "$1"
}

pg_start() {
	[ -x "$PGBIN/initdb" ] || pg_fail "initdb not found (looked in" \
		"/usr/lib/postgresql/*/bin): install Debian's postgresql package" \
		"(apt-get install postgresql) to run the cluster tests"
	PGUSER_OS=$(pg_user)
	PGDIR=$(mktemp -d /tmp/tl-pg-XXXXXX)
	chmod 755 "$PGDIR"
	mkdir "$PGDIR/data"
	[ "$(id -u)" -ne 0 ] || chown "$PGUSER_OS" "$PGDIR" "$PGDIR/data"
	trap 'pg_stop; rm -rf "$PGDIR"' EXIT
	pg_as "$PGBIN/initdb" -D "$PGDIR/data" -U trustline -A trust -E UTF8 \
		--no-locale >"$PGDIR/initdb.log" 2>&1 ||
		{ cat "$PGDIR/initdb.log"; pg_fail "initdb failed"; }
	PGPORT=$(pg_free_port)
	pg_up
	"$PGBIN/createdb" -h 127.0.0.1 -p "$PGPORT" -U trustline trustline ||
		pg_fail "createdb failed"
	PGURL="postgresql://trustline@127.0.0.1:$PGPORT/trustline"
	export PGURL PGDIR PGPORT
}
