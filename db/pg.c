/* The PostgreSQL backend: the cluster's shared database through libpq,
 * migrated on open under an advisory lock (two nodes starting at once apply
 * each migration once), the statement layer (stmt.h) with ? placeholders
 * rewritten to $N, a connection that comes back by itself after the server
 * did, and LISTEN/NOTIFY for changes made by other nodes. */
#include "pgdb.h"
#include "stmt.h"
#include "file.h"

#include <libpq-fe.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHANNEL "trustline_changes"
/* pg_advisory_xact_lock's key for the schema: "tl" and 1 */
#define SCHEMA_LOCK "7636001"

struct pg_db {
	PGconn *c;
	pthread_mutex_t lock;	/* one statement at a time on the connection */
	int listening;		/* LISTEN issued on this connection */
	int missed;		/* reconnected: changes may have been missed */
	char where[256];	/* host:port/dbname, never the password */
};

#define PG(db) ((struct pg_db *)(db)->impl)

static const tl_db_ops pg_ops;

static void where(struct pg_db *d)
{
	snprintf(d->where, sizeof(d->where), "%s:%s/%s", PQhost(d->c) ? PQhost(d->c) : "",
		 PQport(d->c) ? PQport(d->c) : "", PQdb(d->c) ? PQdb(d->c) : "");
}

/* libpq's message without its trailing newline. */
static const char *pg_msg(PGconn *c)
{
	static __thread char m[400];
	size_t n;

	snprintf(m, sizeof(m), "%s", PQerrorMessage(c));
	n = strlen(m);
	while (n && (m[n - 1] == '\n' || m[n - 1] == ' '))
		m[--n] = 0;
	for (char *p = m; *p; p++)	/* one line for the log */
		if (*p == '\n' || *p == '\t')
			*p = ' ';
	return m;
}

static int unreachable(struct pg_db *d, tl_err *e)
{
	return tl_fail(e, "the cluster database %s is unreachable (%s): nothing "
		       "was changed, and changes are refused until it answers "
		       "again; the daemons keep serving what they have", d->where,
		       pg_msg(d->c));
}

/* A broken connection is opened again; LISTEN follows it. */
static int reconnect(struct pg_db *d)
{
	if (PQstatus(d->c) == CONNECTION_OK)
		return 0;
	PQreset(d->c);
	if (PQstatus(d->c) != CONNECTION_OK)
		return -1;
	d->listening = 0;
	d->missed = 1;
	return 0;
}

/* One command or query under the lock; on a broken connection outside a
 * transaction it is tried once more on a new one. */
static PGresult *run(struct pg_db *d, const char *sql, int n,
		     const char *const *vals, const int *lens, const int *fmts)
{
	int idle, tries = 0;
	PGresult *r;

again:
	reconnect(d);
	idle = PQtransactionStatus(d->c) == PQTRANS_IDLE;
	r = n < 0 ? PQexec(d->c, sql) :
		PQexecParams(d->c, sql, n, NULL, vals, lens, fmts, 0);
	if (PQstatus(d->c) == CONNECTION_BAD && idle && tries++ == 0) {
		PQclear(r);
		if (reconnect(d) == 0)
			goto again;
		return NULL;
	}
	return r;
}

static int failed(struct pg_db *d, PGresult *r, tl_err *e)
{
	if (r == NULL || PQstatus(d->c) == CONNECTION_BAD)
		return unreachable(d, e);
	return tl_fail(e, "the cluster database %s: %s", d->where, pg_msg(d->c));
}

static int ok(PGresult *r)
{
	ExecStatusType s = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;

	return s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK;
}

static int pg_exec(tl_db *db, const char *sql, tl_err *e)
{
	struct pg_db *d = PG(db);
	PGresult *r;
	int rc = 0;

	pthread_mutex_lock(&d->lock);
	r = run(d, sql, -1, NULL, NULL, NULL);
	if (!ok(r))
		rc = failed(d, r, e);
	PQclear(r);
	pthread_mutex_unlock(&d->lock);
	return rc;
}

static int pg_begin(tl_db *db, tl_err *e)
{
	return pg_exec(db, "BEGIN", e);
}

/* ---- statements ---- */

#define MAXP 24

struct tl_stmt {
	tl_db *db;
	char *sql;		/* with $N */
	int n;			/* parameters */
	char *vals[MAXP];
	int lens[MAXP], fmts[MAXP];
	PGresult *r;
	int row, ran;
	unsigned char *blob;	/* the last column_blob's bytes */
};

/* ? and ?N become $N; quoted text is left as it is. */
static char *dollars(const char *sql, int *n)
{
	char *out = malloc(strlen(sql) * 3 + 1), *o = out;
	int next = 0, quoted = 0;

	if (out == NULL)
		return NULL;
	*n = 0;
	for (const char *p = sql; *p; p++) {
		if (*p == '\'')
			quoted = !quoted;
		if (*p != '?' || quoted) {
			*o++ = *p;
			continue;
		}
		int k = 0;

		while (p[1] >= '0' && p[1] <= '9')
			k = k * 10 + (*++p - '0');
		if (k == 0)
			k = ++next;
		if (k > *n)
			*n = k;
		o += sprintf(o, "$%d", k);
	}
	*o = 0;
	return out;
}

static tl_stmt *pg_prepare(tl_db *db, const char *sql, tl_err *e)
{
	tl_stmt *st = calloc(1, sizeof(*st));

	if (st == NULL || (st->sql = dollars(sql, &st->n)) == NULL || st->n > MAXP) {
		if (st)
			free(st->sql);
		free(st);
		tl_fail(e, "out of memory");
		return NULL;
	}
	st->db = db;
	return st;
}

static void pg_bind(tl_stmt *st, int i, int kind, const void *p, size_t n,
		    long long v)
{
	char num[32];

	if (i < 1 || i > MAXP)
		return;
	free(st->vals[i - 1]);
	st->vals[i - 1] = NULL;
	st->fmts[i - 1] = kind == 'b';
	if (kind == 'i') {
		snprintf(num, sizeof(num), "%lld", v);
		p = num;
		n = strlen(num);
	}
	if (p == NULL)
		return;
	/* a text value ends at its NUL for libpq; a blob is sent binary */
	if ((st->vals[i - 1] = malloc(n + 1)) != NULL) {
		memcpy(st->vals[i - 1], p, n);
		st->vals[i - 1][n] = 0;
		st->lens[i - 1] = (int)n;
	}
}

static int pg_step(tl_stmt *st, tl_err *e)
{
	struct pg_db *d = PG(st->db);

	if (!st->ran) {
		st->ran = 1;
		pthread_mutex_lock(&d->lock);
		st->r = run(d, st->sql, st->n, (const char *const *)st->vals,
			    st->lens, st->fmts);
		if (!ok(st->r)) {
			int rc = failed(d, st->r, e);

			PQclear(st->r);
			st->r = NULL;
			pthread_mutex_unlock(&d->lock);
			return rc;
		}
		pthread_mutex_unlock(&d->lock);
		st->row = -1;
	}
	if (st->r == NULL)
		return -1;
	return ++st->row < PQntuples(st->r);
}

static const char *pg_text(tl_stmt *st, int col)
{
	if (st->r == NULL || st->row >= PQntuples(st->r) ||
	    PQgetisnull(st->r, st->row, col))
		return NULL;
	return PQgetvalue(st->r, st->row, col);
}

static long long pg_integer(tl_stmt *st, int col)
{
	const char *t = pg_text(st, col);

	if (t == NULL)
		return 0;
	if (*t == 't' || *t == 'f')	/* a boolean */
		return *t == 't';
	return strtoll(t, NULL, 10);
}

static const void *pg_blob(tl_stmt *st, int col, size_t *n)
{
	const char *t = pg_text(st, col);

	PQfreemem(st->blob);
	st->blob = NULL;
	*n = 0;
	if (t == NULL)
		return NULL;
	st->blob = PQunescapeBytea((const unsigned char *)t, n);
	return st->blob;
}

static long pg_changes(tl_stmt *st)
{
	const char *t = st->r ? PQcmdTuples(st->r) : "";

	return *t ? strtol(t, NULL, 10) : 0;
}

static void pg_finalize(tl_stmt *st)
{
	for (int i = 0; i < MAXP; i++)
		free(st->vals[i]);
	PQfreemem(st->blob);
	PQclear(st->r);
	free(st->sql);
	free(st);
}

/* ---- changes made by other nodes ---- */

static int listen_locked(struct pg_db *d)
{
	PGresult *r;

	if (d->listening)
		return 0;
	r = run(d, "LISTEN " CHANNEL, -1, NULL, NULL, NULL);
	d->listening = ok(r);
	PQclear(r);
	return d->listening ? 0 : -1;
}

static int pg_changes_fd(tl_db *db)
{
	struct pg_db *d = PG(db);
	int fd;

	pthread_mutex_lock(&d->lock);
	fd = listen_locked(d) == 0 ? PQsocket(d->c) : -1;
	pthread_mutex_unlock(&d->lock);
	return fd;
}

static int pg_changes_drain(tl_db *db)
{
	struct pg_db *d = PG(db);
	PGnotify *n;
	int count = 0;

	pthread_mutex_lock(&d->lock);
	if (!PQconsumeInput(d->c) || PQstatus(d->c) != CONNECTION_OK)
		reconnect(d);
	if (PQstatus(d->c) == CONNECTION_OK)
		listen_locked(d);
	while ((n = PQnotifies(d->c)) != NULL) {
		count++;
		PQfreemem(n);
	}
	if (d->missed && d->listening) {
		d->missed = 0;
		count++;
	}
	pthread_mutex_unlock(&d->lock);
	return count;
}

static int pg_ping(tl_db *db, tl_err *e)
{
	return pg_exec(db, "SELECT 1", e);
}

static int pg_notify(tl_db *db, tl_err *e)
{
	return pg_exec(db, "NOTIFY " CHANNEL, e);
}

static void pg_close(tl_db *db)
{
	PQfinish(PG(db)->c);
	pthread_mutex_destroy(&PG(db)->lock);
	free(db);
}

/* ---- opening ---- */

/* A password in the URL would be on a command line or in a world-readable
 * trustline.conf: refused. */
static int check_url(const char *url, tl_err *e)
{
	char *err = NULL;
	PQconninfoOption *o = PQconninfoParse(url, &err);
	int rc = 0;

	if (o == NULL) {
		rc = tl_fail(e, "%s: not a PostgreSQL URL: %s", url,
			     err ? err : "out of memory");
		PQfreemem(err);
		return rc;
	}
	for (PQconninfoOption *p = o; p->keyword; p++)
		if (!strcmp(p->keyword, "password") && p->val && *p->val)
			rc = tl_fail(e, "the database URL holds a password: put it in "
				     "a file readable by the daemon user ([database] "
				     "password_file) or in libpq's ~/.pgpass or "
				     "PGPASSFILE, never in the URL");
	PQconninfoFree(o);
	return rc;
}

static int migrate(tl_db *db, tl_err *e)
{
	char sql[96];
	long version;
	int rc;

	if (pg_exec(db, "BEGIN", e))
		return -1;
	rc = tl_db_run(db, NULL, e, "SELECT pg_advisory_xact_lock(" SCHEMA_LOCK ")",
		       "") < 0 ||
	     pg_exec(db, "CREATE TABLE IF NOT EXISTS schema_version"
		     " (version INTEGER NOT NULL)", e) ||
	     tl_db_run(db, &version, e, "SELECT coalesce(max(version), 0) FROM"
		       " schema_version", "") < 0 ? -1 : 0;
	if (rc == 0 && version > tl_pg_nmigrations)
		rc = tl_fail(e, "the cluster database %s has schema version %ld, newer "
			     "than this trustline's (%d): upgrade trustline on this "
			     "node", PG(db)->where, version, tl_pg_nmigrations);
	for (; rc == 0 && version < tl_pg_nmigrations; version++) {
		snprintf(sql, sizeof(sql), "INSERT INTO schema_version VALUES (%ld)",
			 version + 1);
		rc = pg_exec(db, tl_pg_migrations[version], e) || pg_exec(db, sql, e);
	}
	return tl_db_end(db, rc, e);
}

int tl_pg_open(tl_db **handle, const char *url, const char *password_file,
	       tl_err *e)
{
	const char *keys[] = { "dbname", "password", "application_name",
			       "connect_timeout", NULL };
	const char *vals[] = { url, NULL, "trustline", "5", NULL };
	char *pw = NULL;
	struct pg_db *d;
	tl_db *db;

	*handle = NULL;
	if (check_url(url, e))
		return -1;
	if (password_file && *password_file) {
		uint8_t *t;
		size_t n;

		if (tl_read_file(password_file, 4096, &t, &n, e))
			return tl_wrap(e, "[database] password_file");
		while (n && (t[n - 1] == '\n' || t[n - 1] == '\r'))
			n--;
		t[n] = 0;
		pw = (char *)t;
		vals[1] = pw;
	} else {
		keys[1] = "application_name";	/* no password: libpq's own */
		vals[1] = "trustline";
	}
	if ((db = calloc(1, sizeof(*db) + sizeof(*d))) == NULL) {
		free(pw);
		return tl_fail(e, "out of memory");
	}
	db->ops = &pg_ops;
	db->impl = d = (struct pg_db *)(db + 1);
	db->shared = 1;
	pthread_mutex_init(&d->lock, NULL);
	d->c = PQconnectdbParams(keys, vals, 1);
	if (pw) {
		explicit_bzero(pw, strlen(pw));
		free(pw);
	}
	if (d->c == NULL || PQstatus(d->c) != CONNECTION_OK) {
		tl_fail(e, "the cluster database (%s) is unreachable: %s; nothing was "
			"changed, and changes are refused until it answers again", url,
			d->c ? pg_msg(d->c) : "out of memory");
		pg_close(db);
		return -1;
	}
	where(d);
	/* every session alike: UTC, and a lock wait that ends */
	if (pg_exec(db, "SET TIME ZONE 'UTC'; SET lock_timeout = '10s';"
		    " SET client_min_messages = warning", e) ||
	    migrate(db, e)) {
		pg_close(db);
		return -1;
	}
	*handle = db;
	return 0;
}

static const tl_db_ops pg_ops = {
	pg_prepare, pg_bind, pg_step, pg_text, pg_integer, pg_blob, pg_changes,
	pg_finalize, pg_exec, pg_begin, pg_close, pg_changes_fd, pg_changes_drain,
	pg_ping, pg_notify,
};
