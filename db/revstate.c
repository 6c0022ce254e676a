/* The revocation table's SQL; pki/revcheck.c decides what is checked. */
#include <stdio.h>

#include "sqlitedb.h"
#include "revstate.h"

int tl_revstate_get(tl_store *s, const char *sha256, tl_rev *r)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(tl_sqlite(s), "SELECT status, method, source, detail,"
			       " checked FROM revocation WHERE sha256 = ?1", -1, &st,
			       NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, sha256, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		int status = tl_rev_status_parse((const char *)sqlite3_column_text(st, 0));

		r->status = status < 0 ? TL_REV_ERROR : status;
		snprintf(r->method, sizeof(r->method), "%s", sqlite3_column_text(st, 1));
		snprintf(r->source, sizeof(r->source), "%s", sqlite3_column_text(st, 2));
		snprintf(r->detail, sizeof(r->detail), "%s", sqlite3_column_text(st, 3));
		r->checked = (time_t)sqlite3_column_int64(st, 4);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? 1 : -1;
}

int tl_revstate_put(tl_store *s, const char *sha256, const char *object,
		    const tl_rev *r, tl_err *e)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(tl_sqlite(s), "INSERT OR REPLACE INTO revocation "
			       "(sha256, object, status, method, source, detail, checked)"
			       " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)", -1, &st, NULL) !=
	    SQLITE_OK)
		return tl_fail(e, "trustline.db: %s", tl_db_error(tl_sqlite(s)));
	sqlite3_bind_text(st, 1, sha256, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, object, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, tl_rev_status_name(r->status), -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 4, r->method, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 5, r->source, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 6, r->detail, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 7, (sqlite3_int64)r->checked);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return tl_fail(e, "trustline.db: %s", tl_db_error(tl_sqlite(s)));
	return 0;
}
