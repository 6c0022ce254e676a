/* The SQLite backend's connection: trustline.db opened with the modes a
 * database of secrets needs, migrated to this build's schema, and errors
 * that say who may open it. */
#include "secret.h"
#include "sqlitedb.h"

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

/* 5: CAPF authentication strings an older trustline kept in clear are
 * replaced by their hash, in the migration's own transaction. */
static int hash_auth_strings(sqlite3 *db, tl_err *e)
{
	sqlite3_stmt *sel, *upd;
	char h[TL_SECRET_MAX];
	int rc = 0;

	if (sqlite3_prepare_v2(db, "SELECT name, capf_auth_string FROM device"
			       " WHERE capf_auth_string IS NOT NULL", -1, &sel,
			       NULL) != SQLITE_OK)
		return tl_fail(e, "trustline.db: %s", tl_db_error(db));
	if (sqlite3_prepare_v2(db, "UPDATE device SET capf_auth_string = ?"
			       " WHERE name = ?", -1, &upd, NULL) != SQLITE_OK) {
		sqlite3_finalize(sel);
		return tl_fail(e, "trustline.db: %s", tl_db_error(db));
	}
	while (rc == 0 && sqlite3_step(sel) == SQLITE_ROW) {
		const char *v = (const char *)sqlite3_column_text(sel, 1);

		if (v == NULL || !*v || tl_secret_is_hashed(v))
			continue;
		if (tl_secret_hash(v, h, e)) {
			rc = -1;
			break;
		}
		sqlite3_bind_text(upd, 1, h, -1, SQLITE_TRANSIENT);
		sqlite3_bind_value(upd, 2, sqlite3_column_value(sel, 0));
		if (sqlite3_step(upd) != SQLITE_DONE)
			rc = tl_fail(e, "trustline.db: %s", tl_db_error(db));
		sqlite3_reset(upd);
	}
	sqlite3_finalize(sel);
	sqlite3_finalize(upd);
	return rc;
}

/* Schema migrations, applied in order; PRAGMA user_version counts them.
 * A migration is SQL, or C where rows must be rewritten. */
static const struct {
	const char *sql;
	int (*run)(sqlite3 *, tl_err *);
} migrations[] = {
	{ "CREATE TABLE audit (id INTEGER PRIMARY KEY, ts INTEGER NOT NULL,"
	  " user TEXT NOT NULL, action TEXT NOT NULL, object TEXT NOT NULL,"
	  " old_sha256 TEXT, new_sha256 TEXT);"
	  "CREATE TABLE state (key TEXT PRIMARY KEY, value TEXT NOT NULL);",
	  NULL },
	/* 2: the device database, with what CAPF needs beside each phone */
	{ "CREATE TABLE device (name TEXT PRIMARY KEY, model TEXT NOT NULL,"
	  " protocol TEXT NOT NULL, profile TEXT NOT NULL, description TEXT NOT NULL,"
	  " template TEXT NOT NULL, capf_operation TEXT NOT NULL DEFAULT 'none',"
	  " capf_auth_mode TEXT NOT NULL DEFAULT 'null', capf_auth_string TEXT,"
	  " capf_key TEXT NOT NULL DEFAULT 'rsa:2048', capf_deadline INTEGER,"
	  " lsc_status INTEGER NOT NULL DEFAULT 1, lsc_status_time INTEGER,"
	  " lsc BLOB, mic BLOB, created INTEGER NOT NULL, updated INTEGER NOT NULL);",
	  NULL },
	/* 3: CAPF's history (every status code with its time), the LSCs it
	 * issued with whether the phone confirmed them, and what the
	 * authentication-string lockout counts */
	{ "CREATE TABLE capf_event (id INTEGER PRIMARY KEY, device TEXT NOT NULL,"
	  " ts INTEGER NOT NULL, status INTEGER NOT NULL, detail TEXT NOT NULL);"
	  "CREATE INDEX capf_event_device ON capf_event (device, id);"
	  "CREATE TABLE capf_lsc (id INTEGER PRIMARY KEY, device TEXT NOT NULL,"
	  " serial TEXT NOT NULL, der BLOB NOT NULL, not_after INTEGER NOT NULL,"
	  " state TEXT NOT NULL, issued INTEGER NOT NULL, updated INTEGER NOT NULL);"
	  "CREATE INDEX capf_lsc_device ON capf_lsc (device, state);"
	  "CREATE TABLE capf_failure (device TEXT NOT NULL, ts INTEGER NOT NULL);"
	  "CREATE INDEX capf_failure_device ON capf_failure (device, ts);"
	  "CREATE TABLE capf_lockout (device TEXT PRIMARY KEY, until INTEGER NOT NULL);",
	  NULL },
	/* 4: the last revocation verdict per certificate (by SHA-256), and the
	 * alarms that are raised now */
	{ "CREATE TABLE revocation (sha256 TEXT PRIMARY KEY, object TEXT NOT NULL,"
	  " status TEXT NOT NULL, method TEXT NOT NULL, source TEXT NOT NULL,"
	  " detail TEXT NOT NULL, checked INTEGER NOT NULL);"
	  "CREATE TABLE alarm (name TEXT NOT NULL, object TEXT NOT NULL,"
	  " severity TEXT NOT NULL, detail TEXT NOT NULL, raised INTEGER NOT NULL,"
	  " PRIMARY KEY (name, object));",
	  NULL },
	/* 5: see hash_auth_strings */
	{ NULL, hash_auth_strings },
};

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

int tl_db_open(tl_db **handle, const char *path, tl_err *e)
{
	int version = 0, n = (int)(sizeof(migrations) / sizeof(migrations[0]));
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
		    (migrations[version].sql && exec_sql(db, migrations[version].sql, e)) ||
		    (migrations[version].run && migrations[version].run(db, e)) ||
		    exec_sql(db, sql, e) || exec_sql(db, "COMMIT;", e)) {
			exec_sql(db, "ROLLBACK;", NULL);
			goto fail;
		}
	}
	if ((*handle = calloc(1, sizeof(**handle))) == NULL) {
		tl_fail(e, "out of memory");
		goto fail;
	}
	(*handle)->h = db;
	return 0;
fail:
	sqlite3_close(db);
	return -1;
}

void tl_db_close(tl_db *db)
{
	if (db == NULL)
		return;
	sqlite3_close(db->h);
	free(db);
}

/* A writer holds the lock for one batch at a time (a commit, a few ms):
 * waits in steps of 0.2 ms, not SQLite's default of 1, 2, 5, 10 ... ms,
 * which left a batch asleep long after the lock was free. */
static int lock_wait(void *arg, int tries)
{
	const tl_db *db = arg;
	struct timespec t = { 0, 200 * 1000 };

	if (tries * 200 / 1000 >= db->lock_wait_ms)
		return 0;
	nanosleep(&t, NULL);
	return 1;
}

void tl_db_lock_wait(tl_db *db, int ms)
{
	db->lock_wait_ms = ms;
	sqlite3_busy_handler(db->h, lock_wait, db);
}
