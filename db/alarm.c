/* The alarm table of trustline.db (migration 4 of schema.c). */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "alarm.h"
#include "stmt.h"

int tl_alarm_raise(tl_store *s, const char *name, const char *object,
		   const char *severity, const char *detail, tl_err *e)
{
	long n = tl_db_run(tl_store_db(s), NULL, e, "INSERT INTO alarm (name, object,"
			   " severity, detail, raised) VALUES (?, ?, ?, ?, ?) ON CONFLICT"
			   " (name, object) DO NOTHING", "tttti", name, object,
			   severity, detail, (long)time(NULL));

	if (n != 0)
		return n < 0 ? -1 : 1;
	return tl_db_run(tl_store_db(s), NULL, e, "UPDATE alarm SET severity = ?,"
			 " detail = ? WHERE name = ? AND object = ?", "tttt", severity,
			 detail, name, object) < 0 ? -1 : 0;
}

int tl_alarm_clear(tl_store *s, const char *name, const char *object, tl_err *e)
{
	long n = tl_db_run(tl_store_db(s), NULL, e, "DELETE FROM alarm WHERE name = ?"
			   " AND object = ?", "tt", name, object);

	return n < 0 ? -1 : n > 0;
}

int tl_alarm_each(tl_store *s, const char *name,
		  int (*fn)(void *arg, const tl_alarm *a), void *arg, tl_err *e)
{
	tl_stmt *st = tl_db_prepare(tl_store_db(s), "SELECT name, object, severity,"
				    " detail, raised FROM alarm WHERE CAST(?1 AS TEXT) IS NULL OR"
				    " name = ?1 ORDER BY raised, name, object", e);
	int rc;

	if (st == NULL)
		return -1;
	tl_stmt_text(st, 1, name);
	while ((rc = tl_stmt_step(st, e)) == 1) {
		tl_alarm a;

		snprintf(a.name, sizeof(a.name), "%s", tl_stmt_col_text(st, 0));
		snprintf(a.object, sizeof(a.object), "%s", tl_stmt_col_text(st, 1));
		snprintf(a.severity, sizeof(a.severity), "%s", tl_stmt_col_text(st, 2));
		snprintf(a.detail, sizeof(a.detail), "%s", tl_stmt_col_text(st, 3));
		a.raised = (time_t)tl_stmt_col_int(st, 4);
		if (fn(arg, &a)) {
			rc = 0;
			break;
		}
	}
	tl_stmt_finalize(st);
	return rc < 0 ? -1 : 0;
}

void tl_alarm_print(FILE *f, const tl_alarm *a, int raised)
{
	fprintf(f, "alarm=%s state=%s severity=%s object=%s detail=\"%s\"\n", a->name,
		raised ? "raised" : "cleared", a->severity, a->object, a->detail);
}
