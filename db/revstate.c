/* The revocation table's SQL; pki/revcheck.c decides what is checked. */
#include <stdio.h>

#include "revstate.h"
#include "stmt.h"

int tl_revstate_get(tl_store *s, const char *sha256, tl_rev *r)
{
	tl_stmt *st = tl_db_prepare(tl_store_db(s), "SELECT status, method, source,"
				    " detail, checked FROM revocation WHERE sha256 = ?",
				    NULL);
	int rc;

	if (st == NULL)
		return -1;
	tl_stmt_text(st, 1, sha256);
	if ((rc = tl_stmt_step(st, NULL)) == 1) {
		int status = tl_rev_status_parse(tl_stmt_col_text(st, 0));

		r->status = status < 0 ? TL_REV_ERROR : status;
		snprintf(r->method, sizeof(r->method), "%s", tl_stmt_col_text(st, 1));
		snprintf(r->source, sizeof(r->source), "%s", tl_stmt_col_text(st, 2));
		snprintf(r->detail, sizeof(r->detail), "%s", tl_stmt_col_text(st, 3));
		r->checked = (time_t)tl_stmt_col_int(st, 4);
	}
	tl_stmt_finalize(st);
	return rc == 1 ? 0 : rc == 0 ? 1 : -1;
}

int tl_revstate_put(tl_store *s, const char *sha256, const char *object,
		    const tl_rev *r, tl_err *e)
{
	return tl_db_run(tl_store_db(s), NULL, e, "INSERT INTO revocation (sha256,"
			 " object, status, method, source, detail, checked) VALUES"
			 " (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (sha256) DO UPDATE SET"
			 " object = excluded.object, status = excluded.status,"
			 " method = excluded.method, source = excluded.source,"
			 " detail = excluded.detail, checked = excluded.checked",
			 "tttttti", sha256, object, tl_rev_status_name(r->status),
			 r->method, r->source, r->detail, (long)r->checked) < 0 ? -1 : 0;
}
