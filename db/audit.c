/* The two tables of migration 1: the audit log (one row per change, never
 * rewritten) and state (small key -> text values such as the generation).
 * lib/store.c decides what is written; this is how. */
#include <stdio.h>

#include "stmt.h"

int tl_db_audit_add(tl_db *db, long ts, const char *user, const char *action,
		    const char *object, const char *old_sha256,
		    const char *new_sha256, tl_err *e)
{
	if (tl_db_run(db, NULL, e, "INSERT INTO audit (ts, \"user\", action, object,"
		      " old_sha256, new_sha256) VALUES (?, ?, ?, ?, ?, ?)", "ittttt",
		      ts, user, action, object, old_sha256, new_sha256) < 0)
		return tl_wrap(e, "audit log");
	return 0;
}

int tl_db_audit_each(tl_db *db, tl_audit_fn fn, void *arg, tl_err *e)
{
	tl_stmt *st = tl_db_prepare(db, "SELECT ts, \"user\", action, object,"
				    " old_sha256, new_sha256 FROM audit ORDER BY id", e);
	int rc;

	if (st == NULL)
		return tl_wrap(e, "audit log");
	while ((rc = tl_stmt_step(st, e)) == 1)
		fn(arg, (long)tl_stmt_col_int(st, 0), tl_stmt_col_text(st, 1),
		   tl_stmt_col_text(st, 2), tl_stmt_col_text(st, 3),
		   tl_stmt_col_opt(st, 4), tl_stmt_col_opt(st, 5));
	tl_stmt_finalize(st);
	return rc < 0 ? tl_wrap(e, "audit log") : 0;
}

int tl_db_state_get(tl_db *db, const char *key, char *val, size_t n)
{
	tl_stmt *st = tl_db_prepare(db, "SELECT value FROM state WHERE key = ?", NULL);
	int found = 0;

	val[0] = 0;
	if (st == NULL)
		return 0;
	tl_stmt_text(st, 1, key);
	if (tl_stmt_step(st, NULL) == 1) {
		snprintf(val, n, "%s", tl_stmt_col_text(st, 0));
		found = 1;
	}
	tl_stmt_finalize(st);
	return found;
}

int tl_db_state_set(tl_db *db, const char *key, const char *val, tl_err *e)
{
	if (tl_db_run(db, NULL, e, "INSERT INTO state (key, value) VALUES (?, ?)"
		      " ON CONFLICT (key) DO UPDATE SET value = excluded.value", "tt",
		      key, val) < 0)
		return tl_wrap(e, "state");
	return 0;
}
