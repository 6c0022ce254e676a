/* The two tables of migration 1: the audit log (one row per change, never
 * rewritten) and state (small key -> text values such as the generation).
 * lib/store.c decides what is written; this is how. */
#include <stdio.h>

#include "sqlitedb.h"

int tl_db_audit_add(tl_db *db, long ts, const char *user, const char *action,
		    const char *object, const char *old_sha256,
		    const char *new_sha256, tl_err *e)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(db->h, "INSERT INTO audit (ts, user, action, object,"
			       " old_sha256, new_sha256) VALUES (?,?,?,?,?,?)",
			       -1, &st, NULL) != SQLITE_OK)
		return tl_fail(e, "audit log: %s", tl_db_error(db->h));
	sqlite3_bind_int64(st, 1, (sqlite3_int64)ts);
	sqlite3_bind_text(st, 2, user, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, action, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 4, object, -1, SQLITE_TRANSIENT);
	if (old_sha256)
		sqlite3_bind_text(st, 5, old_sha256, -1, SQLITE_TRANSIENT);
	if (new_sha256)
		sqlite3_bind_text(st, 6, new_sha256, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return tl_fail(e, "audit log: %s", tl_db_error(db->h));
	return 0;
}

int tl_db_audit_each(tl_db *db, tl_audit_fn fn, void *arg, tl_err *e)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(db->h, "SELECT ts, user, action, object, old_sha256,"
			       " new_sha256 FROM audit ORDER BY id", -1, &st,
			       NULL) != SQLITE_OK)
		return tl_fail(e, "audit log: %s", tl_db_error(db->h));
	while (sqlite3_step(st) == SQLITE_ROW)
		fn(arg, (long)sqlite3_column_int64(st, 0),
		   (const char *)sqlite3_column_text(st, 1),
		   (const char *)sqlite3_column_text(st, 2),
		   (const char *)sqlite3_column_text(st, 3),
		   (const char *)sqlite3_column_text(st, 4),
		   (const char *)sqlite3_column_text(st, 5));
	sqlite3_finalize(st);
	return 0;
}

int tl_db_state_get(tl_db *db, const char *key, char *val, size_t n)
{
	sqlite3_stmt *st;
	int found = 0;

	val[0] = 0;
	if (sqlite3_prepare_v2(db->h, "SELECT value FROM state WHERE key = ?", -1,
			       &st, NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) == SQLITE_ROW) {
		snprintf(val, n, "%s", (const char *)sqlite3_column_text(st, 0));
		found = 1;
	}
	sqlite3_finalize(st);
	return found;
}

int tl_db_state_set(tl_db *db, const char *key, const char *val, tl_err *e)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(db->h, "INSERT INTO state (key, value) VALUES (?, ?)"
			       " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
			       -1, &st, NULL) != SQLITE_OK)
		return tl_fail(e, "state: %s", tl_db_error(db->h));
	sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, val, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return tl_fail(e, "state: %s", tl_db_error(db->h));
	return 0;
}
