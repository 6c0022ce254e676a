/* The SQLite backend: trustline.db opened with the modes a database of
 * secrets needs, migrated to this build's schema, errors that say who may
 * open it, and the statement layer (stmt.h) over sqlite3. */
#include "sqlitedb.h"
#include "stmt.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct sqlite_db {
	sqlite3 *h;
	int lock_wait_ms;	/* tl_db_lock_wait's, else SQLite's timeout */
};

#define H(db) (((struct sqlite_db *)(db)->impl)->h)

static const tl_db_ops sqlite_ops;

static int exec_sql(sqlite3 *db, const char *sql, tl_err *e)
{
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return e ? tl_fail(e, "%s: %s", sqlite3_db_filename(db, "main"),
				   tl_db_error(db)) : -1;
	return 0;
}

/* "it belongs to user X, group Y (mode 0640): ..." for a user who may not
 * do what they tried. */
static const char *whose(const char *path, int writing, char *out, size_t n)
{
	char user[64], group[64];
	struct passwd *pw;
	struct group *gr;
	struct stat st;

	if (stat(path, &st))
		return NULL;
	pw = getpwuid(st.st_uid);
	gr = getgrgid(st.st_gid);
	/* a name, else the number */
	if (pw)
		snprintf(user, sizeof(user), "%s", pw->pw_name);
	else
		snprintf(user, sizeof(user), "%u", (unsigned)st.st_uid);
	if (gr)
		snprintf(group, sizeof(group), "%s", gr->gr_name);
	else
		snprintf(group, sizeof(group), "%u", (unsigned)st.st_gid);
	if (writing || !(st.st_mode & S_IRGRP) || st.st_gid == 0)
		snprintf(out, n, "it belongs to user %s, group %s (mode %04o), and "
			 "only %s may %s it: run this as %s%s", user, group,
			 (unsigned)(st.st_mode & 07777), user,
			 writing ? "change" : "read", user,
			 st.st_uid ? " (or root)" : "");
	else
		snprintf(out, n, "it belongs to user %s, group %s (mode %04o): "
			 "join group %s to read it (`adduser $USER %s`, then log in "
			 "again), or run this as %s", user, group,
			 (unsigned)(st.st_mode & 07777), group, group, user);
	return out;
}

const char *tl_db_error(sqlite3 *db)
{
	static __thread char out[1600];
	const char *path = sqlite3_db_filename(db, "main");
	int code = sqlite3_errcode(db);

	if (path && *path && (code == SQLITE_READONLY || code == SQLITE_CANTOPEN ||
			      code == SQLITE_PERM || code == SQLITE_AUTH) &&
	    (access(path, R_OK | W_OK) != 0 && errno == EACCES) &&
	    whose(path, access(path, R_OK) == 0, out, sizeof(out)))
		return out;
	return sqlite3_errmsg(db);
}

/* The database holds the device database and the CAPF strings' hashes:
 * owner and group only. SQLite creates -wal and -shm with the database's
 * mode, so creating it 0640 is enough for new ones; older ones made 0644
 * are narrowed. */
static int prepare_files(const char *path, tl_err *e)
{
	static const char *const ext[] = { "", "-wal", "-shm" };
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);

	if (fd >= 0)
		close(fd);
	else if (errno != EEXIST && errno != EACCES)
		return tl_fail(e, "%s: cannot create: %s", path, strerror(errno));
	for (size_t i = 0; i < sizeof(ext) / sizeof(ext[0]); i++) {
		char p[1300];
		struct stat st;

		snprintf(p, sizeof(p), "%s%s", path, ext[i]);
		if (stat(p, &st) == 0 && st.st_uid == geteuid() && (st.st_mode & 0007))
			chmod(p, st.st_mode & 0770);
	}
	return 0;
}

/* A reader who may not write finds no -shm when no connection is open (or
 * after another program deleted it), and SQLite cannot then read the WAL
 * database at all; it is read as immutable instead. With no -shm no writer
 * is open, so only a writer starting during this short read could race it. */
static int open_handle(const char *path, sqlite3 **db)
{
	char shm[1300], uri[4000], *o = uri;

	snprintf(shm, sizeof(shm), "%s-shm", path);
	if (access(path, W_OK) == 0 || errno != EACCES || access(shm, F_OK) == 0 ||
	    strlen(path) * 3 + 32 > sizeof(uri))
		return sqlite3_open_v2(path, db, SQLITE_OPEN_READWRITE |
				       SQLITE_OPEN_CREATE, NULL);
	o += sprintf(o, "file:");
	for (const char *p = path; *p; p++)
		o += strchr("%?#", *p) ? sprintf(o, "%%%02X", (unsigned char)*p) :
					 sprintf(o, "%c", *p);
	sprintf(o, "?immutable=1");
	return sqlite3_open_v2(uri, db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL);
}

int tl_sqlite_open(tl_db **handle, const char *path, tl_err *e)
{
	int version = 0, n = tl_db_nmigrations;
	char why[1600];
	sqlite3_stmt *st;
	sqlite3 *db;

	*handle = NULL;
	if (prepare_files(path, e))
		return -1;
	if (access(path, R_OK) != 0 && errno == EACCES)
		return tl_fail(e, "%s: %s", path, whose(path, 0, why, sizeof(why)) ?
			       why : "permission denied");
	if (open_handle(path, &db) != SQLITE_OK) {
		tl_fail(e, "%s: %s", path, tl_db_error(db));
		sqlite3_close(db);
		return -1;
	}
	sqlite3_busy_timeout(db, 5000);
	/* -wal and -shm outlive the last connection, so the group's read-only
	 * tools find them: SQLite can read a WAL database it may not write
	 * only when both exist. */
	if (sqlite3_db_readonly(db, "main") == 0)
		sqlite3_file_control(db, "main", SQLITE_FCNTL_PERSIST_WAL, &(int){ 1 });
	if (exec_sql(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;", e))
		goto fail;
	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW)
			version = sqlite3_column_int(st, 0);
		sqlite3_finalize(st);
	}
	if (version > n) {
		tl_fail(e, "%s: schema version %d is newer than this trustline "
			"(%d): upgrade trustline", path, version, n);
		goto fail;
	}
	if (version < n && sqlite3_db_readonly(db, "main") == 1) {
		tl_fail(e, "%s must be upgraded to this trustline's schema by a user "
			"who may write it; %s", path, whose(path, 1, why, sizeof(why)) ?
			why : "run this as its owner");
		goto fail;
	}
	for (; version < n; version++) {
		char sql[64];

		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d;", version + 1);
		if (exec_sql(db, "BEGIN IMMEDIATE;", e) ||
		    (tl_db_migrations[version].sql && exec_sql(db, tl_db_migrations[version].sql, e)) ||
		    (tl_db_migrations[version].run && tl_db_migrations[version].run(db, e)) ||
		    exec_sql(db, sql, e) || exec_sql(db, "COMMIT;", e)) {
			exec_sql(db, "ROLLBACK;", NULL);
			goto fail;
		}
	}
	if ((*handle = calloc(1, sizeof(**handle) + sizeof(struct sqlite_db))) == NULL) {
		tl_fail(e, "out of memory");
		goto fail;
	}
	(*handle)->ops = &sqlite_ops;
	(*handle)->impl = (*handle) + 1;
	((struct sqlite_db *)(*handle)->impl)->h = db;
	return 0;
fail:
	sqlite3_close(db);
	return -1;
}

sqlite3 *tl_sqlite(tl_store *s)
{
	tl_db *db = tl_store_db(s);

	return db->ops == &sqlite_ops ? H(db) : NULL;
}

static void sqlite_close(tl_db *db)
{
	sqlite3_close(H(db));
	free(db);
}

/* A writer holds the lock for one batch at a time (a commit, a few ms):
 * waits in steps of 0.2 ms, not SQLite's default of 1, 2, 5, 10 ... ms,
 * which left a batch asleep long after the lock was free. */
static int lock_wait(void *arg, int tries)
{
	const struct sqlite_db *db = arg;
	struct timespec t = { 0, 200 * 1000 };

	if (tries * 200 / 1000 >= db->lock_wait_ms)
		return 0;
	nanosleep(&t, NULL);
	return 1;
}

void tl_db_lock_wait(tl_db *db, int ms)
{
	struct sqlite_db *d = db->impl;

	if (db->ops != &sqlite_ops)
		return;
	d->lock_wait_ms = ms;
	sqlite3_busy_handler(d->h, lock_wait, d);
}

/* ---- the statement layer ---- */

struct tl_stmt {
	tl_db *db;
	sqlite3_stmt *st;
};

static tl_stmt *sqlite_prepare(tl_db *db, const char *sql, tl_err *e)
{
	tl_stmt *st = calloc(1, sizeof(*st));

	if (st == NULL) {
		tl_fail(e, "out of memory");
		return NULL;
	}
	st->db = db;
	if (sqlite3_prepare_v2(H(db), sql, -1, &st->st, NULL) != SQLITE_OK) {
		tl_fail(e, "%s: %s", sqlite3_db_filename(H(db), "main"),
			tl_db_error(H(db)));
		free(st);
		return NULL;
	}
	return st;
}

static void sqlite_bind(tl_stmt *st, int i, int kind, const void *p, size_t n,
			long long v)
{
	if (kind == 'i')
		sqlite3_bind_int64(st->st, i, v);
	else if (p == NULL)
		sqlite3_bind_null(st->st, i);
	else if (kind == 't')
		sqlite3_bind_text(st->st, i, p, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_blob(st->st, i, p, (int)n, SQLITE_TRANSIENT);
}

static int sqlite_step(tl_stmt *st, tl_err *e)
{
	int rc = sqlite3_step(st->st);

	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	return tl_fail(e, "%s: %s", sqlite3_db_filename(H(st->db), "main"),
		       tl_db_error(H(st->db)));
}

static const char *sqlite_text(tl_stmt *st, int col)
{
	return (const char *)sqlite3_column_text(st->st, col);
}

static long long sqlite_integer(tl_stmt *st, int col)
{
	return sqlite3_column_int64(st->st, col);
}

static const void *sqlite_blob(tl_stmt *st, int col, size_t *n)
{
	const void *p = sqlite3_column_blob(st->st, col);

	*n = p ? (size_t)sqlite3_column_bytes(st->st, col) : 0;
	return p;
}

static long sqlite_changes(tl_stmt *st)
{
	/* sqlite3_changes is the connection's last write: a read changed
	 * nothing, as PostgreSQL's count of a SELECT without a row says */
	return sqlite3_stmt_readonly(st->st) ? 0 : sqlite3_changes(H(st->db));
}

static void sqlite_finalize(tl_stmt *st)
{
	sqlite3_finalize(st->st);
	free(st);
}

static int sqlite_exec(tl_db *db, const char *sql, tl_err *e)
{
	return exec_sql(H(db), sql, e);
}

static int sqlite_begin(tl_db *db, tl_err *e)
{
	return exec_sql(H(db), "BEGIN IMMEDIATE", e);
}

static const tl_db_ops sqlite_ops = {
	sqlite_prepare, sqlite_bind, sqlite_step, sqlite_text, sqlite_integer,
	sqlite_blob, sqlite_changes, sqlite_finalize, sqlite_exec, sqlite_begin,
	sqlite_close, NULL, NULL, NULL, NULL,
};
