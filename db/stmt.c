/* The statement layer's common half: calls through the backend's
 * operations, the one-statement helper, and tl_db_open choosing the
 * backend from what it is given. */
#include "stmt.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

int tl_db_open_url(tl_db **db, const char *where, const char *password_file,
		   tl_err *e)
{
	if (tl_conf_is_db_url(where))
		return tl_pg_open(db, where, password_file, e);
	return tl_sqlite_open(db, where, e);
}

int tl_db_open(tl_db **db, const char *path, tl_err *e)
{
	return tl_db_open_url(db, path, NULL, e);
}

void tl_db_close(tl_db *db)
{
	if (db)
		db->ops->close(db);
}

int tl_db_shared(const tl_db *db)
{
	return db && db->shared;
}

int tl_db_changes_fd(tl_db *db)
{
	return db->ops->changes_fd ? db->ops->changes_fd(db) : -1;
}

int tl_db_changes_drain(tl_db *db)
{
	return db->ops->changes_drain ? db->ops->changes_drain(db) : 0;
}

int tl_db_ping(tl_db *db, tl_err *e)
{
	return db->ops->ping ? db->ops->ping(db, e) : 0;
}

long tl_db_state_incr(tl_db *db, const char *key, tl_err *e)
{
	long v;

	if (tl_db_run(db, &v, e, "INSERT INTO state (key, value) VALUES (?1, '1')"
		      " ON CONFLICT (key) DO UPDATE SET value ="
		      " CAST(CAST(state.value AS BIGINT) + 1 AS TEXT) RETURNING"
		      " CAST(value AS BIGINT)", "t", key) < 0 ||
	    (db->ops->notify && db->ops->notify(db, e)))
		return -1;
	return v;
}

tl_stmt *tl_db_prepare(tl_db *db, const char *sql, tl_err *e)
{
	return db->ops->prepare(db, sql, e);
}

/* Every statement starts with its database (sqlite.c's and pg.c's). */
static const tl_db_ops *ops(tl_stmt *st)
{
	return (*(tl_db **)st)->ops;
}

void tl_stmt_text(tl_stmt *st, int i, const char *s)
{
	ops(st)->bind(st, i, 't', s, s ? strlen(s) : 0, 0);
}

void tl_stmt_int(tl_stmt *st, int i, long long v)
{
	ops(st)->bind(st, i, 'i', NULL, 0, v);
}

void tl_stmt_blob(tl_stmt *st, int i, const void *p, size_t n)
{
	ops(st)->bind(st, i, 'b', p, n, 0);
}

int tl_stmt_step(tl_stmt *st, tl_err *e)
{
	return ops(st)->step(st, e);
}

const char *tl_stmt_col_text(tl_stmt *st, int col)
{
	const char *t = ops(st)->text(st, col);

	return t ? t : "";
}

const char *tl_stmt_col_opt(tl_stmt *st, int col)
{
	return ops(st)->text(st, col);
}

long long tl_stmt_col_int(tl_stmt *st, int col)
{
	return ops(st)->integer(st, col);
}

const void *tl_stmt_col_blob(tl_stmt *st, int col, size_t *n)
{
	return ops(st)->blob(st, col, n);
}

long tl_stmt_changes(tl_stmt *st)
{
	return ops(st)->changes(st);
}

void tl_stmt_finalize(tl_stmt *st)
{
	if (st)
		ops(st)->finalize(st);
}

int tl_db_exec(tl_db *db, const char *sql, tl_err *e)
{
	return db->ops->exec(db, sql, e);
}

int tl_db_begin(tl_db *db, tl_err *e)
{
	return db->ops->begin(db, e);
}

int tl_db_end(tl_db *db, int rc, tl_err *e)
{
	if (rc == 0 && tl_db_exec(db, "COMMIT", e) == 0)
		return 0;
	tl_db_exec(db, "ROLLBACK", NULL);
	return -1;
}

long tl_db_run(tl_db *db, long *out, tl_err *e, const char *sql,
	       const char *types, ...)
{
	tl_stmt *st = tl_db_prepare(db, sql, e);
	va_list ap;
	long n;
	int i = 1, rc;

	if (out)
		*out = 0;
	if (st == NULL)
		return -1;
	va_start(ap, types);
	for (const char *t = types; *t; t++, i++) {
		if (*t == 't') {
			tl_stmt_text(st, i, va_arg(ap, const char *));
		} else if (*t == 'i') {
			tl_stmt_int(st, i, va_arg(ap, long));
		} else if (*t == 'b') {
			const void *p = va_arg(ap, const void *);

			tl_stmt_blob(st, i, p, va_arg(ap, size_t));
		}
	}
	va_end(ap);
	rc = tl_stmt_step(st, e);
	if (rc == 1 && out)
		*out = (long)tl_stmt_col_int(st, 0);
	n = rc < 0 ? -1 : rc == 1 ? 1 : tl_stmt_changes(st);
	tl_stmt_finalize(st);
	return n;
}
