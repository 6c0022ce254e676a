/* The alarm table of trustline.db (migration 4 of db.c). */
#include <stdio.h>
#include <string.h>

#include "alarm.h"
#include "sqlitedb.h"

static int prepare(tl_store *s, const char *sql, sqlite3_stmt **st, tl_err *e)
{
	if (sqlite3_prepare_v2(tl_sqlite(s), sql, -1, st, NULL) != SQLITE_OK)
		return tl_fail(e, "trustline.db: %s", tl_db_error(tl_sqlite(s)));
	return 0;
}

static int done(tl_store *s, sqlite3_stmt *st, int rc, tl_err *e)
{
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return tl_fail(e, "trustline.db: %s", tl_db_error(tl_sqlite(s)));
	return 0;
}

static void bind4(sqlite3_stmt *st, const char *name, const char *object,
		  const char *severity, const char *detail)
{
	sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, object, -1, SQLITE_TRANSIENT);
	if (severity)
		sqlite3_bind_text(st, 3, severity, -1, SQLITE_TRANSIENT);
	if (detail)
		sqlite3_bind_text(st, 4, detail, -1, SQLITE_TRANSIENT);
}

int tl_alarm_raise(tl_store *s, const char *name, const char *object,
		   const char *severity, const char *detail, tl_err *e)
{
	sqlite3_stmt *st;
	int rc;

	if (prepare(s, "INSERT INTO alarm (name, object, severity, detail, raised) "
		    "VALUES (?1, ?2, ?3, ?4, strftime('%s','now')) ON CONFLICT "
		    "(name, object) DO NOTHING", &st, e))
		return -1;
	bind4(st, name, object, severity, detail);
	rc = sqlite3_step(st);
	if (done(s, st, rc, e))
		return -1;
	if (sqlite3_changes(tl_sqlite(s)) > 0)
		return 1;
	if (prepare(s, "UPDATE alarm SET severity = ?3, detail = ?4 WHERE name = ?1 "
		    "AND object = ?2", &st, e))
		return -1;
	bind4(st, name, object, severity, detail);
	rc = sqlite3_step(st);
	return done(s, st, rc, e) ? -1 : 0;
}

int tl_alarm_clear(tl_store *s, const char *name, const char *object, tl_err *e)
{
	sqlite3_stmt *st;
	int rc;

	if (prepare(s, "DELETE FROM alarm WHERE name = ?1 AND object = ?2", &st, e))
		return -1;
	bind4(st, name, object, NULL, NULL);
	rc = sqlite3_step(st);
	if (done(s, st, rc, e))
		return -1;
	return sqlite3_changes(tl_sqlite(s)) > 0;
}

int tl_alarm_each(tl_store *s, const char *name,
		  int (*fn)(void *arg, const tl_alarm *a), void *arg, tl_err *e)
{
	sqlite3_stmt *st;
	int rc;

	if (prepare(s, "SELECT name, object, severity, detail, raised FROM alarm "
		    "WHERE ?1 IS NULL OR name = ?1 ORDER BY raised, name, object",
		    &st, e))
		return -1;
	if (name)
		sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		tl_alarm a;

		snprintf(a.name, sizeof(a.name), "%s", sqlite3_column_text(st, 0));
		snprintf(a.object, sizeof(a.object), "%s", sqlite3_column_text(st, 1));
		snprintf(a.severity, sizeof(a.severity), "%s", sqlite3_column_text(st, 2));
		snprintf(a.detail, sizeof(a.detail), "%s", sqlite3_column_text(st, 3));
		a.raised = (time_t)sqlite3_column_int64(st, 4);
		if (fn(arg, &a)) {
			rc = SQLITE_DONE;
			break;
		}
	}
	return done(s, st, rc, e);
}

void tl_alarm_print(FILE *f, const tl_alarm *a, int raised)
{
	fprintf(f, "alarm=%s state=%s severity=%s object=%s detail=\"%s\"\n", a->name,
		raised ? "raised" : "cleared", a->severity, a->object, a->detail);
}
